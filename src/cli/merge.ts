import type { Command } from 'commander';
import { mergeShards } from '../campaign/merge.js';
import { summaryTable } from '../report/table.js';

const EXAMPLES = `
Examples:
  # run eight shards (anywhere, in any order), then join them
  $ for i in 1 2 3 4 5 6 7 8; do classes run-campaign campaign.json --shard $i/8 --out results/shard-$i; done
  $ classes merge results/shard-*/ --out results/

injections.csv and summary.csv come out byte-identical to those of a single run of the campaign;
manifest.json lists the shards and sums their timings.`;

export function registerMerge(program: Command): void {
  program
    .command('merge')
    .description('join the output folders of the shards of a campaign into one set of reports')
    .argument('<shard-dirs...>', 'the output folders of shards 1..n (each written by run-campaign --shard i/n)')
    .requiredOption('--out <dir>', 'where to write injections.csv, summary.csv and manifest.json')
    .option('--force', 'replace existing reports in --out')
    .option('--json', 'print a JSON summary on stdout instead of the table')
    .addHelpText('after', EXAMPLES)
    .action((dirs: string[], opts: { out: string; force?: boolean; json?: boolean }) => {
      const r = mergeShards(dirs, { out: opts.out, force: opts.force ?? false });
      const t = r.manifest.totals;
      if (opts.json) {
        process.stdout.write(
          JSON.stringify(
            {
              ok: true,
              out: r.out,
              shards: r.manifest.shards,
              runs: t.runs,
              outcomes: { masked: t.masked, 'sdc-safe': t.sdcSafe, 'sdc-critical': t.sdcCritical, 'non-finite': t.nonFinite },
              planKey: r.manifest.planKey,
            },
            null,
            2,
          ) + '\n',
        );
        return;
      }
      process.stdout.write(summaryTable(r.layers, r.counts));
      process.stdout.write(`\nmerged ${r.manifest.shards?.length ?? 0} shards, ${t.runs} injections\nresults: ${r.out}/{injections.csv,summary.csv,manifest.json}\n`);
    });
}
