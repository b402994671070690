import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join, resolve } from 'node:path';
import { modelSetDir } from '../src/models-cache/cache-dir.js';

/** Repository root, from dist/test/helpers.js or test/helpers.ts alike. */
export const ROOT = (() => {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) dir = dirname(dir);
  return dir;
})();

export const BIN = join(ROOT, 'bin', 'classes.js');

export function repoPath(...parts: string[]): string {
  return resolve(ROOT, ...parts);
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the real CLI in a child process, as a user would. */
export function runCli(args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string } = {}): CliResult {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    cwd: opts.cwd ?? ROOT,
    env: { ...process.env, FORCE_COLOR: '0', ...opts.env },
    input: opts.input,
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/**
 * Where the reference CLASSES error models are, or null: $CLASSES_REFERENCE_MODELS, then the
 * `classes models pull` cache, then ../shared/reference/classes-error-models next to the repo.
 */
export function referenceModelsDir(): string | null {
  const candidates = [
    process.env.CLASSES_REFERENCE_MODELS,
    modelSetDir('classes-gpu'),
    resolve(ROOT, '..', 'shared', 'reference', 'classes-error-models'),
  ];
  for (const c of candidates) {
    if (c && existsSync(join(c, 'faulty_warp_models', 'conv_gemm.json'))) return c;
  }
  return null;
}

export const NO_REFERENCE_REASON =
  'reference CLASSES models not found (set CLASSES_REFERENCE_MODELS or run `classes models pull classes-gpu`)';
