import type { Profile } from './types.js';

/** Colour functions for the table; identity functions give plain text. */
export interface TableStyle {
  header: (s: string) => string;
  muted: (s: string) => string;
  alert: (s: string) => string;
}

export const PLAIN_STYLE: TableStyle = { header: (s) => s, muted: (s) => s, alert: (s) => s };

/** Compact decimal for ranges: 6 significant digits, no trailing zeros. */
export function formatNumber(v: number | null): string {
  if (v === null) return '-';
  if (v === 0) return '0';
  const abs = Math.abs(v);
  if (abs >= 1e6 || abs < 1e-4) return v.toExponential(3);
  return String(Number(v.toPrecision(6)));
}

/**
 * The profile as an aligned text table, one row per layer. Layers that are not injectable (--all)
 * are muted; non-finite counts are highlighted.
 */
export function formatProfileTable(profile: Profile, style: TableStyle = PLAIN_STYLE): string {
  const head = ['#', 'layer', 'op', 'error model', 'shape', 'min', 'max', 'NaN/Inf', 'ms'];
  const rows = profile.layers.map((l) => [
    String(l.index),
    l.name,
    l.op,
    l.errorModel ?? '(not injectable)',
    l.shape.join('x') || 'scalar',
    formatNumber(l.min),
    formatNumber(l.max),
    String(l.nonFinite),
    l.ms === null ? '-' : l.ms.toFixed(3),
  ]);
  const widths = head.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c].length)));
  const numeric = new Set([0, 5, 6, 7, 8]);
  const pad = (cells: string[]) => cells.map((cell, c) => (numeric.has(c) ? cell.padStart(widths[c]) : cell.padEnd(widths[c])));
  const lines = [style.header(pad(head).join('  ').trimEnd())];
  profile.layers.forEach((l, i) => {
    const cells = pad(rows[i]);
    if (l.nonFinite > 0) cells[7] = style.alert(cells[7]);
    const line = cells.join('  ').trimEnd();
    lines.push(l.errorModel === null ? style.muted(line) : line);
  });
  return `${lines.join('\n')}\n`;
}
