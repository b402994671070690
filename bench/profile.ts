/**
 * Benchmark of `classes profile`: LeNet-5 (the built-in campaign) over 1,000 MNIST inputs, the
 * operating ranges of all eight injectable layers plus their timing. The target is
 * "well under 2 s on 2 cores".
 *
 *   npx tsc -p . && node dist/bench/profile.js [--inputs N] [--runs N] [--cli] [--json]
 *
 * Each run profiles from scratch (model load, batch check, sessions); the median of the runs
 * is reported with its process CPU time. --cli times the real command in a child process
 * instead (Node start-up and ONNX Runtime load included).
 */
import { spawnSync } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import { join } from 'node:path';
import { loadInputs } from '../src/data/index.js';
import { profileModel } from '../src/profile/index.js';
import { BIN, ROOT } from '../test/helpers.js';

export interface ProfileBench {
  model: string;
  inputs: number;
  runs: number;
  medianSeconds: number;
  medianCpuSeconds: number;
  allSeconds: number[];
  mode: 'in-process' | 'cli';
  target: number;
}

const MODEL = join(ROOT, 'campaigns', 'lenet5-mnist', 'model.onnx');
const DATA = join(ROOT, 'campaigns', 'lenet5-mnist', 'inputs.npy');

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export async function benchProfile(count = 1000, runs = 5, cli = false): Promise<ProfileBench> {
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let r = 0; r < runs; r++) {
    if (cli) {
      const t0 = performance.now();
      const res = spawnSync(process.execPath, [BIN, 'profile', MODEL, '--data', DATA, '--inputs', String(count), '--json'], { encoding: 'utf8' });
      wall.push((performance.now() - t0) / 1000);
      if (res.status !== 0) throw new Error(`classes profile failed: ${res.stderr}`);
      cpu.push(NaN);
      continue;
    }
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const inputs = loadInputs({ path: DATA, expectedShape: [1, 28, 28], limit: count });
    const profile = await profileModel({ model: MODEL, inputs });
    wall.push((performance.now() - t0) / 1000);
    const cu = process.cpuUsage(c0);
    cpu.push((cu.user + cu.system) / 1e6);
    if (profile.inputs !== count) throw new Error(`profiled ${profile.inputs} inputs, expected ${count}`);
  }
  return {
    model: MODEL,
    inputs: count,
    runs,
    medianSeconds: median(wall),
    medianCpuSeconds: median(cpu),
    allSeconds: wall,
    mode: cli ? 'cli' : 'in-process',
    target: 2,
  };
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const opt = (name: string): string | undefined => {
    const i = args.indexOf(name);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const count = Number(opt('--inputs') ?? 1000);
  const runs = Number(opt('--runs') ?? 5);
  if (!Number.isSafeInteger(count) || count < 1 || !Number.isSafeInteger(runs) || runs < 1) throw new Error('--inputs and --runs need whole numbers >= 1');
  const r = await benchProfile(count, runs, args.includes('--cli'));
  if (args.includes('--json')) {
    process.stdout.write(JSON.stringify(r) + '\n');
    return;
  }
  const cpu = Number.isNaN(r.medianCpuSeconds) ? '' : `, ${r.medianCpuSeconds.toFixed(3)} s CPU`;
  process.stdout.write(
    `profile LeNet-5, ${r.inputs} MNIST inputs (${r.mode}): median ${r.medianSeconds.toFixed(3)} s wall${cpu} over ${r.runs} runs ` +
      `[${r.allSeconds.map((s) => s.toFixed(3)).join(', ')}]; target < ${r.target} s\n`,
  );
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  });
}
