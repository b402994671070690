import type { Command } from 'commander';
import { resolve } from 'node:path';
import { runtimeError, usageError } from '../errors.js';
import { cacheDir, modelSetDir } from '../models-cache/cache-dir.js';
import { modelSetState, pullModelSet, requireModelSet } from '../models-cache/pull.js';
import { MODEL_SETS } from '../models-cache/sets.js';
import { printNotice } from './output.js';

interface CacheOpts {
  cache?: string;
  json?: boolean;
}

function cacheOf(opts: CacheOpts): string {
  return opts.cache ? resolve(opts.cache) : cacheDir();
}

export function registerModels(program: Command): void {
  const models = program
    .command('models')
    .description('fetch and locate reference error-model sets (kept in a user cache)')
    .addHelpText(
      'after',
      `
The cache is $CLASSES_CACHE_DIR, else $XDG_CACHE_HOME/classes, else ~/.cache/classes.

Examples:
  $ classes models pull classes-gpu
  $ classes models list
  $ classes gen-faults model.onnx --profile profile.json \\
      --error-models "$(classes models path classes-gpu)/faulty_warp_models" -o faults.tar`,
    );

  models
    .command('pull')
    .description('download a pinned model set into the cache and verify every file (SHA-256)')
    .argument('<set>', `model set to fetch (${MODEL_SETS.map((s) => s.name).join(', ')})`)
    .option('--url <base>', 'fetch from this base URL instead of the upstream repository (a mirror); files keep their upstream paths')
    .option('--cache <dir>', 'cache folder (default: see `classes models --help`)')
    .option('--force', 'download again even if a verified copy is present', false)
    .option('--json', 'print the result as JSON', false)
    .addHelpText(
      'after',
      `
Examples:
  $ classes models pull classes-gpu
  $ classes models pull classes-gpu --url http://mirror.example/classes-pytorch --force`,
    )
    .action(async (name: string, opts: CacheOpts & { url?: string; force: boolean }) => {
      const set = requireModelSet(name);
      const r = await pullModelSet(set.name, { baseUrl: opts.url, cache: cacheOf(opts), force: opts.force });
      if (opts.json) {
        process.stdout.write(JSON.stringify({ ok: true, ...r }) + '\n');
        return;
      }
      if (r.downloaded) printNotice(`downloaded ${r.files} files of ${r.set} (${set.repository}@${set.commit.slice(0, 12)}, ${r.license}), all SHA-256 verified`);
      else printNotice(`${r.set} is already in the cache and verified (use --force to download again)`);
      process.stdout.write(`${r.dir}\n`);
    });

  models
    .command('list')
    .description('list the known model sets and whether each is in the cache')
    .option('--cache <dir>', 'cache folder')
    .option('--json', 'print the list as JSON', false)
    .action((opts: CacheOpts) => {
      const cache = cacheOf(opts);
      const rows = MODEL_SETS.map((s) => {
        const dir = modelSetDir(s.name, cache);
        const checked = modelSetState(s, dir).state;
        const state = checked === 'incomplete or modified' ? 'incomplete or modified (pull it again)' : checked;
        return { set: s.name, description: s.description, files: s.files.length, source: `${s.repository}@${s.commit}`, license: s.license, dir, state };
      });
      if (opts.json) {
        process.stdout.write(JSON.stringify(rows, null, 2) + '\n');
        return;
      }
      for (const r of rows) process.stdout.write(`${r.set}\t${r.state}\t${r.dir}\n  ${r.description}; ${r.source} (${r.license})\n`);
    });

  models
    .command('path')
    .description('print the folder of a pulled model set (fails if it is not there)')
    .argument('<set>', 'model set name')
    .option('--cache <dir>', 'cache folder')
    .action((name: string, opts: CacheOpts) => {
      const set = requireModelSet(name);
      const dir = modelSetDir(set.name, cacheOf(opts));
      const check = modelSetState(set, dir);
      const cacheFlag = opts.cache ? ` --cache ${opts.cache}` : '';
      if (check.state === 'not pulled' || check.missing.length === set.files.length) {
        throw runtimeError(`${set.name} is not in the cache (${dir}); run \`classes models pull ${set.name}${cacheFlag}\` first`);
      }
      // Same SHA-256 check as `models list`: a folder with edited or missing files is not the pinned set.
      if (check.state !== 'ok') {
        const bad = [...check.mismatched, ...check.missing];
        throw runtimeError(
          `${set.name} in ${dir} is incomplete or modified (${bad.length} file(s) missing or not matching their SHA-256, e.g. ${bad[0]}); ` +
            `pull it again with \`classes models pull ${set.name}${cacheFlag}\``,
        );
      }
      process.stdout.write(`${dir}\n`);
    });

  // Without a sub-command, commander would dump the whole help on stderr; a usage error is one
  // line. The action (with excess arguments allowed, set after the sub-commands so they do not
  // inherit it) also sees a word that is no sub-command, since commander then skips its own check;
  // `helpCommand(true)` keeps `classes models help`, which commander drops for a command with an action.
  const subcommands = models.commands.map((c) => c.name());
  models.helpCommand(true).allowExcessArguments().action((_opts: unknown, cmd: Command) => {
    const word = cmd.args[0];
    if (word === undefined) throw usageError(`\`classes models\` needs a sub-command (${subcommands.join(', ')}); run \`classes models --help\` for usage`);
    throw usageError(`unknown command '${word}' for \`classes models\` (it has ${subcommands.join(', ')}); run \`classes models --help\` for usage`);
  });
}
