import assert from 'node:assert/strict';
import type { Layout, ResolvedParams, Shape3 } from '../../../src/faults/types.js';
import { roundHalfEven } from '../../../src/faults/patterns/helpers.js';
import { assertRandomChannels, assertWellFormed, byChannel, decode, num, pair, shapeStr } from './util.js';

/**
 * Checks one generated fault against the per-pattern invariants of spec §2.5 (and the bounds
 * that follow from §2.2). Throws an AssertionError naming the pattern, shape and layout.
 */
export function checkFault(name: string, params: ResolvedParams, shape: Shape3, layout: Layout, idx: Uint32Array): void {
  const what = `${name} ${shapeStr(shape)} ${layout} ${JSON.stringify(params)}`;
  assertWellFormed(idx, shape, what);
  if (name !== 'single_block') assert.ok(idx.length > 0, `${what}: empty fault`);
  const pos = decode(idx, shape, layout);
  const chans = byChannel(pos);
  const channelList = [...chans.keys()];
  const hw = shape.h * shape.w;
  const { w } = shape;
  const channelsOk = (minChannels: number): void =>
    assertRandomChannels(
      channelList,
      shape.c,
      num(params, 'min_channel_skip'),
      num(params, 'max_channel_skip'),
      num(params, 'max_corrupted_channels'),
      pair(params, 'affected_channels_pct')[1],
      minChannels,
      `${what} channels`,
    );
  const onlyChannel = (): number[] => {
    assert.equal(chans.size, 1, `${what}: expected 1 channel, got ${chans.size}`);
    return [...chans.values()][0];
  };

  switch (name) {
    case 'single':
      assert.equal(idx.length, 1, what);
      break;
    case 'same_row':
    case 'single_channel_random': {
      const ps = onlyChannel();
      const rowWise = name === 'same_row';
      if (rowWise) assert.equal(new Set(ps.map((p) => Math.floor(p / w))).size, 1, `${what}: several rows`);
      const list = rowWise ? ps.map((p) => p % w) : ps;
      const pct = pair(params, rowWise ? 'row_corruption_pct' : 'channel_corruption_pct');
      assertRandomChannels(list, rowWise ? w : hw, num(params, 'min_value_skip'), num(params, 'max_value_skip'), num(params, 'max_cardinality'), pct[1], 1, what);
      break;
    }
    case 'same_column': {
      const ps = onlyChannel();
      assert.equal(new Set(ps.map((p) => p % w)).size, 1, `${what}: several columns`);
      const rows = ps.map((p) => Math.floor(p / w));
      assertRandomChannels(rows, shape.h, num(params, 'min_value_skip'), num(params, 'max_value_skip'), num(params, 'max_cardinality'), pair(params, 'col_corruption_pct')[1], 1, what);
      break;
    }
    case 'bullet_wake': {
      assert.equal(new Set(pos.map((x) => x.p)).size, 1, `${what}: several (row, col)`);
      assert.equal(pos.length, chans.size, `${what}: one value per channel`);
      channelsOk(2);
      break;
    }
    case 'skip_4': {
      const s = Math.max(1, num(params, 'skip_amount'));
      const u = Math.max(1, num(params, 'unique_channel_indexes'));
      const sets = [...chans.values()];
      const first = sets[0].join(',');
      for (const l of sets) assert.equal(l.join(','), first, `${what}: channels differ`);
      const ps = sets[0];
      assert.ok(ps.length <= u, `${what}: ${ps.length} > u=${u} positions per channel`);
      for (let i = 0; i < ps.length; i++) {
        assert.equal(ps[i] % s, 0, `${what}: position ${ps[i]} not a multiple of ${s}`);
        if (i > 0) assert.equal(ps[i] - ps[i - 1], s, `${what}: not a stride-${s} run`);
      }
      channelsOk(1);
      break;
    }
    case 'single_block': {
      const b = Math.max(1, num(params, 'block_size'));
      const q = pos.map(({ c, p }) => c * hw + p);
      if (q.length > 0) assert.ok(Math.max(...q) - Math.min(...q) < b, `${what}: spread over more than one window of ${b}`);
      const kMax = roundHalfEven((b * Math.min(100, pair(params, 'block_corruption_pct')[1])) / 100);
      assert.ok(q.length <= Math.min(b, kMax), `${what}: ${q.length} values > k max ${kMax}`);
      break;
    }
    case 'single_channel_alternated_blocks': {
      const b = Math.max(1, num(params, 'block_size'));
      const minSkip = Math.max(1, num(params, 'min_block_skip'));
      const maxSkip = Math.max(minSkip, num(params, 'max_block_skip'));
      const ps = onlyChannel();
      assert.equal(ps[0], 0, `${what}: position 0 not set`);
      const set = new Set(ps);
      const ids = [...new Set(ps.map((p) => Math.floor(p / b)))];
      for (const id of ids) {
        for (let p = id * b; p < Math.min(id * b + b, hw); p++) if (!set.has(p)) assert.fail(`${what}: block ${id} not whole`);
      }
      for (let i = 1; i < ids.length; i++) {
        const g = ids[i] - ids[i - 1];
        assert.ok(g >= minSkip && g <= maxSkip, `${what}: block gap ${g}`);
      }
      // The walk stops only once it passes the last block.
      assert.ok(ids[ids.length - 1] + maxSkip >= Math.ceil(hw / b), `${what}: stopped early`);
      break;
    }
    case 'full_channels': {
      const [, hi] = pair(params, 'avg_channel_corruption_pct');
      const kMax = Math.max(roundHalfEven((hw * Math.min(100, hi)) / 100), 1);
      for (const l of chans.values()) assert.ok(l.length >= 1 && l.length <= Math.min(kMax, hw), `${what}: ${l.length} per channel`);
      channelsOk(1);
      break;
    }
    case 'multi_channel_block': {
      const b = Math.max(1, num(params, 'block_size'));
      assert.equal(new Set(pos.map((x) => Math.floor(x.p / b))).size, 1, `${what}: several blocks`);
      channelsOk(2);
      break;
    }
    case 'shattered_channel':
    case 'quasi_shattered_channel': {
      const sets = [...chans.values()];
      const setsAsSets = sets.map((l) => new Set(l));
      const common = sets[0].filter((p) => setsAsSets.every((l) => l.has(p)));
      assert.ok(common.length >= 1, `${what}: no common position`);
      const minW = num(params, 'min_span_width');
      const maxW = Math.min(Math.max(minW, num(params, 'max_span_width')), hw);
      // All positions but (at most) one common one lie in a window of maxW.
      for (const l of sets) {
        const ok = common.some((cp) => {
          const rest = l.filter((p) => p !== cp);
          return rest.length === 0 || rest[rest.length - 1] - rest[0] < maxW;
        });
        assert.ok(ok, `${what}: channel positions [${l.join(',')}] not one span + common`);
        assert.ok(l.length <= maxW + 1, `${what}: too many positions`);
      }
      channelsOk(2);
      break;
    }
    case 'rectangles': {
      const rw = Math.min(Math.max(1, num(params, 'rectangle_width')), shape.w);
      const rh = Math.min(Math.max(1, num(params, 'rectangle_height')), shape.h);
      const sets = [...chans.values()];
      for (const l of sets) {
        assert.equal(l.length, rw * rh, `${what}: ${l.length} != ${rw}*${rh}`);
        assert.equal(l.join(','), sets[0].join(','), `${what}: channels differ`);
        assert.equal(l[l.length - 1] - l[0], l.length - 1, `${what}: not a linear run`);
      }
      channelsOk(1);
      break;
    }
    case 'multiple_channels_uncategorized': {
      const lo = Math.min(Math.max(1, num(params, 'min_errors_per_channel')), hw);
      const hi = Math.max(lo, Math.min(num(params, 'max_errors_per_channel'), hw));
      for (const l of chans.values()) assert.ok(l.length >= lo && l.length <= hi, `${what}: ${l.length} per channel not in [${lo}, ${hi}]`);
      channelsOk(2);
      break;
    }
    default:
      assert.fail(`no invariant for pattern ${name}`);
  }
}
