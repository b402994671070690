/**
 * injections.csv: one row per (fault, input) in (layer, fault, input) order.
 */
import { stringify } from 'csv-stringify/sync';
import { OUTCOMES } from '../campaign/outcome.js';

export const INJECTIONS_HEADER: string[] = [
  'layer',
  'output',
  'fault',
  'pattern',
  'cardinality',
  'input',
  'label',
  'golden_top1',
  'faulty_top1',
  'outcome',
  'max_abs_diff',
];

export interface InjectionRow {
  layer: string;
  /** The ONNX tensor the fault overwrote. */
  output: string;
  /** Index of the fault in its layer's list. */
  fault: number;
  pattern: string;
  /** Number of corrupted positions. */
  cardinality: number;
  /** 0-based index of the input in the data. */
  input: number;
  /** The input's label, or null without labels. */
  label: number | null;
  goldenTop1: number;
  /** -1 where undefined (a non-finite output). */
  faultyTop1: number;
  outcomeCode: number;
  maxAbsDiff: number;
}

/**
 * A number as the report writes it: JavaScript's shortest round-trip form (the same bytes on
 * every platform), with `nan` and `inf` spelled as Python and pandas read them.
 */
export function formatNumber(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (x === Infinity) return 'inf';
  if (x === -Infinity) return '-inf';
  return String(x);
}

/** Whether `--mismatches-only` keeps the row: top-1 changed, or a non-finite output. */
export function isMismatch(row: InjectionRow): boolean {
  return OUTCOMES[row.outcomeCode] === 'non-finite' || row.faultyTop1 !== row.goldenTop1;
}

function fields(r: InjectionRow): string[] {
  return [
    r.layer,
    r.output,
    String(r.fault),
    r.pattern,
    String(r.cardinality),
    String(r.input),
    r.label === null ? '' : String(r.label),
    String(r.goldenTop1),
    r.faultyTop1 < 0 ? '' : String(r.faultyTop1),
    OUTCOMES[r.outcomeCode],
    formatNumber(r.maxAbsDiff),
  ];
}

export function injectionsHeaderCsv(): string {
  return stringify([INJECTIONS_HEADER], { eof: true, record_delimiter: 'unix' });
}

/**
 * Text fields as csv-stringify writes them, computed once per distinct value: layer, tensor and
 * pattern names repeat on every row, and stringifying whole rows costs ~80 µs each, more than a
 * faulty run of a small model. Numbers and outcome names never need quotes.
 */
const quotedCache = new Map<string, string>();
function quoted(field: string): string {
  let q = quotedCache.get(field);
  if (q === undefined) {
    q = stringify([[field]], { eof: false });
    if (quotedCache.size > 10000) quotedCache.clear();
    quotedCache.set(field, q);
  }
  return q;
}

/** CSV text of the rows (newline-terminated), in the order given; the bytes csv-stringify gives. */
export function injectionRowsCsv(rows: readonly InjectionRow[]): string {
  let out = '';
  for (const r of rows) {
    out +=
      quoted(r.layer) + ',' + quoted(r.output) + ',' + r.fault + ',' + quoted(r.pattern) + ',' + r.cardinality + ',' + r.input + ',' +
      (r.label === null ? '' : String(r.label)) + ',' + r.goldenTop1 + ',' + (r.faultyTop1 < 0 ? '' : String(r.faultyTop1)) + ',' +
      OUTCOMES[r.outcomeCode] + ',' + formatNumber(r.maxAbsDiff) + '\n';
  }
  return out;
}

/** The same rows through csv-stringify in one piece (the reference the fast path is tested against). */
export function injectionRowsCsvSlow(rows: readonly InjectionRow[]): string {
  if (rows.length === 0) return '';
  return stringify(rows.map(fields), { eof: true, record_delimiter: 'unix' });
}
