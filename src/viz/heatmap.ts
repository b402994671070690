/**
 * Corrupted-position heatmaps: for a few faults of one spatial pattern, a grid of channel
 * tiles (H×W cells each, scaled up), one block of tiles per fault, only the channels the fault
 * corrupts, each corrupted cell coloured by its value class. One PNG per pattern lets a person
 * see that the pattern looks like the model says.
 *
 * Layout, top to bottom: a margin, then one block per fault separated by a dark band. Inside a
 * block, tiles run left to right in ascending channel order, `TILES_PER_ROW` to a row, at most
 * `maxChannels` tiles (the first corrupted channels). The bytes depend only on the input.
 */
import { PNG } from 'pngjs';
import type { Layout, Shape3 } from '../faults/types.js';
import { CELL_COLOR, GAP_COLOR, SEPARATOR_COLOR, classColor, type Rgb } from './colors.js';

/** One fault (or one corrupted tensor) to draw. */
export interface HeatmapItem {
  pattern: string;
  /** Per-sample shape of the tensor. */
  shape: Shape3;
  /** Flat indices of the corrupted positions (CHW unless `layout` says HWC). */
  indices: ArrayLike<number>;
  /** Value-class id (1..5) of each position, aligned with `indices`. */
  valueClasses: ArrayLike<number>;
  layout?: Layout;
}

export interface HeatmapOptions {
  /** Most channel tiles drawn per fault (the first corrupted channels); default 16. */
  maxChannels?: number;
  /** Pixels per cell; default: 96 / the largest side, between 1 and 8. */
  scale?: number;
}

export const TILES_PER_ROW = 8;
export const MARGIN = 4;
export const GAP = 2;
export const SEPARATOR = 6;
export const DEFAULT_MAX_CHANNELS = 16;

/** Where one channel tile of one item lies in the picture (top-left corner, pixels). */
export interface TilePlacement {
  item: number;
  channel: number;
  x: number;
  y: number;
}

export interface HeatmapGeometry {
  width: number;
  height: number;
  scale: number;
  tiles: TilePlacement[];
  /** Vertical extent of each item's block, for the separators. */
  blocks: { top: number; bottom: number }[];
}

/** (channel, row, column) of a flat index. */
export function positionOf(index: number, shape: Shape3, layout: Layout = 'CHW'): { c: number; h: number; w: number } {
  if (layout === 'HWC') {
    const c = index % shape.c;
    const hw = (index - c) / shape.c;
    return { c, h: Math.floor(hw / shape.w), w: hw % shape.w };
  }
  const hw = shape.h * shape.w;
  const c = Math.floor(index / hw);
  const r = index - c * hw;
  return { c, h: Math.floor(r / shape.w), w: r % shape.w };
}

function corruptedChannels(item: HeatmapItem, max: number): number[] {
  const set = new Set<number>();
  for (let i = 0; i < item.indices.length; i++) set.add(positionOf(item.indices[i], item.shape, item.layout).c);
  return [...set].sort((a, b) => a - b).slice(0, max);
}

export function defaultScale(items: readonly HeatmapItem[]): number {
  let side = 1;
  for (const it of items) side = Math.max(side, it.shape.h, it.shape.w);
  return Math.max(1, Math.min(8, Math.floor(96 / side)));
}

/** Where every tile goes; items without corrupted positions get no block. */
export function heatmapGeometry(items: readonly HeatmapItem[], opts: HeatmapOptions = {}): HeatmapGeometry {
  const scale = opts.scale ?? defaultScale(items);
  const maxChannels = opts.maxChannels ?? DEFAULT_MAX_CHANNELS;
  if (!Number.isInteger(scale) || scale < 1) throw new RangeError(`heatmap scale must be a whole number >= 1 (got ${scale})`);
  const tiles: TilePlacement[] = [];
  const blocks: { top: number; bottom: number }[] = [];
  let y = MARGIN;
  let width = 0;
  items.forEach((item, k) => {
    const chans = corruptedChannels(item, maxChannels);
    if (chans.length === 0) return;
    if (blocks.length > 0) y += SEPARATOR;
    const tw = item.shape.w * scale;
    const th = item.shape.h * scale;
    chans.forEach((c, j) => {
      const col = j % TILES_PER_ROW;
      const row = Math.floor(j / TILES_PER_ROW);
      tiles.push({ item: k, channel: c, x: MARGIN + col * (tw + GAP), y: y + row * (th + GAP) });
    });
    const cols = Math.min(TILES_PER_ROW, chans.length);
    const rows = Math.ceil(chans.length / TILES_PER_ROW);
    width = Math.max(width, 2 * MARGIN + cols * tw + (cols - 1) * GAP);
    const bottom = y + rows * th + (rows - 1) * GAP;
    blocks.push({ top: y, bottom });
    y = bottom;
  });
  const height = blocks.length === 0 ? 2 * MARGIN : y + MARGIN;
  return { width: Math.max(width, 2 * MARGIN), height, scale, tiles, blocks };
}

function fill(png: PNG, x0: number, y0: number, w: number, h: number, color: Rgb): void {
  for (let y = y0; y < y0 + h; y++) {
    let o = (y * png.width + x0) * 4;
    for (let x = 0; x < w; x++, o += 4) {
      png.data[o] = color[0];
      png.data[o + 1] = color[1];
      png.data[o + 2] = color[2];
      png.data[o + 3] = 255;
    }
  }
}

/** The PNG bytes of one pattern's heatmap. */
export function renderHeatmap(items: readonly HeatmapItem[], opts: HeatmapOptions = {}): { png: Buffer; geometry: HeatmapGeometry } {
  const geo = heatmapGeometry(items, opts);
  const png = new PNG({ width: geo.width, height: geo.height });
  fill(png, 0, 0, geo.width, geo.height, GAP_COLOR);
  for (let b = 1; b < geo.blocks.length; b++) {
    fill(png, 0, geo.blocks[b - 1].bottom + 1, geo.width, SEPARATOR - 2, SEPARATOR_COLOR);
  }
  const s = geo.scale;
  const tileOf = new Map<string, TilePlacement>();
  for (const t of geo.tiles) {
    const { shape } = items[t.item];
    fill(png, t.x, t.y, shape.w * s, shape.h * s, CELL_COLOR);
    tileOf.set(`${t.item}/${t.channel}`, t);
  }
  items.forEach((item, k) => {
    for (let i = 0; i < item.indices.length; i++) {
      const p = positionOf(item.indices[i], item.shape, item.layout);
      const t = tileOf.get(`${k}/${p.c}`);
      if (!t) continue; // a channel beyond maxChannels
      fill(png, t.x + p.w * s, t.y + p.h * s, s, s, classColor(item.valueClasses[i]));
    }
  });
  return { png: PNG.sync.write(png), geometry: geo };
}
