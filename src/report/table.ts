/**
 * The summary table printed at the end of a campaign: one line per layer and a total, rates in
 * percent. Plain text; the CLI colours nothing here, so it reads the same in logs.
 */
import type { CountVector, LayerRef, OutcomeCounts } from './summary.js';

function pct(k: number, n: number): string {
  return n === 0 ? '-' : `${((100 * k) / n).toFixed(2)}%`;
}

export function summaryTable(layers: readonly LayerRef[], counts: OutcomeCounts): string {
  const head = ['layer', 'runs', 'masked', 'sdc-safe', 'sdc-critical', 'non-finite'];
  const line = (name: string, v: CountVector): string[] => {
    const n = v[0] + v[1] + v[2] + v[3];
    return [name, String(n), pct(v[0], n), pct(v[1], n), pct(v[2], n), pct(v[3], n)];
  };
  const rows = layers.map((l, i) => line(l.name, counts.layerTotal(i)));
  rows.push(line('total', counts.grandTotal()));
  const widths = head.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c].length)));
  const fmt = (r: string[]): string => r.map((x, c) => (c === 0 ? x.padEnd(widths[c]) : x.padStart(widths[c]))).join('  ');
  const rule = widths.map((w) => '-'.repeat(w)).join('  ');
  return [fmt(head), rule, ...rows.slice(0, -1).map(fmt), rule, fmt(rows[rows.length - 1])].join('\n') + '\n';
}
