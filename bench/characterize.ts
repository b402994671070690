/**
 * Benchmark of `classes characterize`: every operator at 5,000 samples (the shipped models'
 * setting), timed per operator. The issue's target is under 10 minutes on 2 cores.
 *
 *   npx tsc -p . && node dist/bench/characterize.js [--samples N] [--json]
 *
 * The models are built in memory and not written; the timing covers data drawing, inference,
 * classification and model building.
 */
import { availableParallelism } from 'node:os';
import { pathToFileURL } from 'node:url';
import { OPERATOR_NAMES, characterizeOperator } from '../src/characterize/index.js';

export interface CharacterizeBench {
  samples: number;
  cores: number;
  totalSeconds: number;
  targetSeconds: number;
  operators: { op: string; seconds: number; kept: number }[];
}

export async function benchCharacterize(samples = 5000, seed = 1): Promise<CharacterizeBench> {
  const operators: CharacterizeBench['operators'] = [];
  const t0 = performance.now();
  for (const op of OPERATOR_NAMES) {
    const t = performance.now();
    const r = await characterizeOperator(op, { samples, seed });
    operators.push({ op, seconds: (performance.now() - t) / 1000, kept: r.report.kept });
  }
  return { samples, cores: availableParallelism(), totalSeconds: (performance.now() - t0) / 1000, targetSeconds: 600, operators };
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const i = args.indexOf('--samples');
  const samples = i >= 0 ? Number(args[i + 1]) : 5000;
  if (!Number.isSafeInteger(samples) || samples < 1) throw new Error('--samples needs a whole number >= 1');
  const r = await benchCharacterize(samples);
  if (args.includes('--json')) {
    process.stdout.write(JSON.stringify(r) + '\n');
    return;
  }
  for (const o of r.operators) process.stdout.write(`${o.op.padEnd(14)} ${o.seconds.toFixed(2).padStart(7)} s  (${o.kept} tensors in the model)\n`);
  const verdict = r.totalSeconds < r.targetSeconds ? 'within' : 'OVER';
  process.stdout.write(`total ${r.totalSeconds.toFixed(1)} s for ${OPERATOR_NAMES.length} operators × ${samples} samples on ${r.cores} cores: ${verdict} the ${r.targetSeconds} s target\n`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  });
}
