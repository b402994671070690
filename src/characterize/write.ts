/**
 * What `classes characterize` writes: one error-model JSON per operator and a README.md that
 * states how the models were made. Both are pure functions of the campaign results (no times,
 * no paths of this machine), so the same command gives the same bytes.
 */
import { join } from 'node:path';
import { formatModelJson, type ErrorModelJson, type EntryJson } from '../error-models/builder/index.js';
import { assertWritable, writeFileAtomic } from '../util/files.js';
import type { OperatorResult, SiteTally } from './campaign.js';
import { GROUP_SIZE } from './campaign.js';
import { SITE_KINDS, type OperatorName, type SiteKind, type SiteMix } from './types.js';

/** The model as JSON text, formatted as `classes build-models` writes it (keys in the builder's order). */
export { formatModelJson };

export function modelFileName(dir: string, op: OperatorName): string {
  return join(dir, `${op}.json`);
}

export function readmeFileName(dir: string): string {
  return join(dir, 'README.md');
}

/** Refuse, before any work, to replace existing outputs without --force. */
export function assertOutputsWritable(dir: string, ops: readonly OperatorName[], force: boolean): void {
  for (const op of ops) assertWritable(modelFileName(dir, op), force);
  assertWritable(readmeFileName(dir), force);
}

export function writeModelFile(dir: string, result: OperatorResult): string {
  const path = modelFileName(dir, result.op);
  writeFileAtomic(path, formatModelJson(result.model));
  return path;
}

/** The command that reproduces a campaign, as the README quotes it. */
export function characterizeCommand(opts: { ops: string; samples: number; seed: number; siteMix: SiteMix; outDir: string }): string {
  const mix = opts.siteMix === 'equal' ? '' : ` --site-mix ${opts.siteMix}`;
  return `classes characterize --ops ${opts.ops} --samples ${opts.samples} --seed ${opts.seed}${mix} -o ${opts.outDir}`;
}

const SITE_TEXT: Record<SiteKind, string> = {
  input: 'one element of the input tensor',
  parameter: 'one element of a weight or parameter (operators that have some)',
  partial_sum: 'one element of the partial sum, the first half of the reduction (Conv only)',
  output: 'one element of the output tensor',
};

function pct(x: number): string {
  return `${(100 * x).toFixed(1)} %`;
}

function shape(s: { c: number; h: number; w: number }): string {
  return `${s.c}×${s.h}×${s.w}`;
}

function patternList(patterns: Partial<Record<string, number>>): string {
  const entries = Object.entries(patterns).sort((a, b) => (b[1] as number) - (a[1] as number) || a[0].localeCompare(b[0]));
  return entries.length === 0 ? '–' : entries.map(([p, n]) => `${p} ${n}`).join(', ');
}

function modelPatterns(model: ErrorModelJson): string {
  const tensors = model._tensor_count as number;
  const parts = Object.entries(model)
    .filter(([k]) => !k.startsWith('_'))
    .map(([k, e]) => `${k} ${pct((e as EntryJson).count / tensors)}`);
  return parts.length === 0 ? 'none (too few corrupted outputs)' : parts.join(', ');
}

function maskedShare(results: readonly OperatorResult[]): string {
  const samples = results.reduce((a, r) => a + r.samples, 0);
  const masked = results.reduce((a, r) => a + r.report.masked, 0);
  return samples === 0 ? '–' : pct(masked / samples);
}

export interface ReadmeInput {
  command: string;
  classesVersion: string;
  onnxRuntimeVersion: string;
  results: readonly OperatorResult[];
}

export function formatReadme(input: ReadmeInput): string {
  const r0 = input.results[0];
  const mix = r0?.siteMix ?? 'equal';
  const lines: string[] = [];
  const add = (...ls: string[]): void => void lines.push(...ls);
  add(
    '# Error models made by `classes characterize`',
    '',
    "These error models were made by this project's own fault-injection campaign on the CPU, with",
    'ONNX Runtime (the folder `classes` ships, `error_models/`, and uses when no `--error-models`',
    'folder is given, is one such set), by the command',
    '',
    '```',
    input.command,
    '```',
    '',
    `(classes ${input.classesVersion}, onnxruntime-node ${input.onnxRuntimeVersion}). This file was written by the same`,
    'command. Running it again gives the same bytes.',
    '',
    '## What they are not',
    '',
    'They are **not GPU measurements**. The CLASSES models published with the method were mined from',
    'NVBitFI campaigns on an NVIDIA GPU: a fault in one thread or one warp of a cuDNN kernel, whose',
    'effect on the output depends on how the GPU schedules the work (tiles, warps, shared memory).',
    'Nothing here models that. These models say what one flipped bit in the data an operator reads',
    'or writes does to its output, computed on the CPU. They make the tool work offline and show',
    'plausible patterns; they are no substitute for measurements of your hardware. For the',
    'published GPU models run `classes models pull classes-gpu` and pass the folder it prints to',
    '`--error-models`.',
    '',
    '## How they were made',
    '',
    '* **One-operator models.** For each operator a small ONNX graph is built in code (table below)',
    '  and run with ONNX Runtime on the CPU, one thread. Conv is computed as the GEMM algorithm does',
    '  it, im2col × weights, with the K reduction split into two MatMuls so that a partial sum',
    '  exists as a tensor.',
    `* **Random data.** Samples come in groups of ${GROUP_SIZE}. Each group draws a new input (and new`,
    '  weights or parameters) from the seeded generator, with the distributions in the table.',
    '* **Fault model.** Each sample flips **one bit** of **one float32 value**, the bit uniform over',
    '  the 32 bits (sign, exponent and mantissa alike), the value uniform within its fault site:',
  );
  SITE_KINDS.forEach((s, i) => add(`  * \`${s}\`: ${SITE_TEXT[s]}${i === SITE_KINDS.length - 1 ? '.' : ';'}`));
  add(
    mix === 'equal'
      ? '* **Site weights.** Every site an operator has gets the same share of its samples (`--site-mix equal`);'
      : '* **Site weights.** Each site gets a share in proportion to its number of elements (`--site-mix elements`);',
    '  Conv draws its kernel size uniformly first. The shares are in the tables below.',
    '* **Effects computed exactly.** An output flip needs no inference. A partial-sum flip changes one',
    '  output element, first′ + rest, added in float32. Input and parameter flips rerun the graph; the',
    '  golden output is always the fault-free run of the same graph with the same batch.',
    '* **Classification.** Each golden/faulty output pair goes to the error-model builder (`classes',
    '  build-models` does the same with files): a value is corrupted when |faulty − golden| ≥ 1e-3 or',
    '  it turned NaN. Outputs with no corrupted value are *masked* and not part of the model; the',
    '  builder then drops patterns seen fewer than 5 times and merges configurations rarer than 1 %,',
    '  as the reference classifier does.',
    `* **Seeds.** Sample *i* of operator *op* draws its fault from the key \`characterize/<seed>/<op>/<i>\`;`,
    `  the data of group *g* from \`characterize/<seed>/<op>/data/<g>/<variant>\`. Sample *i* is the same`,
    '  whatever `--samples` is.',
    '',
    'Known differences from the GPU models, worth knowing when reading the results:',
    '',
    '* The reference classifier calls a value one bit away from its golden value a `flip`. That rule',
    '  is off here: our fault generator writes the `flip` class as a one-hot bit pattern (nearly',
    '  zero), not as a flipped golden value, so such a model could not be replayed (`classes',
    '  build-models` keeps the reference rule for your own campaigns). A corrupted value that is',
    "  itself one-hot, which is what one flipped bit of a zero golden value gives (a Relu's zero",
    '  outputs), is a `flip`, as the generator writes it; every other value is classed by where it',
    '  lands: zero, in range, out of range or NaN.',
    `* Low mantissa bits change a value by less than the tolerance, so many flips are masked (${maskedShare(input.results)}`,
    '  of all samples here). Flips into NaN or infinity are corrupted values of class `nan`.',
    '',
    '## Per operator',
    '',
  );
  for (const r of input.results) {
    add(`### \`${r.op}.json\``, '');
    add('| graph | input → output | data |', '|---|---|---|');
    for (const v of r.variants) add(`| ${v.description} | ${shape(v.input)} → ${shape(v.output)} | ${v.dataDescription} |`);
    add('');
    const weights = new Map<SiteKind, string[]>();
    for (const v of r.variants) for (const s of v.sites) weights.set(s.site, [...(weights.get(s.site) ?? []), `${s.elements} (${pct(s.weight)})`]);
    add('| site | elements (share) | injected | masked | corrupted outputs by pattern |', '|---|---|---|---|---|');
    for (const s of SITE_KINDS) {
      const t = r.sites[s] as SiteTally | undefined;
      if (!t) continue;
      add(`| ${s} | ${weights.get(s)?.join(' / ') ?? '–'} | ${t.injected} | ${t.masked} | ${patternList(t.patterns)} |`);
    }
    add(
      '',
      `${r.samples} samples: ${r.report.masked} masked, ${r.report.classified} corrupted outputs classified, ` +
        `${r.report.kept} kept in the model. Patterns in the model: ${modelPatterns(r.model)}.`,
      '',
    );
  }
  return lines.join('\n');
}

export function writeReadme(dir: string, input: ReadmeInput): string {
  const path = readmeFileName(dir);
  writeFileAtomic(path, formatReadme(input));
  return path;
}
