/**
 * Outcome counts per layer and per (layer, pattern), and summary.csv built from them.
 *
 * Counts are integers, so they add up exactly across shards and restarts; every rate and
 * interval in summary.csv is recomputed from them, never accumulated.
 */
import { stringify } from 'csv-stringify/sync';
import { OUTCOMES } from '../campaign/outcome.js';
import { wilsonInterval } from './wilson.js';

/** counts[outcome code] for one group. */
export type CountVector = [number, number, number, number];

export interface LayerRef {
  name: string;
  output: string;
}

/** The pattern column of a layer's all-patterns row. */
export const ALL_PATTERNS = 'all';

/** Outcome counts of a campaign (or a shard of it), keyed by layer index then pattern. */
export class OutcomeCounts {
  /** byLayer[layer] maps pattern → counts. */
  private readonly byLayer: Map<string, CountVector>[];

  constructor(layerCount: number) {
    this.byLayer = Array.from({ length: layerCount }, () => new Map<string, CountVector>());
  }

  add(layer: number, pattern: string, outcomeCode: number, n = 1): void {
    const m = this.byLayer[layer];
    let v = m.get(pattern);
    if (!v) {
      v = [0, 0, 0, 0];
      m.set(pattern, v);
    }
    v[outcomeCode] += n;
  }

  /** Adds every count of `other` (same layer list) into this. */
  addAll(other: OutcomeCounts): void {
    other.byLayer.forEach((m, l) => {
      for (const [p, v] of m) for (let o = 0; o < 4; o++) if (v[o]) this.add(l, p, o, v[o]);
    });
  }

  /** Patterns seen in a layer, sorted by name (an order every shard agrees on). */
  patterns(layer: number): string[] {
    return [...this.byLayer[layer].keys()].sort();
  }

  get(layer: number, pattern: string): CountVector {
    return this.byLayer[layer].get(pattern) ?? [0, 0, 0, 0];
  }

  layerTotal(layer: number): CountVector {
    const t: CountVector = [0, 0, 0, 0];
    for (const v of this.byLayer[layer].values()) for (let o = 0; o < 4; o++) t[o] += v[o];
    return t;
  }

  grandTotal(): CountVector {
    const t: CountVector = [0, 0, 0, 0];
    for (let l = 0; l < this.byLayer.length; l++) {
      const v = this.layerTotal(l);
      for (let o = 0; o < 4; o++) t[o] += v[o];
    }
    return t;
  }

  get layerCount(): number {
    return this.byLayer.length;
  }

  toJSON(): Record<string, CountVector>[] {
    return this.byLayer.map((m) => Object.fromEntries([...m.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))));
  }

  static fromJSON(json: unknown, layerCount: number): OutcomeCounts {
    if (!Array.isArray(json) || json.length !== layerCount) throw new Error('counts: expected one entry per layer');
    const c = new OutcomeCounts(layerCount);
    json.forEach((entry: unknown, l) => {
      if (entry === null || typeof entry !== 'object') throw new Error('counts: bad layer entry');
      for (const [p, v] of Object.entries(entry as Record<string, unknown>)) {
        if (!Array.isArray(v) || v.length !== 4 || !v.every((x) => Number.isInteger(x) && x >= 0)) throw new Error('counts: bad count vector');
        for (let o = 0; o < 4; o++) if (v[o]) c.add(l, p, o, v[o] as number);
      }
    });
    return c;
  }
}

/** Column name stem of each outcome (masked, sdc_safe, sdc_critical, non_finite). */
export const OUTCOME_COLUMNS = OUTCOMES.map((o) => o.replace('-', '_'));

export const SUMMARY_HEADER: string[] = [
  'layer',
  'output',
  'pattern',
  'runs',
  ...OUTCOME_COLUMNS,
  ...OUTCOME_COLUMNS.flatMap((o) => [`${o}_rate`, `${o}_ci_low`, `${o}_ci_high`]),
];

/** Rates and bounds with a fixed number of decimals: stable bytes, enough for any campaign size. */
function fmt(x: number): string {
  return x.toFixed(6);
}

function summaryRow(layer: LayerRef, pattern: string, v: CountVector): string[] {
  const runs = v[0] + v[1] + v[2] + v[3];
  const stats = v.flatMap((k) => {
    const ci = wilsonInterval(k, runs);
    // A layer a shard ran nothing of has no rate (0 would read as "never happens"); any rate is
    // possible, so its interval is [0, 1].
    return [runs === 0 ? '' : fmt(ci.rate), fmt(ci.lo), fmt(ci.hi)];
  });
  return [layer.name, layer.output, pattern, String(runs), ...v.map(String), ...stats];
}

/**
 * summary.csv: for each layer in plan order, its all-patterns row, then one row per pattern
 * (sorted by name). Rates carry Wilson 95 % intervals that treat every (fault, input) run as one
 * trial; a layer without runs (in a shard) has an empty rate.
 */
export function summaryCsv(layers: readonly LayerRef[], counts: OutcomeCounts): string {
  const rows: string[][] = [SUMMARY_HEADER];
  layers.forEach((layer, l) => {
    rows.push(summaryRow(layer, ALL_PATTERNS, counts.layerTotal(l)));
    for (const p of counts.patterns(l)) rows.push(summaryRow(layer, p, counts.get(l, p)));
  });
  return stringify(rows, { eof: true, record_delimiter: 'unix' });
}

/**
 * Read the counts back from a summary.csv (used by `classes merge`): the per-pattern rows hold
 * every count; the all-patterns rows are their sums and are checked, not used.
 */
export function countsFromSummary(records: string[][], layers: readonly LayerRef[], where: string): OutcomeCounts {
  const header = records[0];
  if (!header || header.join(',') !== SUMMARY_HEADER.join(',')) throw new Error(`${where}: unexpected header`);
  const index = new Map(layers.map((l, i) => [l.name, i]));
  const counts = new OutcomeCounts(layers.length);
  const totals = new Map<number, CountVector>();
  for (const r of records.slice(1)) {
    const l = index.get(r[0]);
    if (l === undefined) throw new Error(`${where}: layer ${r[0]} is not in the campaign`);
    const v = r.slice(4, 8).map(Number) as CountVector;
    if (!v.every((x) => Number.isInteger(x) && x >= 0)) throw new Error(`${where}: bad counts in row for ${r[0]}`);
    if (r[2] === ALL_PATTERNS) totals.set(l, v);
    else for (let o = 0; o < 4; o++) if (v[o]) counts.add(l, r[2], o, v[o]);
  }
  for (const [l, v] of totals) {
    const t = counts.layerTotal(l);
    if (t.some((x, o) => x !== v[o])) throw new Error(`${where}: the counts of layer ${layers[l].name} do not add up`);
  }
  return counts;
}
