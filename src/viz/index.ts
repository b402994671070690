/** Pictures: corrupted-position heatmaps of faults, one PNG per spatial pattern. */
export {
  renderHeatmap,
  heatmapGeometry,
  positionOf,
  defaultScale,
  TILES_PER_ROW,
  MARGIN,
  GAP,
  SEPARATOR,
  DEFAULT_MAX_CHANNELS,
  type HeatmapItem,
  type HeatmapOptions,
  type HeatmapGeometry,
  type TilePlacement,
} from './heatmap.js';
export { HeatmapCollector, writeHeatmaps, heatmapFileName, heatmapItemFromPair, DEFAULT_FAULTS_PER_PATTERN } from './collect.js';
export { CLASS_COLORS, CELL_COLOR, GAP_COLOR, SEPARATOR_COLOR, COLOR_KEY, classColor, type Rgb } from './colors.js';
export { heatmapJobs, writeHeatmapJobs, type HeatmapJob } from './collect.js';
export { assertHeatmapDirUsable, writeFaultListHeatmaps, TensorHeatmaps } from './commands.js';
