import { runtimeError } from '../errors.js';
import type { DomainClass, ErrorModel, ParamSpec, ParamValue, ParameterConfig } from '../error-models/index.js';
import { childPath, partnerName } from '../error-models/index.js';
import { PATTERN_NAMES, getPatternGenerator, isPatternName } from './patterns/index.js';
import type { PatternGenerator } from './patterns/types.js';
import type { Rng } from './rng.js';
import { ValueClassId, type ResolvedParams } from './types.js';

/**
 * An error model pre-parsed for sampling: count weights as typed arrays, domain classes as
 * class ids and cumulative weights, parameter configurations split into fixed and RANDOM
 * parts with their min/max partners looked up once. Built once per model (cached), so the
 * per-fault path does no parsing or name lookups.
 */

const enum DomainKind {
  Single,
  Double,
  Random,
}

interface CompiledDomain {
  kind: DomainKind;
  /** Single: the class; Double: the first class (JSON key order). */
  id1: number;
  /** Double: the second class. */
  id2: number;
  /** Double: percentage range of the first class's share. */
  pctLo: number;
  pctHi: number;
  /** Random: class ids and cumulative weights (not normalised; `total` is the last one). */
  ids: Uint8Array;
  cum: Float64Array;
  total: number;
  /** Random: index of the last class with a non-zero weight (zero weights are never drawn). */
  lastNonZero: number;
}

interface RandomParam {
  name: string;
  choices: ParamValue[];
  /** Name of the `min_`/`max_` partner when it exists and is resolved before this one. */
  partner: string | null;
  /** True for `max_X` (keep choices >= partner), false for `min_X` (keep <= partner). */
  isMax: boolean;
}

interface CompiledConfig {
  fixed: Array<{ name: string; value: ParamValue }>;
  random: RandomParam[];
}

export interface CompiledEntry {
  name: string;
  generate: PatternGenerator;
  domainWeights: Float64Array;
  domains: CompiledDomain[];
  configWeights: Float64Array;
  configs: CompiledConfig[];
}

export interface CompiledModel {
  source: string;
  entryWeights: Float64Array;
  entries: CompiledEntry[];
  byName: Map<string, CompiledEntry>;
}

const cache = new WeakMap<ErrorModel, CompiledModel>();

/** The compiled form of `model`, built on first use. Treat error models as immutable. */
export function compileModel(model: ErrorModel): CompiledModel {
  let compiled = cache.get(model);
  if (!compiled) {
    compiled = buildCompiled(model);
    cache.set(model, compiled);
  }
  return compiled;
}

function buildCompiled(model: ErrorModel): CompiledModel {
  const entries = model.patterns.map((p): CompiledEntry => {
    // Checked for the whole model up front; upstream fails only when the pattern is drawn.
    if (!isPatternName(p.name)) {
      throw runtimeError(
        `${model.source}: ${childPath('$', p.name)} is not a known spatial pattern (known: ${PATTERN_NAMES.join(', ')}); rename or remove the entry`,
      );
    }
    return {
      name: p.name,
      generate: getPatternGenerator(p.name),
      domainWeights: Float64Array.from(p.domainClasses, (d) => d.count),
      domains: p.domainClasses.map(compileDomain),
      configWeights: Float64Array.from(p.parameters, (c) => c.count),
      configs: p.parameters.map(compileConfig),
    };
  });
  return {
    source: model.source,
    entryWeights: Float64Array.from(model.patterns, (p) => p.count),
    entries,
    byName: new Map(entries.map((e) => [e.name, e])),
  };
}

function compileDomain(d: DomainClass): CompiledDomain {
  const base = { id1: 0, id2: 0, pctLo: 0, pctHi: 0, ids: new Uint8Array(0), cum: new Float64Array(0), total: 0, lastNonZero: 0 };
  switch (d.kind) {
    case 'single':
      return { ...base, kind: DomainKind.Single, id1: ValueClassId[d.cls] };
    case 'double':
      return {
        ...base,
        kind: DomainKind.Double,
        id1: ValueClassId[d.first],
        id2: ValueClassId[d.second],
        pctLo: d.firstPct[0],
        pctHi: d.firstPct[1],
      };
    case 'random': {
      const cum = new Float64Array(d.weights.length);
      let acc = 0;
      let lastNonZero = 0;
      d.weights.forEach((w, i) => {
        acc += w;
        cum[i] = acc;
        if (w > 0) lastNonZero = i;
      });
      const ids = Uint8Array.from(d.classes, (c) => ValueClassId[c]);
      return { ...base, kind: DomainKind.Random, ids, cum, total: acc, lastNonZero };
    }
  }
}

function compileConfig(cfg: ParameterConfig): CompiledConfig {
  const fixed: CompiledConfig['fixed'] = [];
  const randomSpecs: Array<{ name: string; spec: Extract<ParamSpec, { kind: 'random' }> }> = [];
  for (const { name, spec } of cfg.params) {
    if (spec.kind === 'fixed') fixed.push({ name, value: spec.value });
    else randomSpecs.push({ name, spec });
  }
  const fixedNames = new Set(fixed.map((f) => f.name));
  const random = randomSpecs.map(({ name, spec }, i): RandomParam => {
    // Upstream couples a RANDOM min_/max_ to its partner only if the partner is already
    // resolved: fixed parameters are copied first, RANDOM ones resolve in key order.
    const p = partnerName(name);
    const resolvedBefore = p !== null && (fixedNames.has(p) || randomSpecs.slice(0, i).some((r) => r.name === p));
    return { name, choices: spec.choices, partner: resolvedBefore ? p : null, isMax: name.startsWith('max_') };
  });
  return { fixed, random };
}

function copyValue(v: ParamValue): ParamValue {
  return typeof v === 'number' ? v : [v[0], v[1]];
}

/**
 * Spec §4.2 step 4: fixed parameters first (key order), then each RANDOM one in key order,
 * drawn uniformly from its choices; a `max_X` keeps only choices >= the resolved `min_X` (a
 * `min_X` only those <= `max_X`), falling back to the partner's value when none is eligible.
 * Key order of the result is the same: fixed first, then RANDOM.
 */
export function resolveParams(cfg: CompiledConfig, rng: Rng): ResolvedParams {
  const out: ResolvedParams = {};
  for (const f of cfg.fixed) out[f.name] = copyValue(f.value);
  for (const r of cfg.random) {
    let eligible = r.choices;
    const partnerValue = r.partner === null ? undefined : out[r.partner];
    if (typeof partnerValue === 'number') {
      eligible = r.choices.filter((c) => typeof c === 'number' && (r.isMax ? c >= partnerValue : c <= partnerValue));
      if (eligible.length === 0) eligible = [partnerValue];
    }
    out[r.name] = copyValue(eligible[rng.index(eligible.length)]);
  }
  return out;
}

/**
 * Spec §3.4: a class id for each of the `k` corrupted positions, in position order.
 * Single: no draws. Double: one uniform for the first class's percentage, then one draw per
 * position. Random: one draw per position, classes in `values` key order.
 */
export function assignClasses(d: CompiledDomain, k: number, rng: Rng): Uint8Array {
  const out = new Uint8Array(k);
  switch (d.kind) {
    case DomainKind.Single:
      out.fill(d.id1);
      break;
    case DomainKind.Double: {
      const p1 = rng.uniform(d.pctLo, d.pctHi) / 100;
      for (let i = 0; i < k; i++) out[i] = rng.next() < p1 ? d.id1 : d.id2;
      break;
    }
    case DomainKind.Random: {
      const { cum, ids, total, lastNonZero } = d;
      for (let i = 0; i < k; i++) {
        // numpy choice(p): first class whose cumulative weight exceeds u (searchsorted 'right');
        // the cap keeps a u rounded up to `total` off trailing zero-weight classes.
        const u = rng.next() * total;
        let j = 0;
        while (j < lastNonZero && !(u < cum[j])) j++;
        out[i] = ids[j];
      }
      break;
    }
  }
  return out;
}
