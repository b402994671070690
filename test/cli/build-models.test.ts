import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { saveNpy } from '../../src/data/index.js';
import { parseErrorModel } from '../../src/error-models/index.js';
import { runCli } from '../helpers.js';

const DIMS = [1, 4, 8, 8];
const HW = 64;

/** One batch: a golden tensor and 6 single-value faults (3 out_of_range, 3 zero). */
function writeCampaign(root: string): void {
  const golden = new Float32Array(4 * HW);
  for (let i = 0; i < golden.length; i++) golden[i] = 1 + i / 1000;
  const sub = join(root, 'conv_1', 'test', 'fp32_wrv');
  mkdirSync(sub, { recursive: true });
  saveNpy(join(root, 'conv_1', 'test', 'golden.npy'), { data: golden, shape: DIMS });
  for (let i = 0; i < 6; i++) {
    const faulty = golden.slice();
    faulty[10 + i * 7] = i % 2 === 0 ? 50 : 0;
    saveNpy(join(sub, `error${i + 1}.npy`), { data: faulty, shape: DIMS });
  }
}

function withCampaign(fn: (root: string, out: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'classes-cli-build-models-'));
  try {
    writeCampaign(join(dir, 'campaign'));
    fn(join(dir, 'campaign'), join(dir, 'out'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('build-models writes a model our loader reads, and refuses to overwrite it', () => {
  withCampaign((root, out) => {
    const model = join(out, 'conv.json');
    const r = runCli(['build-models', root, '--golden', 'test/golden.npy', '--faulty', 'test', '-o', model]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /wrote .*conv\.json: 6 tensors/);
    const json = JSON.parse(readFileSync(model, 'utf8'));
    assert.equal(json._tensor_count, 6);
    const parsed = parseErrorModel(json, model);
    assert.deepEqual(
      parsed.patterns.map((p) => [p.name, p.count]),
      [['single', 6]],
    );

    const again = runCli(['build-models', root, '--golden', 'test/golden.npy', '--faulty', 'test', '-o', model]);
    assert.equal(again.code, 2);
    assert.match(again.stderr, /already exists; pass --force/);
    assert.doesNotMatch(r.stderr, /were not read/);
    // a batch whose tensors lie right in its faulty folder, a level too high, is pointed out
    mkdirSync(join(root, 'conv_2', 'test'), { recursive: true });
    copyFileSync(join(root, 'conv_1', 'test', 'golden.npy'), join(root, 'conv_2', 'test', 'golden.npy'));
    copyFileSync(join(root, 'conv_1', 'test', 'fp32_wrv', 'error1.npy'), join(root, 'conv_2', 'test', 'error1.npy'));
    const stray = runCli(['build-models', root, '--golden', 'test/golden.npy', '--faulty', 'test', '-o', model, '--force']);
    assert.equal(stray.code, 0, stray.stderr);
    assert.match(stray.stderr, /1 \.npy file\(s\) lie right in a --faulty folder without sub-folders, e\.g\. .*conv_2\/test\/error1\.npy, and were not read: corrupted tensors go one folder deeper, in test\/<sub-folder>\//);
    assert.match(stray.stderr, /wrote .*conv\.json: 6 tensors/);
    // every batch so: the error says where they are
    rmSync(join(root, 'conv_1'), { recursive: true });
    const none = runCli(['build-models', root, '--golden', 'test/golden.npy', '--faulty', 'test', '-o', model, '--force']);
    assert.equal(none.code, 2);
    assert.match(none.stderr, /in test\/<sub-folder>\/ \(1 lie one level too high, e\.g\. .*conv_2\/test\/error1\.npy\); check --faulty/);
  });
});

test('build-models --json and --report describe every tensor', () => {
  withCampaign((root, out) => {
    const report = join(out, 'report.json');
    const r = runCli(['build-models', root, '--golden', 'test/golden.npy', '--faulty', 'test', '-o', join(out, 'm.json'), '--report', report, '--json']);
    assert.equal(r.code, 0, r.stderr);
    const summary = JSON.parse(r.stdout);
    assert.equal(summary.ok, true);
    assert.equal(summary.tensors, 6);
    assert.equal(summary.kept, 6);
    assert.deepEqual(summary.patterns, [{ pattern: 'single', classified: 6, kept: 6 }]);
    const full = JSON.parse(readFileSync(report, 'utf8'));
    assert.deepEqual(full.batches, [{ name: 'conv_1', files: 6 }]);
  });
});

test('build-models: bad options are usage errors; an empty model is a runtime error', () => {
  withCampaign((root, out) => {
    const base = ['build-models', root, '--golden', 'test/golden.npy', '--faulty', 'test', '-o', join(out, 'm.json')];
    const layout = runCli([...base, '--layout', 'nwhc']);
    assert.equal(layout.code, 2);
    assert.match(layout.stderr, /--layout nwhc: expected nchw or nhwc/);
    // a model folder finds models by <operator>.json: another extension would never be read
    const txt = runCli([...base.slice(0, -2), '-o', join(out, 'm.txt')]);
    assert.equal(txt.code, 2);
    assert.match(txt.stderr, /-o .*m\.txt: an error model is a \.json file/);
    const empty = runCli([...base, '--min-class-count', '7']);
    assert.equal(empty.code, 1);
    assert.match(empty.stderr, /lower --min-class-count/);
    // a golden file missing from every batch, and a faulty folder that is not there: the error says which
    const noGolden = runCli(['build-models', root, '--golden', 'test/nope.npy', '--faulty', 'test', '-o', join(out, 'm.json')]);
    assert.equal(noGolden.code, 2);
    assert.match(noGolden.stderr, /^classes: error: no batch folder of .* has the golden file test\/nope\.npy \(e\.g\. .*conv_1\/test\/nope\.npy does not exist\); check --golden/);
    const noFaulty = runCli(['build-models', root, '--golden', 'test/golden.npy', '--faulty', 'nope', '-o', join(out, 'm.json')]);
    assert.equal(noFaulty.code, 2);
    assert.match(noFaulty.stderr, /no batch of .* has corrupted tensors .* in nope\/<sub-folder>\/; check --faulty/);
    for (const r of [noGolden, noFaulty]) assert.equal(r.stderr.trim().split('\n').length, 1);
    // the report may not take the model's place, --force or not
    for (const force of [[], ['--force']]) {
      const same = runCli([...base, '--report', join(out, '.', 'm.json'), ...force]);
      assert.equal(same.code, 2);
      assert.match(same.stderr, /^classes: error: --report .* is the same file as -o/);
    }
    // ... also when it names a folder reached through a link to the model's folder
    mkdirSync(join(out, 'real'));
    symlinkSync('real', join(out, 'alias'));
    const linked = runCli([...base.slice(0, -2), '-o', join(out, 'real', 'm.json'), '--report', join(out, 'alias', 'm.json')]);
    assert.equal(linked.code, 2, linked.stderr);
    assert.match(linked.stderr, /is the same file as -o/);
    // a stray folder without faults that happens to hold the golden path does not turn a wrong --golden into a damaged campaign
    mkdirSync(join(root, 'stray', 'test'), { recursive: true });
    writeFileSync(join(root, 'stray', 'test', 'nope.npy'), 'x');
    const stray = runCli(['build-models', root, '--golden', 'test/nope.npy', '--faulty', 'test', '-o', join(out, 'm.json')]);
    assert.equal(stray.code, 2, stray.stderr);
    assert.match(stray.stderr, /has the golden file test\/nope\.npy/);
    rmSync(join(root, 'stray'), { recursive: true });
    // a golden file that is not a .npy: its path is said once
    writeFileSync(join(root, 'conv_1', 'test', 'bad.npy'), 'not an array');
    const bad = runCli([...base, '--golden', 'test/bad.npy', '--json']);
    const path = join(root, 'conv_1', 'test', 'bad.npy');
    assert.equal(bad.stderr.split(path).length - 1, 1, bad.stderr);
  });
});
