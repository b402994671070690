import type { Command } from 'commander';
import { usageError } from '../errors.js';
import { openFaultList, type FaultList, type FaultListLayer } from '../faults/faultlist.js';
import { summarizeFaultList, type FaultListSummary, type LayerSummary } from '../faults/faultlist-summary.js';
import { encodeFaultsJsonl } from '../faults/jsonl.js';
import type { Fault } from '../faults/types.js';
import { assertWritable, sameFile, writeFileAtomic } from '../util/files.js';
import { parseInteger, parseLayerNames } from './parse-args.js';
import { selectNamedLayers } from '../util/layer-names.js';
import { printNotice } from './output.js';
import { COLOR_KEY, writeFaultListHeatmaps } from '../viz/index.js';

interface ShowOpts {
  layer?: string;
  json: boolean;
  jsonl: boolean;
  limit?: string;
  output?: string;
  force: boolean;
  png?: string;
}

/** The layers `--layer` names, each once, in list order; all of them without the flag. */
function selectLayers(list: FaultList, names: string | undefined): FaultListLayer[] {
  const wanted = parseLayerNames(names, '--layer');
  if (wanted === undefined) return list.layers;
  return selectNamedLayers(list.layers, wanted, (name, known) => `--layer ${name}: ${list.path} has no such layer (it has: ${known})`);
}

const pct = (x: number): string => `${(100 * x).toFixed(1)}%`;
const num = (x: number): string => (Number.isInteger(x) ? String(x) : x.toFixed(1));

function layerText(l: LayerSummary): string {
  const head = [
    `layer ${l.name} (output ${l.output}): ${l.count} faults`,
    l.shape ? `shape ${l.shape.c}x${l.shape.h}x${l.shape.w}` : null,
    l.range ? `range [${l.range.min}, ${l.range.max}]` : null,
    l.errorModel ? `error model ${l.errorModel}` : null,
  ]
    .filter((s) => s !== null)
    .join(', ');
  const rows = [['pattern', 'faults', 'share', 'card. min', 'median', 'max', 'mean', 'channels']];
  for (const p of l.patterns) {
    rows.push([p.pattern, String(p.count), pct(p.share), String(p.cardinality.min), num(p.cardinality.median), String(p.cardinality.max), num(p.cardinality.mean), p.meanChannels === null ? '-' : p.meanChannels.toFixed(2)]);
  }
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  const table = rows.map((r) => '  ' + r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  ')).join('\n');
  const classes = Object.entries(l.valueClasses)
    .map(([k, v]) => `${k} ${pct(v)}`)
    .join(', ');
  return `${head}\n${table}\n  value classes (${l.corruptedValues} values): ${classes}\n`;
}

function summaryText(s: FaultListSummary): string {
  const shown = s.layers.length < s.totalLayers ? `; ${s.layers.length} of them shown (${s.layers.reduce((a, l) => a + l.count, 0)} faults)` : '';
  const lines = [`${s.path}: ${s.format === 'tar' ? 'fault-list archive' : 'JSONL fault list'}, ${s.totalFaults} faults in ${s.totalLayers} layer(s)${shown}`];
  if (s.seed !== null) lines.push(`seed ${s.seed}; model sha256 ${s.modelSha256 ?? '(synthetic layer, no model)'}`);
  if (s.errorModels) lines.push(`error models: ${Object.entries(s.errorModels).map(([k, v]) => `${k} (sha256 ${v.slice(0, 12)}…)`).join(', ') || 'none recorded'}`);
  if (s.format === 'jsonl') lines.push('(JSONL records no shapes or ranges; channel counts need the .tar archive)');
  return `${lines.join('\n')}\n\n${s.layers.map(layerText).join('\n')}`;
}

function* limited(layers: readonly FaultListLayer[], limit: number): Generator<Fault> {
  let n = 0;
  for (const l of layers) {
    for (const f of l.faults()) {
      if (n++ >= limit) return;
      yield f;
    }
  }
}

function emit(text: string | Uint8Array, opts: ShowOpts): void {
  if (opts.output) writeFileAtomic(opts.output, text);
  // `| head` closing the pipe early is handled once for every command (cli/main.ts).
  else process.stdout.write(text);
}

export function registerShowFaults(program: Command): void {
  program
    .command('show-faults')
    .description('summarize a fault list (.tar or .jsonl) per layer and pattern, or export its faults as JSONL')
    .argument('<file>', 'fault list from `classes gen-faults`')
    .option('--layer <names>', 'only these layers (comma-separated node or output names)')
    .option('--json', 'print the summary as JSON', false)
    .option('--jsonl', 'export the faults, one JSON object per line, instead of a summary', false)
    .option('--limit <n>', 'with --jsonl: export at most n faults')
    .option('-o, --output <file>', 'write to this file instead of stdout')
    .option('--force', 'replace the -o file if it exists', false)
    .option('--png <dir>', 'also draw corrupted-position heatmaps: one PNG per layer and pattern, its first 4 faults (.tar lists)')
    .addHelpText(
      'after',
      `
Examples:
  $ classes show-faults faults.tar
  $ classes show-faults faults.tar --json
  $ classes show-faults faults.tar --jsonl --layer conv1 --limit 10
  $ classes show-faults faults.tar --jsonl -o faults.jsonl

The summary lists, per layer, the faults per spatial pattern with their cardinality
(corrupted values per fault: min/median/max/mean) and mean channels touched, and the share
of each value class (zero, in_range, out_of_range, nan, flip). Formats: docs/fault-list-format.md.`,
    )
    .action((file: string, opts: ShowOpts) => {
      if (opts.json && opts.jsonl) throw usageError('--json prints the summary and --jsonl exports faults; pick one');
      if (opts.limit !== undefined && !opts.jsonl) throw usageError('--limit applies to --jsonl exports');
      const limit = opts.limit === undefined ? Infinity : parseInteger(opts.limit, '--limit');
      if (opts.output) {
        // Even with --force: the input is read while the output is written, and would be lost.
        if (sameFile(opts.output, file)) throw usageError(`-o ${opts.output} is the fault list being read (${file}); give another output path`);
        assertWritable(opts.output, opts.force);
      }
      const list = openFaultList(file);
      const layers = selectLayers(list, opts.layer);
      if (opts.png) printNotice(`wrote ${writeFaultListHeatmaps(opts.png, layers, { force: opts.force }).length} heatmap(s) to ${opts.png}; ${COLOR_KEY}`);
      if (opts.jsonl) {
        emit(encodeFaultsJsonl(limited(layers, limit)), opts);
        return;
      }
      const summary = summarizeFaultList(list, layers);
      emit(opts.json ? JSON.stringify(summary, null, 2) + '\n' : summaryText(summary), opts);
    });
}
