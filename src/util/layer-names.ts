/** Picking layers by name, the same way for every command that takes a list of layer names. */
import { usageError } from '../errors.js';

/**
 * The layers that `wanted` names by node or output name, each once and in the order of `layers`:
 * a layer named twice, or by its node and its output name, is one layer. `unknown` words the
 * error for a name that matches nothing.
 */
export function selectNamedLayers<T extends { name: string; output: string }>(layers: readonly T[], wanted: readonly string[], unknown: (name: string, known: string) => string): T[] {
  const chosen = new Set<T>();
  for (const n of wanted) {
    const l = layers.find((x) => x.name === n) ?? layers.find((x) => x.output === n);
    if (l === undefined) {
      const names = layers.map((x) => x.name);
      throw usageError(unknown(n, `${names.slice(0, 12).join(', ')}${names.length > 12 ? ', …' : ''}`));
    }
    chosen.add(l);
  }
  return layers.filter((l) => chosen.has(l));
}
