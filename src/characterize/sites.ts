/**
 * Which faults the campaign injects: for sample i of an operator, one variant, one site, one
 * element of that site and one bit, all drawn from an `Rng` keyed by (seed, operator, i) alone,
 * so sample i is the same whatever the sample count, and any sample can be replayed.
 */
import { Rng } from '../faults/rng.js';
import { SITE_KINDS, type Injection, type OperatorVariant, type SiteKind, type SiteMix } from './types.js';

function volume(dims: readonly number[]): number {
  let n = 1;
  for (const d of dims) n *= d;
  return n;
}

/** Number of float32 elements a fault can strike at each site the variant has (absent sites left out). */
export function siteElementCounts(v: OperatorVariant): Partial<Record<SiteKind, number>> {
  const out: Partial<Record<SiteKind, number>> = {};
  out.input = v.input.c * v.input.h * v.input.w;
  const params = v.params.reduce((s, p) => s + volume(p.dims), 0);
  if (params > 0) out.parameter = params;
  if (v.partialSum) out.partial_sum = v.output.c * v.output.h * v.output.w;
  out.output = v.output.c * v.output.h * v.output.w;
  return out;
}

/** The sites of a variant in `SITE_KINDS` order, with their sampling weights (summing to 1). */
export function siteWeights(v: OperatorVariant, mix: SiteMix): { site: SiteKind; elements: number; weight: number }[] {
  const counts = siteElementCounts(v);
  const sites = SITE_KINDS.filter((s) => counts[s] !== undefined);
  const raw = sites.map((s) => (mix === 'equal' ? 1 : (counts[s] as number)));
  const total = raw.reduce((a, b) => a + b, 0);
  return sites.map((site, i) => ({ site, elements: counts[site] as number, weight: raw[i] / total }));
}

/**
 * Sample `sample` of an operator: variant uniform, site by `mix`, element uniform within the
 * site, bit uniform over the 32 bits of a float32.
 */
export function drawInjection(variants: readonly OperatorVariant[], seed: number, sample: number, mix: SiteMix): Injection {
  const rng = new Rng(`characterize/${seed}/${variants[0].op}/${sample}`);
  const variant = rng.index(variants.length);
  const sites = siteWeights(variants[variant], mix);
  const pick = sites[rng.weightedIndex(sites.map((s) => s.weight))];
  return { sample, variant, site: pick.site, element: rng.index(pick.elements), bit: rng.index(32) };
}

/** Which parameter an element of the concatenated `parameter` site falls in, and where. */
export function locateParameter(v: OperatorVariant, element: number): { name: string; index: number } {
  let offset = element;
  for (const p of v.params) {
    const n = volume(p.dims);
    if (offset < n) return { name: p.name, index: offset };
    offset -= n;
  }
  throw new RangeError(`${v.label}: parameter element ${element} is out of range`);
}
