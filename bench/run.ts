/**
 * `npm run bench`: runs every benchmark script of bench/ (their compiled form next to this
 * file), one after another in child processes, and says which failed. Arguments after
 * `npm run bench --` go to every script.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BENCH_SKIPPED } from './args.js';

const here = dirname(fileURLToPath(import.meta.url));
const scripts = readdirSync(here)
  .filter((f) => f.endsWith('.js') && f !== 'run.js' && f !== 'args.js') // args.js: shared helpers, not a benchmark
  .sort();
const failed: string[] = [];
const skipped: string[] = [];
for (const s of scripts) {
  process.stdout.write(`\n=== bench/${s.replace(/\.js$/, '.ts')} ===\n`);
  const r = spawnSync(process.execPath, [join(here, s), ...process.argv.slice(2)], { stdio: 'inherit' });
  if (r.status === BENCH_SKIPPED) skipped.push(s);
  else if (r.status !== 0) failed.push(s);
}
if (skipped.length > 0) process.stdout.write(`\nbenchmarks skipped (they said why above): ${skipped.join(', ')}\n`);
if (failed.length > 0) {
  process.stderr.write(`\nbenchmarks that failed: ${failed.join(', ')}\n`);
  process.exitCode = 1;
}
