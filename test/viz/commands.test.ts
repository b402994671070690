import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { TensorHeatmaps, assertHeatmapDirUsable, writeFaultListHeatmaps } from '../../src/viz/index.js';
import { ErrorModelBuilder } from '../../src/error-models/builder/index.js';
import type { FaultListLayer } from '../../src/faults/faultlist.js';
import type { Fault } from '../../src/faults/types.js';
import { ClassesError } from '../../src/errors.js';

function fault(index: number, pattern: string, indices: number[]): Fault {
  return {
    layer: 'conv/1',
    output: 'y',
    index,
    pattern,
    params: {},
    indices: Uint32Array.from(indices),
    valueClasses: new Uint8Array(indices.length).fill(2),
    values: new Float32Array(indices.length),
  };
}

function layer(shape: FaultListLayer['shape'], faults: Fault[]): FaultListLayer {
  return {
    name: 'conv/1',
    output: 'y',
    count: faults.length,
    shape,
    range: null,
    errorModel: null,
    faults: () => faults,
    fault: (i) => faults.find((f) => f.index === i),
  };
}

const isUsage = (e: unknown): boolean => e instanceof ClassesError && e.exitCode === 2;

test('show-faults --png: layers whose safe names meet (conv/1 and conv_1) get a picture each', () => {
  const dir = mkdtempSync(join(tmpdir(), 'classes-png-'));
  try {
    const slash = layer({ c: 4, h: 4, w: 4 }, [fault(0, 'single', [5])]);
    const underscore = { ...layer({ c: 4, h: 4, w: 4 }, [fault(0, 'single', [9])]), name: 'conv_1', output: 'z' };
    const upper = { ...layer({ c: 4, h: 4, w: 4 }, [fault(0, 'single', [9])]), name: 'CONV_1', output: 'u' };
    const paths = writeFaultListHeatmaps(join(dir, 'out'), [slash, underscore, upper]);
    assert.deepEqual(paths.map((p) => p.slice(dir.length + 5)), ['conv_1_single.png', 'conv_1_single_2.png', 'CONV_1_single_3.png']);
    assert.deepEqual(readdirSync(join(dir, 'out')).sort(), ['CONV_1_single_3.png', 'conv_1_single.png', 'conv_1_single_2.png']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('show-faults --png: one PNG per layer and pattern, named after both', () => {
  const dir = mkdtempSync(join(tmpdir(), 'classes-png-'));
  try {
    const faults = [fault(0, 'single', [5]), fault(1, 'bullet_wake', [3, 19, 35]), fault(2, 'single', [40])];
    const paths = writeFaultListHeatmaps(join(dir, 'out'), [layer({ c: 4, h: 4, w: 4 }, faults)]);
    assert.deepEqual(readdirSync(join(dir, 'out')).sort(), ['conv_1_bullet_wake.png', 'conv_1_single.png']);
    assert.equal(paths.length, 2);
    // bullet_wake: one block of three channel tiles (4×4 cells at scale 8) in one row
    const img = PNG.sync.read(readFileSync(join(dir, 'out', 'conv_1_bullet_wake.png')));
    assert.equal(img.width, 4 + 3 * 32 + 2 * 2 + 4);
    assert.throws(() => writeFaultListHeatmaps(join(dir, 'out'), [layer({ c: 4, h: 4, w: 4 }, faults)]), isUsage);
    assert.throws(() => writeFaultListHeatmaps(join(dir, 'other'), [layer(null, faults)]), /only \.tar fault lists/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('build-models --png: the builder hook draws the classified tensors per pattern', () => {
  const dir = mkdtempSync(join(tmpdir(), 'classes-png-'));
  try {
    const pics = new TensorHeatmaps({ tolerance: 1e-3 });
    const builder = new ErrorModelBuilder({ onTensor: pics.onTensor });
    const shape = { c: 2, h: 4, w: 4 };
    const golden = new Float32Array(32).map((_, i) => 1 + i / 64);
    for (let k = 0; k < 3; k++) {
      const faulty = golden.slice();
      faulty[k + 3] = 100;
      builder.add({ golden, faulty, shape });
    }
    builder.add({ golden, faulty: golden.slice(), shape }); // masked: not drawn
    const paths = pics.write(dir);
    assert.deepEqual(paths.map((p) => p.slice(dir.length + 1)), ['single.png']);
    const img = PNG.sync.read(readFileSync(paths[0]));
    assert.equal(img.height, 4 + 3 * 32 + 2 * 6 + 4); // three faults, one tile each, separated
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a --png folder with pictures in it is refused without --force', () => {
  const dir = mkdtempSync(join(tmpdir(), 'classes-png-'));
  try {
    assertHeatmapDirUsable(join(dir, 'new'), false);
    assertHeatmapDirUsable(dir, false);
    writeFileSync(join(dir, 'a.png'), '');
    assert.throws(() => assertHeatmapDirUsable(dir, false), isUsage);
    assertHeatmapDirUsable(dir, true);
    assert.throws(() => assertHeatmapDirUsable(join(dir, 'a.png'), true), isUsage);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
