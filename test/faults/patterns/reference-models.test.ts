import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { NO_REFERENCE_REASON, referenceModelsDir } from '../../helpers.js';
import { Rng } from '../../../src/faults/rng.js';
import type { ParamValue, Shape3 } from '../../../src/faults/types.js';
import { getPatternGenerator } from '../../../src/faults/patterns/index.js';
import { checkFault } from './invariants.js';
import { LAYOUTS, resolveForTest, shapeStr } from './util.js';

type Raw = ParamValue | { RANDOM: ParamValue[] };
interface Config {
  keys: Record<string, Raw>;
  stats: Record<string, Raw>;
  count: number;
}
interface Entry {
  count: number;
  parameters: Config[];
}

const DIR = referenceModelsDir();

function loadModel(path: string): Map<string, Entry> {
  const json = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  const out = new Map<string, Entry>();
  for (const [k, v] of Object.entries(json)) if (!k.startsWith('_')) out.set(k, v as Entry);
  return out;
}

function modelFiles(root: string): string[] {
  const files: string[] = [];
  for (const sub of ['faulty_thread_models', 'faulty_warp_models']) {
    for (const f of readdirSync(join(root, sub))) if (f.endsWith('.json')) files.push(join(root, sub, f));
  }
  // One NVDLA hardware configuration, for its larger skips and channel counts.
  const nvdla = join(root, 'nvdla_models');
  if (existsSync(nvdla)) {
    const first = readdirSync(nvdla).sort()[0];
    if (first !== undefined) for (const f of readdirSync(join(nvdla, first)).sort()) if (f.endsWith('.json')) files.push(join(nvdla, first, f));
  }
  return files;
}

const SHAPES: Shape3[] = [
  { c: 64, h: 26, w: 26 },
  { c: 1, h: 1, w: 1 },
  { c: 3, h: 7, w: 7 },
  { c: 256, h: 2, w: 3 },
];

test('every configuration of the reference models yields faults that satisfy the invariants', (t) => {
  if (DIR === null) return t.skip(NO_REFERENCE_REASON);
  let faults = 0;
  for (const file of modelFiles(DIR)) {
    for (const [name, entry] of loadModel(file)) {
      const gen = getPatternGenerator(name);
      for (const [ci, cfg] of entry.parameters.entries()) {
        for (const shape of SHAPES) {
          for (let d = 0; d < (file.includes('nvdla_models') ? 1 : 2); d++) {
            const key = `${file}/${name}/${ci}/${shapeStr(shape)}/${d}`;
            const params = resolveForTest(cfg.keys, cfg.stats, new Rng(`${key}/params`));
            for (const layout of LAYOUTS) {
              checkFault(name, params, shape, layout, gen(shape, params, new Rng(key), layout));
              faults++;
            }
          }
        }
      }
    }
  }
  assert.ok(faults > 1000, `only ${faults} faults checked`);
});

/**
 * Appendix B of the spec: upstream statistics on a 64x26x26 CHW layer, 1000 faults per pattern,
 * configuration picked by count and RANDOM resolved as upstream (here by the test-only
 * resolver). The pattern statistics depend on nothing else, so they must agree within sampling
 * error.
 */
const APPENDIX_B: Array<{ model: string; pattern: string; card: number; channels: number }> = [
  { model: 'faulty_thread_models/conv_gemm.json', pattern: 'single', card: 1.0, channels: 1.0 },
  { model: 'faulty_thread_models/conv_gemm.json', pattern: 'bullet_wake', card: 13.7, channels: 13.72 },
  { model: 'faulty_thread_models/conv_gemm.json', pattern: 'same_row', card: 5.2, channels: 1.0 },
  { model: 'faulty_thread_models/conv_gemm.json', pattern: 'single_block', card: 37.7, channels: 1.08 },
  { model: 'faulty_thread_models/conv_gemm.json', pattern: 'single_channel_random', card: 7.5, channels: 1.0 },
  { model: 'faulty_warp_models/conv_gemm.json', pattern: 'skip_4', card: 31.8, channels: 4.15 },
  { model: 'faulty_warp_models/conv_gemm.json', pattern: 'multi_channel_block', card: 464.1, channels: 25.32 },
  { model: 'faulty_warp_models/conv_gemm.json', pattern: 'shattered_channel', card: 587.5, channels: 17.79 },
  { model: 'faulty_warp_models/conv_gemm.json', pattern: 'single_block', card: 28.1, channels: 1.06 },
  { model: 'faulty_warp_models/conv_gemm.json', pattern: 'bullet_wake', card: 16.7, channels: 16.69 },
  { model: 'faulty_warp_models/conv_gemm.json', pattern: 'full_channels', card: 1615.1, channels: 4.15 },
  { model: 'faulty_warp_models/conv_gemm.json', pattern: 'rectangles', card: 240.4, channels: 60.1 },
];

test('mean cardinality and mean #channels match Appendix B within sampling error', (t) => {
  if (DIR === null) return t.skip(NO_REFERENCE_REASON);
  const shape = { c: 64, h: 26, w: 26 };
  const hw = shape.h * shape.w;
  const N = 1500;
  const REF_N = 1000;
  const failures: string[] = [];
  for (const row of APPENDIX_B) {
    const entry = loadModel(join(DIR, row.model)).get(row.pattern);
    assert.ok(entry, `${row.model} has no ${row.pattern}`);
    const gen = getPatternGenerator(row.pattern);
    const weights = entry.parameters.map((p) => p.count);
    const cards: number[] = [];
    const chans: number[] = [];
    for (let i = 0; i < N; i++) {
      const rng = new Rng(`appB/${row.model}/${row.pattern}/${i}`);
      const cfg = entry.parameters[rng.weightedIndex(weights)];
      const params = resolveForTest(cfg.keys, cfg.stats, rng);
      const idx = gen(shape, params, rng, 'CHW');
      cards.push(idx.length);
      const set = new Set<number>();
      for (const f of idx) set.add(Math.floor(f / hw));
      chans.push(set.size);
    }
    for (const [label, xs, want] of [['cardinality', cards, row.card], ['#channels', chans, row.channels]] as const) {
      const mean = xs.reduce((a, b) => a + b, 0) / N;
      const sd = Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (N - 1));
      // Both our mean and the reference's are estimates; 4.5 combined standard errors, plus the
      // reference's one-decimal rounding.
      const tol = 4.5 * sd * Math.sqrt(1 / N + 1 / REF_N) + 0.05;
      if (process.env.PATTERN_STATS) console.log(`${row.model} ${row.pattern} ${label}: ${mean.toFixed(2)} vs ${want} (tol ${tol.toFixed(2)})`);
      if (Math.abs(mean - want) > tol) failures.push(`${row.model} ${row.pattern} ${label}: ${mean.toFixed(2)} vs ${want} (tol ${tol.toFixed(2)})`);
    }
  }
  assert.deepEqual(failures, []);
});
