/**
 * `classes merge`: join the output folders of shards 1..n of one campaign into the reports a
 * single run would have written. injections.csv and summary.csv come out byte-identical to a
 * single run's; manifest.json lists the shards and sums their timings.
 *
 * Shard i holds the units u with u mod n == i - 1 (plan.ts), each shard's rows in plan order, so
 * the merge is an n-way merge on the (layer position, fault index, input) of each row. Counts are
 * summed from each shard's summary.csv (with --mismatches-only, injections.csv has not every run).
 */
import { existsSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { runtimeError, usageError } from '../errors.js';
import { refuseExisting, removeStaleTemps, writeFileAtomic } from '../util/files.js';
import { CsvReader, parseCsv, type CsvRecord } from '../report/csv-read.js';
import { injectionsHeaderCsv } from '../report/injections.js';
import { emptyBreakdown, manifestJson, roundBreakdown, type LayerFacts, type Manifest } from '../report/manifest.js';
import { OutcomeCounts, countsFromSummary, summaryCsv } from '../report/summary.js';
import { discardUnfinishedRun, hasCheckpoint, INJECTIONS_FILE, MANIFEST_FILE, SUMMARY_FILE } from './checkpoint.js';
import { OUTCOME_CODE, type Outcome } from './outcome.js';
import { layerOffsets, shardFaults, type Plan } from './plan.js';
import { lockOutput } from './out-lock.js';

export interface MergeOptions {
  out: string;
  force: boolean;
}

export interface MergeResult {
  out: string;
  manifest: Manifest;
  counts: OutcomeCounts;
  layers: { name: string; output: string }[];
}

interface ShardDir {
  dir: string;
  manifest: Manifest;
  index: number;
  count: number;
}

function readShard(dir: string): ShardDir {
  let st;
  try {
    st = statSync(dir);
  } catch {
    throw usageError(`shard folder ${dir} does not exist; check the path`);
  }
  if (!st.isDirectory()) throw usageError(`${dir} is not a folder; give the output folders of the shards`);
  const mpath = join(dir, MANIFEST_FILE);
  if (!existsSync(mpath) || !existsSync(join(dir, INJECTIONS_FILE)) || !existsSync(join(dir, SUMMARY_FILE))) {
    throw usageError(`${dir} holds no finished shard (no ${MANIFEST_FILE}, ${SUMMARY_FILE} and ${INJECTIONS_FILE}); finish it by running its command again`);
  }
  let manifest: Manifest;
  try {
    manifest = JSON.parse(readFileSync(mpath, 'utf8')) as Manifest;
  } catch (err) {
    throw runtimeError(`${mpath} is not valid JSON (${(err as Error).message}); rerun that shard with --force`);
  }
  if (typeof manifest.planKey !== 'string' || !manifest.plan || typeof manifest.totals !== 'object' || manifest.totals === null) {
    throw runtimeError(`${mpath} is not a campaign manifest written by classes run-campaign; rerun that shard with --force`);
  }
  if (!Number.isSafeInteger(manifest.totals.runs)) throw runtimeError(`${mpath} has no count of runs in "totals"; rerun that shard with --force`);
  const m = typeof manifest.shard === 'string' ? /^(\d+)\/(\d+)$/.exec(manifest.shard) : null;
  if (!m) throw usageError(`${dir} holds a whole campaign, not a shard (it was run without --shard); nothing to merge`);
  return { dir, manifest, index: Number(m[1]), count: Number(m[2]) };
}

/**
 * Rows its injections.csv must have: `totals.rows`; in manifests written before that field, the
 * runs, unless only mismatches were kept; null when nothing says.
 */
function expectedRows(m: Manifest): number | null {
  if (Number.isSafeInteger(m.totals.rows)) return m.totals.rows;
  return m.settings.mismatchesOnly === false ? m.totals.runs : null;
}

/** Columns of injections.csv that the merge reads. */
const COL = { layer: 0, output: 1, fault: 2, pattern: 3, input: 5, goldenTop1: 7, faultyTop1: 8, outcome: 9, maxAbsDiff: 10 } as const;

/** What a shard's rows must satisfy: its own (fault, input) pairs, whole records. */
interface RowRules {
  layerPos: ReadonlyMap<string, number>;
  fields: number;
  plan: Plan;
  offsets: readonly number[];
  shard: { index: number; count: number };
  /**
   * Whether the fault column is the fault's position in its layer (generated faults). A stored
   * list's faults keep their own indices, which may have gaps, so a row's shard cannot be told
   * from it.
   */
  positional: boolean;
  /**
   * Under the default criteria with top-1 and no tolerance, an outcome follows from the row's own
   * top-1 columns and difference (outcome.ts): masked has no difference, critical changed the
   * top-1, safe did not, non-finite has no faulty top-1. Under other settings part of it depends
   * on the scores, which the file does not hold: not checked.
   */
  strictOutcomes: boolean;
}

/** Whether a row's outcome agrees with its top-1 columns and difference (RowRules.strictOutcomes). */
function outcomeFitsRow(f: readonly string[]): boolean {
  const changed = f[COL.faultyTop1] !== f[COL.goldenTop1];
  switch (f[COL.outcome]) {
    case 'masked':
      return !changed && f[COL.maxAbsDiff] === '0';
    case 'sdc-safe':
      // (its difference may print as 0: a score that turned from +0 to -0 is not bit-identical)
      return !changed;
    case 'sdc-critical':
      return changed && f[COL.faultyTop1] !== '';
    default:
      return f[COL.faultyTop1] === '';
  }
}

/**
 * Sort key of an injections.csv record (layer position, fault index, input index), after checking
 * that the record is whole (every column, a line ending: a file cut short mid-row is not a row)
 * and that its fault and input belong to this shard: another shard's or another campaign's rows
 * copied in would otherwise merge without a word.
 */
function keyOf(rec: CsvRecord, rules: RowRules, where: string): [number, number, number] {
  const bad = (why: string): Error => runtimeError(`${where}: ${why} in row ${JSON.stringify(rec.raw.trimEnd())}; rerun that shard with --force`);
  if (!rec.raw.endsWith('\n')) throw bad('no line ending (a file cut short)');
  if (rec.fields.length !== rules.fields) throw bad(`${rec.fields.length} columns instead of ${rules.fields}`);
  const l = rules.layerPos.get(rec.fields[COL.layer]);
  if (l === undefined) throw bad('a layer the campaign does not have');
  if (rec.fields[COL.output] !== rules.plan.layers[l].output) throw bad(`an output other than layer ${rules.plan.layers[l].name}'s`);
  const whole = (v: string): number => (/^\d{1,15}$/.test(v) ? Number(v) : -1);
  const f = whole(rec.fields[COL.fault]);
  const x = whole(rec.fields[COL.input]);
  if (f < 0 || (rules.positional && f >= rules.plan.layers[l].faults)) throw bad('a fault index outside the layer\'s list');
  if (x < 0 || x >= rules.plan.inputs) throw bad('an input index outside the campaign\'s inputs');
  const { index, count } = rules.shard;
  if (rules.positional && (rules.offsets[l] + f) % count !== index - 1) throw bad(`a fault of another shard than ${index}/${count}`);
  if (!Object.hasOwn(OUTCOME_CODE, rec.fields[COL.outcome])) throw bad('an unknown outcome');
  if (rules.strictOutcomes && !outcomeFitsRow(rec.fields)) throw bad('an outcome its top-1 columns and difference contradict');
  return [l, f, x];
}

/**
 * Whether the outcomes of a shard's rows agree with its summary: all of them when every run is in
 * the file; with --mismatches-only under the default criteria, the critical and non-finite runs
 * (each of them has a row: a critical run changed the top-1, a non-finite one always counts).
 * The reference criteria call some runs critical whose top-1 stayed, so their rows are a subset.
 */
function recountAgrees(rows: OutcomeCounts, summary: OutcomeCounts, settings: Record<string, unknown>): boolean {
  if (settings.mismatchesOnly === false) return JSON.stringify(rows) === JSON.stringify(summary);
  const exact = settings.criteria === 'default';
  for (let l = 0; l < summary.layerCount; l++) {
    for (const p of new Set([...rows.patterns(l), ...summary.patterns(l)])) {
      const a = rows.get(l, p);
      const b = summary.get(l, p);
      for (const o of [OUTCOME_CODE['sdc-critical'], OUTCOME_CODE['non-finite']]) if (exact ? a[o] !== b[o] : a[o] > b[o]) return false;
    }
  }
  return true;
}

function strictOutcomes(settings: Record<string, unknown>): boolean {
  return settings.criteria === 'default' && settings.topK === 1 && settings.tolerance === 0;
}

/** The next record of a shard's injections.csv, with a damaged file as a one-line error. */
function nextRecord(reader: CsvReader, where: string): CsvRecord | null {
  try {
    return reader.next();
  } catch (err) {
    throw runtimeError(`${where}: ${(err as Error).message} (a file cut short or edited); rerun that shard with --force`);
  }
}

function before(a: [number, number, number], b: [number, number, number]): boolean {
  return a[0] !== b[0] ? a[0] < b[0] : a[1] !== b[1] ? a[1] < b[1] : a[2] < b[2];
}

export function mergeShards(dirs: readonly string[], opts: MergeOptions): MergeResult {
  if (dirs.length === 0) throw usageError('give the output folders of the shards to merge, e.g. classes merge results/shard-*/ --out results/');
  const out = resolve(opts.out);
  const shards = [...new Set(dirs.map((d) => resolve(d)))].map(readShard).sort((a, b) => a.index - b.index);
  const first = shards[0];
  for (const s of shards) {
    if (s.manifest.planKey !== first.manifest.planKey) {
      throw usageError(`${s.dir} belongs to another campaign than ${first.dir} (different settings, model, data or faults); merge shards of one campaign`);
    }
    if (s.count !== first.count) throw usageError(`${s.dir} is shard ${s.index}/${s.count} but ${first.dir} is shard ${first.index}/${first.count}; use one shard count`);
  }
  const n = first.count;
  const seen = new Map<number, string>();
  for (const s of shards) {
    if (seen.has(s.index)) throw usageError(`shard ${s.index}/${n} is given twice (${seen.get(s.index)} and ${s.dir})`);
    seen.set(s.index, s.dir);
  }
  const missing = Array.from({ length: n }, (_, i) => i + 1).filter((i) => !seen.has(i));
  if (missing.length > 0) throw usageError(`shard${missing.length > 1 ? 's' : ''} ${missing.map((i) => `${i}/${n}`).join(', ')} missing; run ${missing.length > 1 ? 'them' : 'it'} and give every shard folder`);

  if (existsSync(out) && !statSync(out).isDirectory()) throw usageError(`--out ${opts.out} is a file; give a folder for the merged reports`);
  // Compared as real paths: a link to a shard folder is that folder.
  const real = (p: string): string => (existsSync(p) ? realpathSync(p) : p);
  const input = shards.find((s) => real(s.dir) === real(out));
  if (input) throw usageError(`--out ${opts.out} is shard ${input.index}/${n}'s own folder; merge into another folder`);
  // Only refuse here; the folder is made when the reports are written, so that a merge that
  // fails on a damaged shard leaves nothing behind.
  for (const f of [INJECTIONS_FILE, SUMMARY_FILE, MANIFEST_FILE]) refuseExisting(join(out, f), opts.force);
  // Merged reports beside an unfinished run's checkpoint would be replaced when that run resumes.
  if (hasCheckpoint(out) && !opts.force) throw usageError(`--out ${opts.out} holds an unfinished campaign run (its checkpoint); merge into another folder, or pass --force to discard that run`);

  const layers = first.manifest.plan.layers.map((l) => ({ name: l.name, output: l.output }));
  const layerPos = new Map(layers.map((l, i) => [l.name, i]));
  const inputs = first.manifest.inputs?.count;
  if (!Number.isSafeInteger(inputs)) throw runtimeError(`${join(first.dir, MANIFEST_FILE)} has no count of inputs; rerun that shard with --force`);
  const plan: Plan = { layers: first.manifest.plan.layers, inputs };

  // summary: exact integer counts, summed
  const counts = new OutcomeCounts(layers.length);
  const shardSummaries: OutcomeCounts[] = [];
  for (const s of shards) {
    const p = join(s.dir, SUMMARY_FILE);
    let shardCounts: OutcomeCounts;
    try {
      shardCounts = countsFromSummary(parseCsv(readFileSync(p, 'utf8')), layers, p);
    } catch (err) {
      // countsFromSummary's messages start with the path.
      throw runtimeError(`${(err as Error).message}; rerun that shard with --force`);
    }
    const runs = shardCounts.grandTotal().reduce((a, b) => a + b, 0);
    if (runs !== s.manifest.totals.runs) {
      throw runtimeError(`${p} counts ${runs} runs but ${join(s.dir, MANIFEST_FILE)} says ${s.manifest.totals.runs}; rerun that shard with --force`);
    }
    const t = shardCounts.grandTotal();
    const mt = s.manifest.totals;
    if (t[0] !== mt.masked || t[1] !== mt.sdcSafe || t[2] !== mt.sdcCritical || t[3] !== mt.nonFinite) {
      throw runtimeError(`${p}'s outcome counts differ from the totals in ${join(s.dir, MANIFEST_FILE)} (another shard's file, or an edited one); rerun that shard with --force`);
    }
    // Each layer's runs are this shard's faults of it on every input.
    for (let l = 0; l < layers.length; l++) {
      const want = shardFaults(plan, l, { index: s.index, count: s.count }).length * plan.inputs;
      const got = shardCounts.layerTotal(l).reduce((a, b) => a + b, 0);
      if (got !== want) throw runtimeError(`${p} counts ${got} runs of layer ${layers[l].name} where shard ${s.index}/${s.count} has ${want}; rerun that shard with --force`);
    }
    shardSummaries.push(shardCounts);
    counts.addAll(shardCounts);
  }

  // injections: n-way merge in plan order
  const header = injectionsHeaderCsv();
  const fields = parseCsv(header)[0].length;
  const offsets = layerOffsets(plan);
  const readers = shards.map((s, k) => {
    const p = join(s.dir, INJECTIONS_FILE);
    const text = readFileSync(p, 'utf8');
    if (!text.startsWith(header)) throw runtimeError(`${p} does not start with the injections.csv header; rerun that shard with --force`);
    const rules: RowRules = { layerPos, fields, plan, offsets, shard: { index: s.index, count: s.count }, positional: s.manifest.hashes?.faultList === null, strictOutcomes: strictOutcomes(s.manifest.settings) };
    // The rows' outcomes, recounted against the shard's summary (recountAgrees).
    const recount = new OutcomeCounts(layers.length);
    return { where: p, reader: new CsvReader(text.slice(header.length)), rules, rows: 0, expected: expectedRows(s.manifest), recount, settings: s.manifest.settings, summary: shardSummaries[k], summaryPath: join(s.dir, SUMMARY_FILE) };
  });
  const read = (r: (typeof readers)[number]): { rec: CsvRecord; key: [number, number, number] } | null => {
    const rec = nextRecord(r.reader, r.where);
    if (rec === null) return null;
    const key = keyOf(rec, r.rules, r.where);
    r.recount.add(key[0], rec.fields[COL.pattern], OUTCOME_CODE[rec.fields[COL.outcome] as Outcome]);
    return { rec, key };
  };
  const heads = readers.map(read);
  const parts: string[] = [header];
  for (;;) {
    let best = -1;
    for (let i = 0; i < heads.length; i++) {
      const h = heads[i];
      if (h && (best < 0 || before(h.key, heads[best]!.key))) best = i;
    }
    if (best < 0) break;
    const h = heads[best]!;
    parts.push(h.rec.raw);
    readers[best].rows++;
    const next = read(readers[best]);
    if (next) {
      if (!before(h.key, next.key)) throw runtimeError(`${readers[best].where}: rows are out of order near ${JSON.stringify(next.rec.raw.trimEnd())}; rerun that shard with --force`);
    }
    heads[best] = next;
  }

  for (const r of readers) {
    if (r.expected !== null && r.rows !== r.expected) throw runtimeError(`${r.where} has ${r.rows} rows but its manifest says ${r.expected} (a file cut short or edited); rerun that shard with --force`);
    if (!recountAgrees(r.recount, r.summary, r.settings)) {
      throw runtimeError(`${r.where}'s outcomes do not add up to ${r.summaryPath} (another shard's file, or an edited one); rerun that shard with --force`);
    }
  }

  // A run writing into --out meanwhile would replace the merged reports under us.
  const lock = lockOutput(out);
  try {
    removeStaleTemps(out, [INJECTIONS_FILE, SUMMARY_FILE, MANIFEST_FILE]);
    discardUnfinishedRun(out); // only there with --force (refused above)
    const manifest = mergedManifest(shards, counts, out, readers.reduce((a, r) => a + r.rows, 0));
    writeFileAtomic(join(out, SUMMARY_FILE), summaryCsv(layers, counts));
    writeFileAtomic(join(out, MANIFEST_FILE), manifestJson(manifest));
    writeFileAtomic(join(out, INJECTIONS_FILE), parts.join(''));
    return { out, manifest, counts, layers };
  } finally {
    lock.release();
  }
}

function mergedManifest(shards: ShardDir[], counts: OutcomeCounts, out: string, rows: number): Manifest {
  const m0 = shards[0].manifest;
  const facts = new Map<string, LayerFacts>();
  for (const s of shards) for (const f of s.manifest.layers) if (!facts.has(f.name)) facts.set(f.name, f);
  const t = counts.grandTotal();
  const breakdown = emptyBreakdown();
  let elapsed = 0;
  let attempts = 0;
  let skipped = 0;
  let windowed = 0;
  let rateSum = 0;
  for (const s of shards) {
    const tm = s.manifest.timing;
    elapsed += tm.elapsedMs;
    attempts += tm.attempts;
    rateSum += tm.injectionsPerSecond;
    skipped += s.manifest.totals.skippedWithoutRunning;
    windowed += s.manifest.totals.windowed ?? 0;
    for (const k of Object.keys(breakdown) as (keyof typeof breakdown)[]) breakdown[k] += tm.breakdownMs[k] ?? 0;
  }
  const starts = shards.map((s) => s.manifest.timing.startedAt).sort();
  const ends = shards.map((s) => s.manifest.timing.endedAt).sort();
  return {
    ...m0,
    shard: null,
    shards: shards.map((s) => `${s.index}/${s.count}`),
    settings: { ...m0.settings, shard: null, out },
    layers: m0.plan.layers.map((l) => facts.get(l.name)).filter((f): f is LayerFacts => f !== undefined),
    totals: { runs: t[0] + t[1] + t[2] + t[3], masked: t[0], sdcSafe: t[1], sdcCritical: t[2], nonFinite: t[3], skippedWithoutRunning: skipped, windowed, rows },
    timing: {
      startedAt: starts[0],
      endedAt: ends[ends.length - 1],
      // Summed over shards: the compute the campaign took, whether shards ran in parallel or not.
      elapsedMs: Math.round(elapsed),
      // Summed too: every start of every shard (n shards that never resumed make n attempts).
      attempts,
      // Shards run side by side: their rates add up.
      injectionsPerSecond: Math.round(rateSum * 10) / 10,
      breakdownMs: roundBreakdown(breakdown),
    },
  };
}
