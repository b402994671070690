/**
 * Turns classified tensors into one CLASSES error-model JSON (upstream spec §1, built as the
 * reference classifier does in error-classifier spec §3.2–§5, with the deviations listed in
 * docs/compatibility.md):
 *
 * - configurations: tensors of a pattern grouped by their bucketed `keys`; `stats` folded with
 *   MIN or MAX; sorted by count;
 * - pruning: a pattern with fewer than `minClassCount` tensors is dropped; configurations
 *   rarer than `minConfigFrequency` of all classified tensors are merged into one last
 *   configuration whose differing values become `{"RANDOM": [...]}` lists (dropped if the merge
 *   still has fewer than `minClassCount` tensors);
 * - `domain_classes`: Single/Double groups, and one Random element for the rare ones.
 *
 * The result depends only on the multiset of classified tensors, not on their order: every
 * tie is broken by name, and RANDOM lists are sorted.
 */
import { VALUE_CLASS_NAMES } from '../../faults/types.js';
import { domainIdentity } from './domain.js';
import {
  PATTERN_NAMES,
  type ClassifiedTensor,
  type DomainDistribution,
  type KeyValue,
  type PatternName,
  type RejectReason,
  type StatValue,
} from './types.js';

export interface AggregateOptions {
  /** Patterns and merged configurations with fewer tensors are dropped. Default 5 (reference). */
  minClassCount?: number;
  /** Configurations below this share of all classified tensors are merged. Default 0.01 (reference). */
  minConfigFrequency?: number;
}

export type RandomList = { RANDOM: KeyValue[] };
export type ParamJson = KeyValue | RandomList;

export interface ConfigurationJson {
  keys: Record<string, ParamJson>;
  stats: Record<string, ParamJson>;
  conditional_frequency: number;
  overall_frequency: number;
  count: number;
}

/** One `domain_classes` element: value-class keys, then count and frequency (and values for random). */
export type DomainClassJson = Record<string, [number, number] | number | Record<string, number>>;

export interface EntryJson {
  count: number;
  frequency: number;
  categories_count: number;
  domain_classes: DomainClassJson[];
  parameters: ConfigurationJson[];
}

/** The written model: `_`-prefixed metadata numbers, then one entry per pattern. */
export type ErrorModelJson = Record<string, number | EntryJson>;

export interface PrunedGroup {
  pattern: PatternName;
  reason: Extract<RejectReason, 'rare-pattern' | 'rare-configuration'>;
  count: number;
}

export interface AggregateResult {
  model: ErrorModelJson;
  kept: number;
  pruned: PrunedGroup[];
  /** Tensors per pattern before pruning. */
  classifiedByPattern: Partial<Record<PatternName, number>>;
  keptByPattern: Partial<Record<PatternName, number>>;
}

interface DomainGroup {
  dist: DomainDistribution;
  count: number;
  /** Summed value-class counts of the group's tensors (for the Random element). */
  values: number[];
}

interface ConfigAcc {
  identity: string;
  keys: Record<string, ParamJson>;
  stats: Record<string, StatValue>;
  count: number;
  domains: Map<string, DomainGroup>;
}

/** A configuration ready to be written (stats already folded to plain values). */
interface Config {
  identity: string;
  keys: Record<string, ParamJson>;
  stats: Record<string, ParamJson>;
  count: number;
  domains: Map<string, DomainGroup>;
}

export class ModelAggregator {
  private readonly patterns = new Map<PatternName, Map<string, ConfigAcc>>();
  private classified = 0;

  add(t: ClassifiedTensor): void {
    this.classified++;
    let configs = this.patterns.get(t.pattern);
    if (!configs) {
      configs = new Map();
      this.patterns.set(t.pattern, configs);
    }
    const identity = JSON.stringify(t.keys);
    let acc = configs.get(identity);
    if (!acc) {
      acc = { identity, keys: { ...t.keys }, stats: {}, count: 0, domains: new Map() };
      for (const [name, s] of Object.entries(t.stats)) acc.stats[name] = { ...s };
      configs.set(identity, acc);
    } else {
      for (const [name, s] of Object.entries(t.stats)) {
        const cur = acc.stats[name];
        if (!cur) acc.stats[name] = { ...s };
        else cur.value = s.agg === 'min' ? Math.min(cur.value, s.value) : Math.max(cur.value, s.value);
      }
    }
    acc.count++;
    const did = domainIdentity(t.domain);
    let group = acc.domains.get(did);
    if (!group) {
      group = { dist: t.domain, count: 0, values: [0, 0, 0, 0, 0] };
      acc.domains.set(did, group);
    }
    group.count++;
    for (let i = 0; i < 5; i++) group.values[i] += t.valueClassCounts[i];
  }

  get classifiedCount(): number {
    return this.classified;
  }

  finish(opts: AggregateOptions = {}, meta: { rejected?: number; masked?: number } = {}): AggregateResult {
    const minClass = opts.minClassCount ?? 5;
    const minFreq = opts.minConfigFrequency ?? 0.01;
    const total = this.classified;
    const pruned: PrunedGroup[] = [];
    const classifiedByPattern: Partial<Record<PatternName, number>> = {};
    const keptByPattern: Partial<Record<PatternName, number>> = {};
    let categoriesCount = 0;
    const kept: { pattern: PatternName; configs: Config[]; count: number }[] = [];

    for (const pattern of PATTERN_NAMES) {
      const accs = this.patterns.get(pattern);
      if (!accs) continue;
      const configs = [...accs.values()].map(foldStats).sort(byCountThenIdentity);
      const count = configs.reduce((a, c) => a + c.count, 0);
      classifiedByPattern[pattern] = count;
      if (count < minClass) {
        pruned.push({ pattern, reason: 'rare-pattern', count });
        continue;
      }
      const big = configs.filter((c) => c.count / total >= minFreq);
      const small = configs.filter((c) => c.count / total < minFreq);
      const keep = [...big];
      if (small.length > 0) {
        const merged = small.length === 1 ? small[0] : mergeConfigs(small);
        if (merged.count >= minClass) {
          keep.push(merged);
          categoriesCount++;
        } else {
          pruned.push({ pattern, reason: 'rare-configuration', count: merged.count });
        }
      }
      const keptCount = keep.reduce((a, c) => a + c.count, 0);
      keptByPattern[pattern] = keptCount;
      kept.push({ pattern, configs: keep, count: keptCount });
    }

    const keptTotal = kept.reduce((a, p) => a + p.count, 0);
    const prunedTotal = total - keptTotal;
    const rejected = (meta.rejected ?? 0) + prunedTotal;
    const model: ErrorModelJson = {
      _rejected_tensors_proportion: keptTotal + rejected === 0 ? 0 : rejected / (keptTotal + rejected),
      _tensor_count: keptTotal,
      _rejected_tensor_count: rejected,
      _masked_tensor_count: meta.masked ?? 0,
      _categories_count: categoriesCount,
    };
    kept.sort((a, b) => b.count - a.count || PATTERN_NAMES.indexOf(a.pattern) - PATTERN_NAMES.indexOf(b.pattern));
    for (const p of kept) {
      model[p.pattern] = {
        count: p.count,
        frequency: p.count / keptTotal,
        categories_count: p.configs.length,
        domain_classes: domainClasses(p.configs, p.count, total, minClass, minFreq),
        parameters: p.configs.map((c) => ({
          keys: c.keys,
          stats: c.stats,
          conditional_frequency: c.count / p.count,
          overall_frequency: c.count / keptTotal,
          count: c.count,
        })),
      };
    }
    return { model, kept: keptTotal, pruned, classifiedByPattern, keptByPattern };
  }
}

function foldStats(acc: ConfigAcc): Config {
  const stats: Record<string, ParamJson> = {};
  for (const [name, s] of Object.entries(acc.stats)) stats[name] = s.value;
  return { identity: acc.identity, keys: acc.keys, stats, count: acc.count, domains: acc.domains };
}

function byCountThenIdentity(a: Config, b: Config): number {
  return b.count - a.count || (a.identity < b.identity ? -1 : a.identity > b.identity ? 1 : 0);
}

/** Every value a parameter takes across configurations, RANDOM lists expanded, sorted. */
function mergeValues(values: ParamJson[]): ParamJson {
  const seen = new Map<string, KeyValue>();
  for (const v of values) {
    const list = typeof v === 'object' && !Array.isArray(v) ? v.RANDOM : [v];
    for (const x of list) seen.set(JSON.stringify(x), x);
  }
  // Scalars ascending, ranges by lower then upper bound (upstream order is Python set order).
  const distinct = [...seen.values()].sort((a, b) => {
    const [a0, a1] = Array.isArray(a) ? a : [a, a];
    const [b0, b1] = Array.isArray(b) ? b : [b, b];
    return a0 - b0 || a1 - b1;
  });
  return distinct.length === 1 ? distinct[0] : { RANDOM: distinct };
}

function mergeConfigs(configs: Config[]): Config {
  const first = configs[0];
  const keys: Record<string, ParamJson> = {};
  for (const name of Object.keys(first.keys)) keys[name] = mergeValues(configs.map((c) => c.keys[name]).filter((v) => v !== undefined));
  const stats: Record<string, ParamJson> = {};
  for (const name of Object.keys(first.stats)) stats[name] = mergeValues(configs.map((c) => c.stats[name]).filter((v) => v !== undefined));
  const domains = new Map<string, DomainGroup>();
  for (const c of configs) {
    for (const [id, g] of c.domains) {
      const cur = domains.get(id);
      if (!cur) domains.set(id, { dist: g.dist, count: g.count, values: [...g.values] });
      else {
        cur.count += g.count;
        for (let i = 0; i < 5; i++) cur.values[i] += g.values[i];
      }
    }
  }
  return {
    identity: `merged:${JSON.stringify(keys)}`,
    keys,
    stats,
    count: configs.reduce((a, c) => a + c.count, 0),
    domains,
  };
}

/**
 * The `domain_classes` of one pattern, over its kept tensors (the reference uses all tensors
 * before pruning, so its counts can exceed the entry count). A group is pooled into the
 * Random element when it is Random, has fewer than `minClass` tensors, or is rarer than
 * `minFreq` of all classified tensors; the Random element's `values` are the class shares of
 * the pooled tensors only (the reference uses every tensor of the pattern).
 */
function domainClasses(configs: Config[], entryCount: number, total: number, minClass: number, minFreq: number): DomainClassJson[] {
  const groups = new Map<string, DomainGroup>();
  for (const c of configs) {
    for (const [id, g] of c.domains) {
      const cur = groups.get(id);
      if (!cur) groups.set(id, { dist: g.dist, count: g.count, values: [...g.values] });
      else {
        cur.count += g.count;
        for (let i = 0; i < 5; i++) cur.values[i] += g.values[i];
      }
    }
  }
  const elements: { id: string; json: DomainClassJson; count: number }[] = [];
  let pooledCount = 0;
  const pooledValues = [0, 0, 0, 0, 0];
  for (const [id, g] of groups) {
    if (g.dist.kind === 'random' || g.count < minClass || g.count / total < minFreq) {
      pooledCount += g.count;
      for (let i = 0; i < 5; i++) pooledValues[i] += g.values[i];
      continue;
    }
    const json: DomainClassJson = {};
    for (const [name, range] of g.dist.classes) json[name] = range;
    json.count = g.count;
    json.frequency = g.count / entryCount;
    elements.push({ id, json, count: g.count });
  }
  elements.sort((a, b) => b.count - a.count || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const out = elements.map((e) => e.json);
  if (pooledCount > 0) {
    const sum = pooledValues.reduce((a, b) => a + b, 0);
    const values: Record<string, number> = {};
    for (let i = 0; i < 5; i++) if (pooledValues[i] > 0) values[VALUE_CLASS_NAMES[i]] = pooledValues[i] / sum;
    out.push({ random: [100, 100], count: pooledCount, values, frequency: pooledCount / entryCount });
  }
  return out;
}
