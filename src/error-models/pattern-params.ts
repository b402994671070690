/**
 * The parameters each known spatial pattern's generator reads (spec §2.2). The loader checks
 * that every parameter configuration of a known pattern provides them, so a typo in a model
 * file fails at load time with the JSON path instead of deep inside a generator. Unknown
 * pattern names pass here; the fault generator rejects names it has no generator for.
 *
 * Extra parameters are allowed (e.g. `max_feature_map_size`, which upstream reads but never uses).
 */
const CHANNELS = ['affected_channels_pct', 'max_corrupted_channels', 'min_channel_skip', 'max_channel_skip'];
const IN_LINE = ['max_cardinality', 'min_value_skip', 'max_value_skip'];

export const PATTERN_REQUIRED_PARAMS: Readonly<Record<string, readonly string[]>> = {
  single: [],
  same_row: ['row_corruption_pct', ...IN_LINE],
  same_column: ['col_corruption_pct', ...IN_LINE],
  bullet_wake: CHANNELS,
  skip_4: [...CHANNELS, 'skip_amount', 'unique_channel_indexes', 'indexes_corruption_pct'],
  single_block: ['block_size', 'block_corruption_pct'],
  single_channel_alternated_blocks: ['block_size', 'min_block_skip', 'max_block_skip'],
  full_channels: [...CHANNELS, 'avg_channel_corruption_pct'],
  multi_channel_block: [...CHANNELS, 'block_size', 'avg_block_corruption_pct'],
  shattered_channel: [...CHANNELS, 'min_span_width', 'max_span_width', 'avg_span_corruption_pct'],
  quasi_shattered_channel: [...CHANNELS, 'min_span_width', 'max_span_width', 'avg_span_corruption_pct'],
  rectangles: [...CHANNELS, 'rectangle_width', 'rectangle_height'],
  single_channel_random: ['channel_corruption_pct', ...IN_LINE],
  multiple_channels_uncategorized: [
    ...CHANNELS,
    'avg_channel_corruption_pct',
    'min_errors_per_channel',
    'max_errors_per_channel',
  ],
};

/** Parameter naming rule of the format: `*_pct` values are [lo, hi] percentages, the rest integers. */
export function isPctParam(name: string): boolean {
  return name.endsWith('_pct');
}

/** `min_X` ↔ `max_X`, or null for names without a partner prefix (spec §4.2 step 4). */
export function partnerName(name: string): string | null {
  if (name.startsWith('min_')) return `max_${name.slice(4)}`;
  if (name.startsWith('max_')) return `min_${name.slice(4)}`;
  return null;
}
