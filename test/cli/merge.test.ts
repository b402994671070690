import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, existsSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from '../helpers.js';
import { LENET, LENET_DATA, randomFaultList, tempDir } from '../campaign/fixtures.js';
import { lockOutput } from '../../src/campaign/out-lock.js';

test('shards 1..3 merged give the bytes of one run; bad merges are one-line errors', async () => {
  const dir = tempDir('classes-merge-');
  const list = await randomFaultList(dir, LENET, 5);
  const base = ['run-campaign', '--model', LENET, '--data', LENET_DATA, '--faults', list, '--inputs', '6', '--json', '--mismatches-only'];
  const whole = runCli([...base, '--out', join(dir, 'whole')]);
  assert.equal(whole.code, 0, whole.stderr);
  for (const i of [1, 2, 3]) {
    const r = runCli([...base, '--shard', `${i}/3`, '--out', join(dir, `shard-${i}`), '--workers', String(i)]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(JSON.parse(r.stdout).shard, `${i}/3`);
  }
  const shards = [3, 1, 2].map((i) => join(dir, `shard-${i}`));
  // a missing shard
  const partial = runCli(['merge', ...shards.slice(0, 2), '--out', join(dir, 'merged')]);
  assert.equal(partial.code, 2);
  assert.match(partial.stderr, /shard 2\/3 missing/);
  // a whole run is not a shard
  const notShard = runCli(['merge', join(dir, 'whole'), ...shards, '--out', join(dir, 'merged')]);
  assert.equal(notShard.code, 2);
  assert.match(notShard.stderr, /not a shard/);
  const m = runCli(['merge', ...shards, '--out', join(dir, 'merged'), '--json']);
  assert.equal(m.code, 0, m.stderr);
  assert.equal(JSON.parse(m.stdout).runs, JSON.parse(whole.stdout).runs);
  for (const f of ['injections.csv', 'summary.csv']) assert.equal(readFileSync(join(dir, 'merged', f), 'utf8'), readFileSync(join(dir, 'whole', f), 'utf8'), f);
  const manifest = JSON.parse(readFileSync(join(dir, 'merged', 'manifest.json'), 'utf8'));
  assert.deepEqual(manifest.shards, ['1/3', '2/3', '3/3']);
  assert.equal(manifest.shard, null);
  // the merged reports are not replaced without --force
  const again = runCli(['merge', ...shards, '--out', join(dir, 'merged')]);
  assert.equal(again.code, 2);
  assert.match(again.stderr, /already exists; pass --force/);
  // shards of another campaign do not mix
  // (a copy of shard 2 whose manifest says it belongs to another plan)
  const otherDir = join(dir, 'other-2');
  cpSync(shards[2], otherDir, { recursive: true });
  const om = JSON.parse(readFileSync(join(otherDir, 'manifest.json'), 'utf8'));
  writeFileSync(join(otherDir, 'manifest.json'), JSON.stringify({ ...om, planKey: '0'.repeat(64) }));
  const mixed = runCli(['merge', shards[1], join(dir, 'other-2'), shards[0], '--out', join(dir, 'mixed')]);
  assert.equal(mixed.code, 2);
  assert.match(mixed.stderr, /another campaign/);
});

test('merge refuses damaged shards and its own inputs as --out, and leaves no folder behind', async () => {
  const dir = tempDir('classes-merge-');
  const list = await randomFaultList(dir, LENET, 4);
  const base = ['run-campaign', '--model', LENET, '--data', LENET_DATA, '--faults', list, '--inputs', '4'];
  for (const i of [1, 2]) assert.equal(runCli([...base, '--shard', `${i}/2`, '--out', join(dir, `s${i}`)]).code, 0);
  const injections = readFileSync(join(dir, 's2', 'injections.csv'), 'utf8');
  const lines = injections.split('\n');
  const damaged: [string, (d: string) => void, RegExp][] = [
    ['cut short', (d) => writeFileSync(join(d, 'injections.csv'), lines.slice(0, 5).join('\n') + '\n'), /has 4 rows but its manifest says \d+.*--force/],
    ['header only', (d) => writeFileSync(join(d, 'injections.csv'), lines[0] + '\n'), /has 0 rows but its manifest says/],
    ['a row removed', (d) => writeFileSync(join(d, 'injections.csv'), [...lines.slice(0, 3), ...lines.slice(4)].join('\n')), /rows but its manifest says/],
    [
      'a layer cut from the summary',
      (d) => {
        const rows = readFileSync(join(d, 'summary.csv'), 'utf8').split('\n');
        const first = rows[1].split(',')[0];
        writeFileSync(join(d, 'summary.csv'), rows.filter((row) => !row.startsWith(`${first},`)).join('\n'));
      },
      /counts \d+ runs but .*manifest.json says/,
    ],
    ['last row cut mid-line', (d) => writeFileSync(join(d, 'injections.csv'), injections.slice(0, -30)), /(no line ending \(a file cut short\)|columns instead of 11) in row/],
    ['ends inside a quoted field', (d) => writeFileSync(join(d, 'injections.csv'), injections + '"/GlobalAv'), /unterminated quoted field \(a file cut short or edited\)/],
    // (faults of a stored list keep their own indices, so the rows' outcomes tell, not their shard)
    ["another shard's rows", (d) => cpSync(join(dir, 's1', 'injections.csv'), join(d, 'injections.csv')), /a fault of another shard than 2\/2 in row|outcomes do not add up/],
    ["another shard's summary", (d) => cpSync(join(dir, 's1', 'summary.csv'), join(d, 'summary.csv')), /outcome counts differ|do not add up|counts \d+ runs/],
    ['a blank input field', (d) => writeFileSync(join(d, 'injections.csv'), lines.map((line, i) => (i === 1 ? line.split(',').map((v, k) => (k === 5 ? '' : v)).join(',') : line)).join('\n')), /an input index outside the campaign's inputs in row/],
    ['an edited output', (d) => writeFileSync(join(d, 'injections.csv'), lines.map((line, i) => (i === 1 ? line.split(',').map((v, k) => (k === 1 ? 'other_output' : v)).join(',') : line)).join('\n')), /an output other than layer .*'s in row/],
    [
      'an edited outcome',
      // (one the row itself does not give away: its top-1 columns and difference agree)
      (d) => {
        const k = lines.findIndex((line) => /,(masked,0|sdc-safe,[^,]+)$/.test(line));
        assert.ok(k > 0, 'a masked or sdc-safe row to edit');
        const edited = lines.map((line, i) => (i === k ? (line.endsWith(',masked,0') ? line.replace(/,masked,0$/, ',sdc-safe,0.5') : line.replace(/,sdc-safe,[^,]+$/, ',masked,0')) : line));
        writeFileSync(join(d, 'injections.csv'), edited.join('\n'));
      },
      /outcomes do not add up to .*summary\.csv/,
    ],
    [
      'an outcome its own row contradicts',
      (d) => {
        // critical with the top-1 unchanged
        const k = lines.findIndex((line, i) => i > 0 && /,(masked|sdc-safe),/.test(line));
        writeFileSync(join(d, 'injections.csv'), lines.map((line, i) => (i === k ? line.replace(/,(masked|sdc-safe),/, ',sdc-critical,') : line)).join('\n'));
      },
      /an outcome its top-1 columns and difference contradict in row/,
    ],
  ];
  for (const [what, damage, expected] of damaged) {
    const copy = join(dir, `damaged-${what.replace(/ /g, '-')}`);
    cpSync(join(dir, 's2'), copy, { recursive: true });
    damage(copy);
    const out = join(dir, `out-${what.replace(/ /g, '-')}`);
    const r = runCli(['merge', join(dir, 's1'), copy, '--out', out]);
    assert.equal(r.code, 1, `${what}: ${r.stderr}`);
    assert.match(r.stderr.trim(), expected, what);
    assert.equal(r.stderr.trim().split('\n').length, 1, what);
    assert.equal(existsSync(out), false, `${what}: a failed merge left ${out}`);
  }
  // --out may not be one of the shards it reads, even with --force
  const self = runCli(['merge', join(dir, 's1'), join(dir, 's2'), '--out', join(dir, 's1'), '--force']);
  assert.equal(self.code, 2);
  assert.match(self.stderr, /is shard 1\/2's own folder/);
  symlinkSync(join(dir, 's1'), join(dir, 'link-to-s1'));
  const viaLink = runCli(['merge', join(dir, 's1'), join(dir, 's2'), '--out', join(dir, 'link-to-s1'), '--force']);
  assert.equal(viaLink.code, 2);
  assert.match(viaLink.stderr, /own folder/);
  assert.equal(readFileSync(join(dir, 's2', 'injections.csv'), 'utf8'), injections);
  // a manifest from before totals.rows: the rows are checked against the runs (all rows kept)
  const older = join(dir, 'older-s2');
  cpSync(join(dir, 's2'), older, { recursive: true });
  const om = JSON.parse(readFileSync(join(older, 'manifest.json'), 'utf8'));
  delete om.totals.rows;
  writeFileSync(join(older, 'manifest.json'), JSON.stringify(om));
  assert.equal(runCli(['merge', join(dir, 's1'), older, '--out', join(dir, 'merged-older')]).code, 0);
  writeFileSync(join(older, 'injections.csv'), lines.slice(0, 5).join('\n') + '\n');
  assert.match(runCli(['merge', join(dir, 's1'), older, '--out', join(dir, 'merged-older2')]).stderr, /has 4 rows but its manifest says/);
  const ok = runCli(['merge', join(dir, 's1'), join(dir, 's2'), '--out', join(dir, 'merged'), '--json']);
  assert.equal(ok.code, 0, ok.stderr);
  const manifest = JSON.parse(readFileSync(join(dir, 'merged', 'manifest.json'), 'utf8'));
  assert.equal(manifest.totals.rows, readFileSync(join(dir, 'merged', 'injections.csv'), 'utf8').trimEnd().split('\n').length - 1);
});

test('merge: shards of a JSONL list whose fault indices have gaps, --mismatches-only rows checked against the summary, a folder a run is writing', async () => {
  const dir = tempDir('classes-merge-');
  const full = await randomFaultList(dir, LENET, 6);
  // drop faults 1 and 4 of every layer: the list's indices now have gaps (0, 2, 3, 5)
  const gapped = join(dir, 'gapped.jsonl');
  writeFileSync(gapped, readFileSync(full, 'utf8').split('\n').filter((l) => !/"index":(1|4),/.test(l)).join('\n'));
  const base = ['run-campaign', '--model', LENET, '--data', LENET_DATA, '--faults', gapped, '--inputs', '4'];
  assert.equal(runCli([...base, '--out', join(dir, 'whole')]).code, 0);
  for (const i of [1, 2, 3]) assert.equal(runCli([...base, '--shard', `${i}/3`, '--out', join(dir, `g${i}`)]).code, 0);
  const m = runCli(['merge', ...[1, 2, 3].map((i) => join(dir, `g${i}`)), '--out', join(dir, 'merged')]);
  assert.equal(m.code, 0, m.stderr);
  for (const f of ['injections.csv', 'summary.csv']) assert.equal(readFileSync(join(dir, 'merged', f), 'utf8'), readFileSync(join(dir, 'whole', f), 'utf8'), f);

  // --mismatches-only: the critical and non-finite rows must be the summary's
  const mm = ['run-campaign', '--model', LENET, '--data', LENET_DATA, '--faults', full, '--inputs', '6', '--mismatches-only'];
  for (const i of [1, 2]) assert.equal(runCli([...mm, '--shard', `${i}/2`, '--out', join(dir, `m${i}`)]).code, 0);
  const edited = join(dir, 'm2-edited');
  cpSync(join(dir, 'm2'), edited, { recursive: true });
  const text = readFileSync(join(edited, 'injections.csv'), 'utf8');
  // a non-finite run turned into an sdc-safe one, consistent within its row
  const row = /,(\d+),,non-finite,nan\n/.exec(text);
  assert.ok(row, 'a non-finite row to edit');
  writeFileSync(join(edited, 'injections.csv'), text.replace(row[0], `,${row[1]},${row[1]},sdc-safe,0.5\n`));
  const bad = runCli(['merge', join(dir, 'm1'), edited, '--out', join(dir, 'm-out')]);
  assert.equal(bad.code, 1, bad.stderr);
  assert.match(bad.stderr.trim(), /outcomes do not add up to .*summary\.csv/);
  assert.equal(runCli(['merge', join(dir, 'm1'), join(dir, 'm2'), '--out', join(dir, 'm-out')]).code, 0);

  // a folder that a run is writing is not merged into
  const busy = join(dir, 'busy');
  const lock = lockOutput(busy);
  try {
    const r = runCli(['merge', ...[1, 2, 3].map((i) => join(dir, `g${i}`)), '--out', busy]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr.trim(), /is being written by another classes run/);
    assert.equal(existsSync(join(busy, 'injections.csv')), false);
  } finally {
    lock.release();
  }
});
