import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import {
  CELL_COLOR,
  GAP,
  HeatmapCollector,
  MARGIN,
  SEPARATOR,
  TILES_PER_ROW,
  classColor,
  heatmapGeometry,
  heatmapItemFromPair,
  positionOf,
  renderHeatmap,
  writeHeatmaps,
  type HeatmapItem,
} from '../../src/viz/index.js';
import { ClassesError } from '../../src/errors.js';

function pixel(png: PNG, x: number, y: number): number[] {
  const o = (y * png.width + x) * 4;
  return [png.data[o], png.data[o + 1], png.data[o + 2]];
}

const shape = { c: 20, h: 6, w: 5 };
/** Channel 2: (1,1) zero and (4,3) in_range; channel 7: (0,4) nan. */
const a: HeatmapItem = {
  pattern: 'rectangles',
  shape,
  indices: [2 * 30 + 1 * 5 + 1, 2 * 30 + 4 * 5 + 3, 7 * 30 + 0 * 5 + 4],
  valueClasses: [1, 2, 4],
};
/** All 20 channels at (5,0), out_of_range: more channels than drawn. */
const b: HeatmapItem = {
  pattern: 'rectangles',
  shape,
  indices: Array.from({ length: 20 }, (_, c) => c * 30 + 25),
  valueClasses: new Array(20).fill(3),
};

test('positionOf maps CHW and HWC flat indices to (c, h, w)', () => {
  assert.deepEqual(positionOf(7 * 30 + 2 * 5 + 3, shape), { c: 7, h: 2, w: 3 });
  assert.deepEqual(positionOf((2 * 5 + 3) * 20 + 7, shape, 'HWC'), { c: 7, h: 2, w: 3 });
});

test('the PNG decodes, has the computed size, and corrupted cells are where the indices say', () => {
  const { png, geometry } = renderHeatmap([a, b], { scale: 4 });
  const img = PNG.sync.read(png);
  const tw = 5 * 4;
  const th = 6 * 4;
  // block a: 2 tiles in one row; block b: 16 tiles (the cap) in two rows of 8
  const width = 2 * MARGIN + TILES_PER_ROW * tw + (TILES_PER_ROW - 1) * GAP;
  const height = MARGIN + th + SEPARATOR + 2 * th + GAP + MARGIN;
  assert.equal(img.width, width);
  assert.equal(img.height, height);
  assert.equal(geometry.tiles.length, 2 + 16);
  for (const [k, item] of [a, b].entries()) {
    for (let i = 0; i < item.indices.length; i++) {
      const p = positionOf(item.indices[i], shape);
      const t = geometry.tiles.find((q) => q.item === k && q.channel === p.c);
      if (!t) {
        assert.ok(k === 1 && p.c >= 16, 'only channels past the cap are left out');
        continue;
      }
      for (const [dx, dy] of [[0, 0], [3, 3]]) {
        assert.deepEqual(pixel(img, t.x + p.w * 4 + dx, t.y + p.h * 4 + dy), [...classColor(item.valueClasses[i])]);
      }
    }
  }
  // an unchanged cell of a drawn tile is white; tile 0 of item a is channel 2 at the top left
  const t0 = geometry.tiles[0];
  assert.equal(t0.channel, 2);
  assert.deepEqual([t0.x, t0.y], [MARGIN, MARGIN]);
  assert.deepEqual(pixel(img, t0.x, t0.y), [...CELL_COLOR]);
  // exactly as many coloured cells as corrupted positions drawn
  let coloured = 0;
  for (let y = 0; y < img.height; y += 1) {
    for (let x = 0; x < img.width; x += 1) {
      const px = pixel(img, x, y);
      if ([1, 2, 3, 4, 5].some((id) => px.join() === classColor(id).join())) coloured++;
    }
  }
  assert.equal(coloured, (3 + 16) * 16);
});

test('the same faults give the same bytes', () => {
  assert.deepEqual(renderHeatmap([a, b]).png, renderHeatmap([a, b]).png);
  assert.equal(heatmapGeometry([a]).scale, 8); // 96 / 6 = 16, capped at 8
});

test('the collector keeps the first faults of each pattern; one PNG per pattern; no silent overwrite', () => {
  const col = new HeatmapCollector(2);
  assert.equal(col.add(a), true);
  assert.equal(col.add({ ...a, indices: [], valueClasses: [] }), false);
  assert.equal(col.add(b), true);
  assert.equal(col.add(a), false);
  assert.equal(col.wants('rectangles'), false);
  assert.equal(col.add({ ...a, pattern: 'single', indices: [3], valueClasses: [5] }), true);
  const dir = mkdtempSync(join(tmpdir(), 'classes-viz-'));
  try {
    const paths = writeHeatmaps(dir, col, { prefix: 'conv1_' });
    assert.deepEqual(paths.map((p) => p.slice(dir.length + 1)), ['conv1_rectangles.png', 'conv1_single.png']);
    assert.deepEqual(readdirSync(dir).sort(), ['conv1_rectangles.png', 'conv1_single.png']);
    const img = PNG.sync.read(readFileSync(paths[1]));
    assert.ok(img.width > 0 && img.height > 0);
    assert.throws(() => writeHeatmaps(dir, col, { prefix: 'conv1_' }), (e: unknown) => e instanceof ClassesError && e.exitCode === 2);
    assert.equal(writeHeatmaps(dir, col, { prefix: 'conv1_', force: true }).length, 2);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a golden/faulty pair becomes an item with the builder\'s corrupted positions and classes', () => {
  const golden = new Float32Array(2 * 3 * 3).map((_, i) => 1 + i / 100);
  const faulty = golden.slice();
  faulty[4] = 0; // zero
  faulty[10] = 1e6; // out_of_range
  faulty[12] += 1e-5; // below the tolerance: not corrupted
  const item = heatmapItemFromPair({ golden, faulty, shape: { c: 2, h: 3, w: 3 } }, 'multiple_channels_uncategorized');
  assert.deepEqual(Array.from(item.indices), [4, 10]);
  assert.deepEqual(Array.from(item.valueClasses), [1, 3]);
});
