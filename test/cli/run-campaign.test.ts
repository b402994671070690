import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoPath, runCli } from '../helpers.js';
import { LENET, LENET_DATA, RESNET, RESNET_DATA, convPoolClassifier, randomFaultList, makeFault, tempDir } from '../campaign/fixtures.js';
import { writeFaultArchive } from '../../src/faults/archive/index.js';
import { encodeModel, makeFloatTensor, makeModel, makeNode, makeValueInfo } from '../../src/onnx/index.js';
import { saveNpy } from '../../src/data/npy.js';
import { formatDuration } from '../../src/cli/run-campaign.js';

const tmp = () => tempDir('classes-cli-campaign-');
const CAMPAIGN = repoPath('campaigns', 'lenet5-mnist', 'campaign.json');

/** A one-line error on stderr, and the exit code. */
function assertOneLineError(r: { code: number; stderr: string }, code: number, re: RegExp): void {
  assert.equal(r.code, code, r.stderr);
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, r.stderr);
  assert.match(lines[0], re);
  assert.doesNotMatch(r.stderr, /\n\s+at /);
}

test('the built-in campaign end to end (the package error models), --json, a finished run found again, and no overwrite without --force', () => {
  const out = join(tmp(), 'res');
  const args = ['run-campaign', CAMPAIGN, '--faults-per-layer', '4', '--inputs', '8', '--out', out];
  const r = runCli([...args, '--json']);
  assert.equal(r.code, 0, r.stderr);
  const j = JSON.parse(r.stdout);
  assert.equal(j.ok, true);
  assert.equal(j.runs, 8 * 4 * 8);
  assert.equal(j.outcomes.masked + j.outcomes['sdc-safe'] + j.outcomes['sdc-critical'] + j.outcomes['non-finite'], j.runs);
  const inj = readFileSync(join(out, 'injections.csv'), 'utf8').trim().split('\n');
  assert.equal(inj[0], 'layer,output,fault,pattern,cardinality,input,label,golden_top1,faulty_top1,outcome,max_abs_diff');
  assert.equal(inj.length, 1 + j.runs);
  const summary = readFileSync(join(out, 'summary.csv'), 'utf8');
  assert.match(summary, /^layer,output,pattern,runs,masked,sdc_safe,sdc_critical,non_finite,masked_rate,masked_ci_low/);
  const m = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'));
  assert.equal(m.seed, 1);
  assert.equal(m.hashes.model.length, 64);
  assert.equal(m.layers.length, 8);
  assert.ok(m.layers.every((l: { goldenVsPlain: { top1Changes: number } }) => l.goldenVsPlain.top1Changes === 0));
  assert.ok(typeof m.timing.injectionsPerSecond === 'number');
  // one attempt: its start and end bracket the elapsed time, set-up included
  assert.ok(Date.parse(m.timing.endedAt) - Date.parse(m.timing.startedAt) >= m.timing.elapsedMs - 2, JSON.stringify(m.timing));
  // the same command again finds the finished reports: exit 0, nothing rerun or rewritten
  // (a batch job retried after it succeeded); other settings refuse to replace them
  const before = statSync(join(out, 'injections.csv')).mtimeMs;
  const same = runCli([...args, '--json']);
  assert.equal(same.code, 0, same.stderr);
  assert.match(same.stderr, /already holds the finished reports of this campaign/);
  const sj = JSON.parse(same.stdout);
  assert.equal(sj.alreadyDone, true);
  assert.deepEqual(sj.outcomes, j.outcomes);
  assert.equal(sj.planKey, j.planKey);
  const table = runCli(args);
  assert.equal(table.code, 0, table.stderr);
  assert.match(table.stdout, /an earlier run, ended/);
  assert.match(table.stdout, new RegExp(`^total\\s+${j.runs}\\s`, 'm'));
  assertOneLineError(runCli(['run-campaign', CAMPAIGN, '--faults-per-layer', '4', '--inputs', '7', '--out', out]), 2, /already exists; pass --force/);
  assert.equal(statSync(join(out, 'injections.csv')).mtimeMs, before);
  // the table, with --force
  const again = runCli([...args, '--force']);
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stdout, /sdc-critical/);
  assert.match(again.stdout, /total/);
  assert.equal(readFileSync(join(out, 'injections.csv'), 'utf8').trim().split('\n').length, inj.length);
});

test('worker count and batch size do not change a byte', async () => {
  const dir = tmp();
  const list = await randomFaultList(dir, LENET, 6);
  const base = ['run-campaign', '--model', LENET, '--data', LENET_DATA, '--faults', list, '--inputs', '10', '--json'];
  const a = runCli([...base, '--workers', '1', '--batch', '1', '--out', join(dir, 'a')]);
  const b = runCli([...base, '--workers', '2', '--batch', '16', '--out', join(dir, 'b')]);
  assert.equal(a.code, 0, a.stderr);
  assert.equal(b.code, 0, b.stderr);
  for (const f of ['injections.csv', 'summary.csv']) assert.equal(readFileSync(join(dir, 'a', f), 'utf8'), readFileSync(join(dir, 'b', f), 'utf8'), f);
  // --mismatches-only keeps the rows whose top-1 changed or whose output is non-finite, and the same summary
  const c = runCli([...base, '--mismatches-only', '--out', join(dir, 'c')]);
  assert.equal(c.code, 0, c.stderr);
  const all = readFileSync(join(dir, 'a', 'injections.csv'), 'utf8').trim().split('\n');
  const kept = all.filter((line, i) => i === 0 || line.split(',')[9] === 'non-finite' || line.split(',')[7] !== line.split(',')[8]);
  assert.equal(readFileSync(join(dir, 'c', 'injections.csv'), 'utf8'), kept.join('\n') + '\n');
  assert.equal(readFileSync(join(dir, 'c', 'summary.csv'), 'utf8'), readFileSync(join(dir, 'a', 'summary.csv'), 'utf8'));
});

test('bad input: one-line errors, nothing lost', async () => {
  const dir = tmp();
  const list = await randomFaultList(dir, LENET, 1);
  // existing results that no failed command may touch
  const out = join(dir, 'res');
  const ok = runCli(['run-campaign', '--model', LENET, '--data', LENET_DATA, '--faults', list, '--inputs', '2', '--out', out, '--json']);
  assert.equal(ok.code, 0, ok.stderr);
  const snapshot = () => ['injections.csv', 'summary.csv', 'manifest.json'].map((f) => readFileSync(join(out, f), 'utf8')).join('\0');
  const before = snapshot();
  const base = ['run-campaign', '--data', LENET_DATA, '--faults', list, '--inputs', '2', '--out', out, '--force'];

  assertOneLineError(runCli([...base, '--model', join(dir, 'missing.onnx')]), 2, /model .*missing\.onnx does not exist/);
  // data that does not fit the model (ResNet inputs are 3x32x32)
  assertOneLineError(runCli(['run-campaign', '--model', RESNET, '--data', LENET_DATA, '--faults', list, '--out', out, '--force']), 2, /shape/);
  assertOneLineError(runCli([...base, '--model', LENET, '--layers', 'conv9']), 2, /no layer named "conv9"/);
  assertOneLineError(runCli([...base, '--model', LENET, '--inputs', '100000']), 2, /--inputs 100000/);
  assertOneLineError(runCli([...base, '--model', LENET, '--faults-per-layer', 'lots']), 2, /--faults-per-layer/);
  // settings that would do nothing
  assertOneLineError(runCli([...base, '--model', LENET, '--top-k', '10']), 2, /--top-k 10: the model has 10 classes/);
  assertOneLineError(runCli([...base, '--model', LENET, '--seed', '3']), 2, /--seed is for generated faults/);
  // a fault list made for another model (its manifest names another model's hash)
  const tar = join(dir, 'other.tar');
  writeFaultArchive(
    tar,
    { seed: 1, modelSha256: 'f'.repeat(64), errorModels: { x: '0'.repeat(64) } },
    [{ info: { name: '/conv1/Conv', output: '/conv1/Conv_output_0', shape: { c: 6, h: 28, w: 28 }, range: { min: -1, max: 1 }, errorModel: 'x' }, faults: [makeFault('/conv1/Conv', '/conv1/Conv_output_0', 0, [1], [1])] }],
  );
  assertOneLineError(runCli(['run-campaign', '--model', LENET, '--data', LENET_DATA, '--faults', tar, '--out', out, '--force']), 2, /made for another model/);
  // a JSONL list naming tensors the model does not have
  const foreign = join(dir, 'foreign.jsonl');
  writeFileSync(foreign, readFileSync(list, 'utf8').replaceAll('/conv1/Conv_output_0', '/nope_output_0'));
  assertOneLineError(runCli(['run-campaign', '--model', LENET, '--data', LENET_DATA, '--faults', foreign, '--out', out, '--force']), 2, /made for another model/);
  // a fault that writes beyond its tensor, in the last layer of the list: it does not fit this
  // model either, and is found before the layers before it run (nothing written)
  const wide = join(dir, 'wide.jsonl');
  const listLines = readFileSync(list, 'utf8').trimEnd().split('\n');
  const last = JSON.parse(listLines[listLines.length - 1]) as { indices: number[]; values: unknown[]; valueClasses: number[] };
  listLines[listLines.length - 1] = JSON.stringify({ ...last, indices: [10_000_000], values: [last.values[0]], valueClasses: [last.valueClasses[0]] });
  writeFileSync(wide, listLines.join('\n') + '\n');
  const wideOut = join(dir, 'wide-out');
  assertOneLineError(runCli(['run-campaign', '--model', LENET, '--data', LENET_DATA, '--faults', wide, '--inputs', '2', '--out', wideOut]), 2, /writes index 10000000, beyond .*made for another model/);
  assert.equal(existsSync(join(wideOut, '.checkpoint.json')), false);
  assert.equal(existsSync(join(wideOut, '.injections.csv.part')), false);
  // a campaign file that is not JSON: one line even where the parser quotes a line break
  const notJson = join(dir, 'not-json.json');
  writeFileSync(notJson, 'model: x\n');
  assertOneLineError(runCli(['run-campaign', notJson]), 2, /not-json\.json is not valid JSON/);
  // a --batch far above the copies a layer has is capped to them; one whose runs could not be
  // held in memory is refused before anything is written
  const big = runCli(['run-campaign', '--model', LENET, '--data', LENET_DATA, '--faults', list, '--inputs', '2', '--batch', '1000000', '--out', join(dir, 'big-batch')]);
  assert.equal(big.code, 0, big.stderr);
  const hugeOut = join(dir, 'huge-batch');
  assertOneLineError(runCli(['run-campaign', '--model', RESNET, '--data', RESNET_DATA, '--faults-per-layer', '2000', '--inputs', '16', '--batch', '100000', '--out', hugeOut]), 2, /--batch 100000: a run of 32000 copies of layer \/stem\/Conv would take 2\.0 GiB; give at most --batch 16384/);
  assert.equal(existsSync(hugeOut), false);
  // an output folder that cannot be created
  const file = join(dir, 'a-file');
  writeFileSync(file, 'x');
  assertOneLineError(runCli(['run-campaign', '--model', LENET, '--data', LENET_DATA, '--faults', list, '--inputs', '2', '--out', join(file, 'res')]), 1, /cannot (create|write)/);
  // CUDA unavailable
  assertOneLineError(runCli([...base, '--model', LENET, '--provider', 'cuda'], { env: { CLASSES_FORCE_NO_CUDA: '1' } }), 1, /CUDA/);
  assert.equal(snapshot(), before);
  assert.equal(existsSync(join(out, '.checkpoint.json')), false);
});

/**
 * A model whose second convolution feeds only a second output ('aux'), not the class scores: a
 * layer that passes planning but cannot be prepared.
 */
function auxOutputModel(): Uint8Array {
  const w = (name: string, dims: number[]) => makeFloatTensor(name, dims, Array.from({ length: dims.reduce((a, b) => a * b, 1) }, (_, i) => Math.sin(i + name.length) / 2));
  return encodeModel(
    makeModel({
      nodes: [
        makeNode('Conv', ['x', 'w1'], ['c1'], { attrs: { kernel_shape: [3, 3], pads: [1, 1, 1, 1] } }),
        makeNode('Relu', ['c1'], ['r1']),
        makeNode('Conv', ['r1', 'w2'], ['c2'], { attrs: { kernel_shape: [3, 3], pads: [1, 1, 1, 1] } }),
        makeNode('GlobalAveragePool', ['r1'], ['g']),
        makeNode('Flatten', ['g'], ['f']),
        makeNode('Gemm', ['f', 'fc'], ['logits'], { attrs: { transB: 1 } }),
      ],
      inputs: [makeValueInfo('x', 1, ['N', 2, 8, 8])],
      outputs: [makeValueInfo('logits', 1, ['N', 3]), makeValueInfo('c2', 1, ['N', 4, 8, 8])],
      initializers: [w('w1', [4, 2, 3, 3]), w('w2', [4, 4, 3, 3]), w('fc', [3, 4])],
    }),
  );
}

test('a layer that cannot be prepared stops a campaign in worker threads with a one-line error, whichever layer comes first', () => {
  const dir = tmp();
  const model = join(dir, 'aux.onnx');
  const data = join(dir, 'x.npy');
  writeFileSync(model, auxOutputModel());
  saveNpy(data, { data: Float32Array.from({ length: 4 * 2 * 8 * 8 }, (_, i) => Math.cos(i)), shape: [4, 2, 8, 8] });
  // c2 prepared while c1's chunks run (the next layer is prepared ahead), and c2 alone
  for (const layers of ['c1,c2', 'c2']) {
    const out = join(dir, `out-${layers}`);
    const r = runCli(['run-campaign', '--model', model, '--data', data, '--error-models', repoPath('error_models'), '--layers', layers, '--faults-per-layer', '40', '--workers', '2', '--out', out]);
    // the notice that the model has two outputs, then the one-line error
    const [noticeLine, ...rest] = r.stderr.trim().split('\n');
    assert.match(noticeLine, /has 2 outputs \(logits, c2\); the first, logits, is taken as the class scores/);
    assertOneLineError({ code: r.code, stderr: rest.join('\n') }, 2, /layer output c2 does not feed the model's first output logits/);
    assert.equal(existsSync(join(out, 'injections.csv')), false);
  }
});

test('run-campaign --help shows examples', () => {
  const r = runCli(['run-campaign', '--help']);
  assert.equal(r.code, 0);
  assert.match(r.stdout, /--faults-per-layer/);
  assert.match(r.stdout, /classes run-campaign campaigns\/lenet5-mnist\/campaign.json/);
  assert.match(r.stdout, /--shard 2\/8/);
});

test('a model with one score per input runs under both criteria; --top-k 2 is refused there', () => {
  const dir = tmp();
  const model = join(dir, 'one.onnx');
  const data = join(dir, 'x.npy');
  const w = (name: string, dims: number[]) => makeFloatTensor(name, dims, Array.from({ length: dims.reduce((a, b) => a * b, 1) }, (_, i) => Math.sin(i + name.length) / 2));
  writeFileSync(model, encodeModel(convPoolClassifier({ inputDims: [2, 8, 8], classes: 1, weight: w })));
  saveNpy(data, { data: Float32Array.from({ length: 4 * 2 * 8 * 8 }, (_, i) => Math.cos(i)), shape: [4, 2, 8, 8] });
  const base = ['run-campaign', '--model', model, '--data', data, '--error-models', repoPath('error_models'), '--faults-per-layer', '5', '--workers', '1', '--json'];
  for (const criteria of ['default', 'classes']) {
    const r = runCli([...base, '--criteria', criteria, '--out', join(dir, criteria)]);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(JSON.parse(r.stdout).runs > 0);
    assert.match(r.stderr, /gives one score per input \(output "logits"\): its top-1 cannot change, so no run is sdc-critical/);
  }
  assertOneLineError(runCli([...base, '--top-k', '2', '--out', join(dir, 'k2')]), 2, /--top-k 2: the model has 1 classes/);
});

test('scores with rows and columns (a segmentation map) run as one vector of scores, and a notice says so; a classifier gets no such notice', () => {
  const dir = tmp();
  const model = join(dir, 'seg.onnx');
  const data = join(dir, 'x.npy');
  const w = (name: string, dims: number[]) => makeFloatTensor(name, dims, Array.from({ length: dims.reduce((a, b) => a * b, 1) }, (_, i) => Math.sin(i * 0.3 + name.length) / 2));
  writeFileSync(
    model,
    encodeModel(
      makeModel({
        nodes: [makeNode('Conv', ['x', 'w0'], ['t'], { name: 'c1', attrs: { kernel_shape: [3, 3], pads: [1, 1, 1, 1] } }), makeNode('Relu', ['t'], ['r'], { name: 'r1' }), makeNode('Conv', ['r', 'w1'], ['y'], { name: 'c2', attrs: { kernel_shape: [1, 1] } })],
        inputs: [makeValueInfo('x', 1, ['N', 2, 6, 6])],
        outputs: [makeValueInfo('y', 1, ['N', 3, 6, 6])],
        initializers: [w('w0', [4, 2, 3, 3]), w('w1', [3, 4, 1, 1])],
      }),
    ),
  );
  saveNpy(data, { data: Float32Array.from({ length: 3 * 2 * 6 * 6 }, (_, i) => Math.cos(i)), shape: [3, 2, 6, 6] });
  const r = runCli(['run-campaign', '--model', model, '--data', data, '--error-models', repoPath('error_models'), '--faults-per-layer', '2', '--workers', '1', '--out', join(dir, 'seg')]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /its first output "y" holds \[3,6,6\] values per input, not one score per class: outcomes compare them as one vector of 108 scores/);
  const c = runCli(['run-campaign', '--model', RESNET, '--data', RESNET_DATA, '--layers', '/Relu', '--faults-per-layer', '1', '--inputs', '2', '--workers', '1', '--out', join(dir, 'cls')]);
  assert.equal(c.code, 0, c.stderr);
  assert.doesNotMatch(c.stderr, /per input/);
});

test('the progress bar says time left in minutes and hours', () => {
  assert.deepEqual([0, 42.4, 75, 3599, 4000].map(formatDuration), ['0s', '42s', '1m15s', '59m59s', '1h06m']);
});
