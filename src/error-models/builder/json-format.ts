/**
 * Writes a model the way people read them: objects indented (3 spaces, as the reference
 * classifier writes), but `[lo, hi]` buckets and RANDOM lists of scalars kept on one line.
 */
function isFlat(v: unknown): boolean {
  return Array.isArray(v) && v.every((x) => typeof x === 'number' || (Array.isArray(x) && x.every((y) => typeof y === 'number')));
}

function format(v: unknown, indent: string): string {
  if (isFlat(v)) return JSON.stringify(v).replace(/,/g, ', ');
  if (Array.isArray(v)) {
    if (v.length === 0) return '[]';
    const inner = indent + '   ';
    return `[\n${v.map((x) => inner + format(x, inner)).join(',\n')}\n${indent}]`;
  }
  if (v !== null && typeof v === 'object') {
    const entries = Object.entries(v as Record<string, unknown>);
    if (entries.length === 0) return '{}';
    const inner = indent + '   ';
    return `{\n${entries.map(([k, x]) => `${inner}${JSON.stringify(k)}: ${format(x, inner)}`).join(',\n')}\n${indent}}`;
  }
  return JSON.stringify(v);
}

export function formatModelJson(model: unknown): string {
  return format(model, '') + '\n';
}
