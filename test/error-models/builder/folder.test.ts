import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildErrorModelFromCampaign, listCampaign, naturalCompare, type EntryJson } from '../../../src/error-models/builder/index.js';
import { saveNpy } from '../../../src/data/index.js';
import { ClassesError } from '../../../src/errors.js';
import { makePair, range, toHwc, type Corruption } from './tensors.js';

const S = { c: 4, h: 16, w: 16 };

/** Six tensors per batch: 5 bullet wakes and 1 masked one. */
const BULLETS: Corruption[] = [0, 1, 2, 3, 4].map((i) => ({ 0: [10 + i], 2: [10 + i] }));

function writeCampaign(root: string, layout: 'NCHW' | 'NHWC' = 'NCHW'): void {
  const dims = layout === 'NCHW' ? [1, S.c, S.h, S.w] : [1, S.h, S.w, S.c];
  const conv = (a: Float32Array): Float32Array => (layout === 'NCHW' ? a : toHwc(a, S));
  for (const batch of ['conv_1', 'conv_2']) {
    const sub = join(root, batch, 'test', 'fp32_wrv');
    mkdirSync(sub, { recursive: true });
    const { golden } = makePair(S, {});
    saveNpy(join(root, batch, 'test', 'golden.npy'), { data: conv(golden), shape: dims });
    BULLETS.forEach((c, i) => saveNpy(join(sub, `error${i + 1}.npy`), { data: conv(makePair(S, c).faulty), shape: dims }));
    saveNpy(join(sub, 'error6.npy'), { data: conv(golden), shape: dims }); // masked
    writeFileSync(join(root, batch, 'test', 'info.json'), '{}'); // metadata files are not tensors
  }
}

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'classes-build-models-'));
}

test('natural order puts error2 before error10', () => {
  assert.deepEqual(['error10.npy', 'error2.npy', 'error1.npy'].sort(naturalCompare), ['error1.npy', 'error2.npy', 'error10.npy']);
});

test('a campaign folder in the reference layout gives one model', () => {
  const root = tempDir();
  try {
    writeCampaign(root);
    mkdirSync(join(root, '_profiler', 'conv_1'), { recursive: true }); // ignored: starts with _
    const listing = listCampaign(root, 'test/golden.npy', 'test');
    assert.deepEqual(
      listing.map((b) => [b.name, b.files.length]),
      [
        ['conv_1', 6],
        ['conv_2', 6],
      ],
    );
    const { model, report } = buildErrorModelFromCampaign(root, { golden: 'test/golden.npy', faulty: 'test' });
    assert.equal(report.tensors, 12);
    assert.equal(report.masked, 2);
    assert.equal(report.kept, 10);
    assert.equal((model.bullet_wake as EntryJson).count, 10);
    assert.deepEqual(report.batches, [
      { name: 'conv_1', files: 6 },
      { name: 'conv_2', files: 6 },
    ]);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('NHWC files give the same model as NCHW files', () => {
  const a = tempDir();
  const b = tempDir();
  try {
    writeCampaign(a, 'NCHW');
    writeCampaign(b, 'NHWC');
    const nchw = buildErrorModelFromCampaign(a, { golden: 'test/golden.npy', faulty: 'test' });
    const nhwc = buildErrorModelFromCampaign(b, { golden: 'test/golden.npy', faulty: 'test', layout: 'NHWC' });
    assert.deepEqual(nhwc.model, nchw.model);
  } finally {
    rmSync(a, { recursive: true, force: true });
    rmSync(b, { recursive: true, force: true });
  }
});

test('every unusable tensor is counted with its reason; nothing crashes', () => {
  const root = tempDir();
  try {
    writeCampaign(root);
    const sub = join(root, 'conv_1', 'test', 'fp32_wrv');
    writeFileSync(join(sub, 'error7.npy'), 'not an npy file');
    const { faulty } = makePair(S, { 1: range(0, 3) });
    saveNpy(join(sub, 'error8.npy'), { data: faulty.subarray(0, 3 * 256), shape: [1, 3, 16, 16] });
    const two = new Float32Array(2 * faulty.length);
    two.set(faulty);
    saveNpy(join(sub, 'error9.npy'), { data: two, shape: [2, 4, 16, 16] });
    // a batch without golden file, one whose golden is 2-D, one without faulty folder
    mkdirSync(join(root, 'conv_3', 'test', 'x'), { recursive: true });
    saveNpy(join(root, 'conv_3', 'test', 'x', 'error1.npy'), { data: faulty, shape: [1, 4, 16, 16] });
    mkdirSync(join(root, 'conv_4', 'test', 'x'), { recursive: true });
    saveNpy(join(root, 'conv_4', 'test', 'golden.npy'), { data: faulty, shape: [64, 16] });
    saveNpy(join(root, 'conv_4', 'test', 'x', 'error1.npy'), { data: faulty, shape: [64, 16] });
    mkdirSync(join(root, 'conv_5'), { recursive: true });

    const { report, model } = buildErrorModelFromCampaign(root, { golden: 'test/golden.npy', faulty: 'test' });
    assert.deepEqual(report.rejectedByReason, { unreadable: 1, 'shape-mismatch': 1, 'batch-size': 1, 'golden-missing': 1, 'golden-bad-rank': 1 });
    assert.equal(report.rejected, 5);
    assert.equal(report.kept, 10);
    assert.equal(model._rejected_tensor_count, 5);
    assert.equal(model._rejected_tensors_proportion, 5 / 15);
    assert.ok(report.rejections.every((r) => r.source.endsWith('.npy') && r.detail.length > 0));
    assert.deepEqual(
      report.batches.filter((b) => b.skipped).map((b) => b.name),
      ['conv_3', 'conv_4', 'conv_5'],
    );
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('limit keeps the first batches; a missing folder is a usage error', () => {
  const root = tempDir();
  try {
    writeCampaign(root);
    const { report } = buildErrorModelFromCampaign(root, { golden: 'test/golden.npy', faulty: 'test', limit: 1 });
    assert.equal(report.tensors, 6);
    assert.throws(
      () => buildErrorModelFromCampaign(join(root, 'nope'), { golden: 'g.npy', faulty: 'f' }),
      (err: unknown) => err instanceof ClassesError && err.exitCode === 2 && /does not exist/.test(err.message),
    );
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
