import { Command, CommanderError } from 'commander';
import { ClassesError, EXIT_RUNTIME, EXIT_USAGE } from '../errors.js';
import { printError } from './output.js';
import { registerProfile } from './profile.js';
import { registerGenFaults } from './gen-faults.js';
import { registerShowFaults } from './show-faults.js';
import { registerModels } from './models.js';
import { registerRunCampaign } from './run-campaign.js';
import { registerMerge } from './merge.js';
import { registerBuildModels } from './build-models.js';
import { registerCharacterize } from './characterize.js';
import { VERSION } from '../version.js';
import { tuneGarbageCollection } from '../util/gc-tuning.js';

export function buildProgram(): Command {
  const program = new Command();
  program
    .name('classes')
    .description('Error simulation for CNNs against GPU soft errors (the CLASSES method), for any ONNX model.')
    .version(VERSION)
    .exitOverride()
    .configureOutput({ outputError: (str, write) => write(parseErrorLine(str, 'classes')) });
  program.addHelpText(
    'after',
    `
The main job (LeNet-5 on MNIST, offline, with the error models shipped in error_models/):
  $ classes run-campaign campaigns/lenet5-mnist/campaign.json

Your own model:
  $ classes profile model.onnx --data inputs.npy -o profile.json
  $ classes gen-faults model.onnx --profile profile.json --faults-per-layer 1000 --seed 42 -o faults.tar
  $ classes run-campaign --model model.onnx --data inputs.npy --labels labels.npy --faults faults.tar --out results/

Exit codes: 0 done, 1 runtime failure, 2 usage error; a campaign stopped by Ctrl-C or SIGTERM
ends as killed by the signal (130 or 143) and resumes when run again. Every command has --help with examples.`,
  );
  registerProfile(program);
  registerGenFaults(program);
  registerShowFaults(program);
  registerModels(program);
  registerRunCampaign(program);
  registerMerge(program);
  registerBuildModels(program);
  registerCharacterize(program);
  // Every sub-command (models pull too) reports usage errors the same way as the root, naming itself for --help.
  const configure = (cmd: Command, path: string): void => {
    cmd.exitOverride().configureOutput({ outputError: (str, write) => write(parseErrorLine(str, path)) });
    for (const sub of cmd.commands) configure(sub, `${path} ${sub.name()}`);
  };
  for (const cmd of program.commands) configure(cmd, `classes ${cmd.name()}`);
  return program;
}

/**
 * Commander's parse error ("error: unknown option '--out'", maybe with a "(Did you mean
 * --output?)" line) as the one line every error of classes is.
 */
export function parseErrorLine(commanderText: string, command: string): string {
  const text = commanderText
    .replace(/^error: /, '')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.length > 0)
    .join(' ')
    .replace(/\.$/, '');
  lastParseError = `${text}; run \`${command} --help\` for usage`;
  return `classes: error: ${lastParseError}\n`;
}

let stdoutGuarded = false;

/**
 * `classes … --json | head` or `| grep -q` closes the pipe before all output is written: the
 * reader has what it wanted, so that ends the process quietly instead of with Node's EPIPE stack.
 */
function guardStdout(): void {
  if (stdoutGuarded) return;
  stdoutGuarded = true;
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(0);
    printError(`cannot write to stdout: ${err.message}`);
    process.exit(EXIT_RUNTIME);
  });
}

/** Whether the command being run was given --json (set before its action runs). */
let jsonRequested = false;
/** The last parse error commander reported, as printed. */
let lastParseError = '';

/**
 * For a parse error, where commander never got to the action: whether the command that argv
 * names has a --json option and argv holds it.
 */
function parseFailureWantsJson(program: Command, argv: readonly string[]): boolean {
  let cmd = program;
  for (const arg of argv.slice(2)) {
    const sub = cmd.commands.find((c) => c.name() === arg || c.aliases().includes(arg));
    if (sub === undefined) break;
    cmd = sub;
  }
  return cmd !== program && cmd.options.some((o) => o.long === '--json') && argv.includes('--json');
}

/**
 * With --json, a failure also goes to stdout as {"ok": false, "exitCode", "error"}, the same
 * line as on stderr, so that a CI step that parses stdout reads why instead of failing on empty
 * input (every success JSON has "ok": true or is the command's data).
 */
function jsonFailure(wanted: boolean, exitCode: number, error: string): void {
  if (!wanted) return;
  process.stdout.write(JSON.stringify({ ok: false, exitCode, error }) + '\n');
}

/** Runs the CLI and returns the exit code; never throws for user mistakes. */
export async function main(argv: string[]): Promise<number> {
  tuneGarbageCollection();
  guardStdout();
  const program = buildProgram();
  jsonRequested = false;
  program.hook('preAction', (_root, action) => {
    jsonRequested = action.opts().json === true;
  });
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      // Help and version end here with code 0; parse errors were already printed by commander,
      // and so was the help shown for a missing command (exit code 1 from commander: a usage error).
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version') return 0;
      if (err.exitCode === 0) return 0;
      jsonFailure(parseFailureWantsJson(program, argv), EXIT_USAGE, lastParseError || err.message.replace(/^error: /, '').replace(/\s*[\r\n]+\s*/g, ' ').trim());
      return EXIT_USAGE;
    }
    if (err instanceof ClassesError) {
      // One line, whatever a message quotes (a parser's excerpt of a file may hold line breaks).
      const line = err.message.replace(/\s*[\r\n]+\s*/g, ' ').trim();
      printError(line);
      jsonFailure(jsonRequested, err.exitCode, line);
      return err.exitCode;
    }
    // Anything else is a bug in classes itself: keep the stack so it can be reported.
    printError(`internal error: ${(err as Error)?.stack ?? String(err)}`);
    jsonFailure(jsonRequested, EXIT_RUNTIME, `internal error: ${(err as Error)?.message ?? String(err)}`);
    return EXIT_RUNTIME;
  }
}
