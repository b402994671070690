/**
 * Models and inputs that are a little off: a batch fixed to 4, an input without a shape, an
 * operator ONNX Runtime lacks, data of the wrong size for a model with free height and width, a
 * fault list whose "layer" field was edited, seeds past 2^53, --json on failure, and weights in an
 * external data file. Each either runs as the ordinary model does or fails with one line that
 * names the file and the fix.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoPath, runCli } from '../helpers.js';
import { LENET, LENET_DATA, RESNET, RESNET_DATA, tempDir } from '../campaign/fixtures.js';
import { decodeModel, encodeModel, graphOf, makeInt64Tensor, makeNode, makeShape, makeValueInfo, type ModelProto } from '../../src/onnx/index.js';
import { loadNpy, saveNpy } from '../../src/data/npy.js';
import { create } from '@bufbuild/protobuf';
import { StringStringEntryProtoSchema } from '../../src/onnx/gen/onnx_pb.js';

const tmp = () => tempDir('classes-cli-odd-');

/** LeNet-5, changed by `edit`, written to a temporary file. */
function lenetWith(name: string, edit: (m: ModelProto) => void): string {
  const m = decodeModel(readFileSync(LENET));
  edit(m);
  const path = join(tmp(), `${name}.onnx`);
  writeFileSync(path, encodeModel(m));
  return path;
}

function inputShape(m: ModelProto, dims: (number | string)[] | undefined): void {
  const t = graphOf(m).input[0].type!.value;
  if (t.case !== 'tensorType') throw new Error('LeNet input is not a tensor');
  t.value.shape = dims === undefined ? undefined : makeShape(dims);
}

function assertOneLine(r: { code: number; stderr: string }, code: number, re: RegExp): void {
  assert.equal(r.code, code, r.stderr);
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, r.stderr);
  assert.match(lines[0], re);
  // nothing of ONNX Runtime's own logging (coloured, timestamped lines)
  assert.doesNotMatch(r.stderr, /\u001b\[|onnxruntime:/);
}

test('a model whose batch is fixed to 4 runs, with the reports of the same model with a free batch', () => {
  const fixed = lenetWith('fixed-b4', (m) => inputShape(m, [4, 1, 28, 28]));
  const dir = tmp();
  const args = (model: string, out: string) => ['run-campaign', '--model', model, '--data', LENET_DATA, '--inputs', '7', '--faults-per-layer', '2', '--out', join(dir, out)];
  const a = runCli(args(fixed, 'fixed'));
  assert.equal(a.code, 0, a.stderr);
  const b = runCli(args(LENET, 'free'));
  assert.equal(b.code, 0, b.stderr);
  assert.equal(readFileSync(join(dir, 'fixed', 'injections.csv'), 'utf8'), readFileSync(join(dir, 'free', 'injections.csv'), 'utf8'));
  const m = JSON.parse(readFileSync(join(dir, 'fixed', 'manifest.json'), 'utf8'));
  assert.ok(m.layers.every((l: { goldenVsPlain: { top1Changes: number } }) => l.goldenVsPlain.top1Changes === 0));
});

test('an input that declares no shape: one line naming the model and the fix, exit 2 (profile and run-campaign)', () => {
  const model = lenetWith('noshape', (m) => inputShape(m, undefined));
  for (const args of [
    ['profile', model, '--data', LENET_DATA, '--inputs', '2'],
    ['run-campaign', '--model', model, '--data', LENET_DATA, '--inputs', '2', '--faults-per-layer', '1', '--out', join(tmp(), 'res')],
  ]) {
    assertOneLine(runCli(args), 2, /noshape\.onnx: input "input" declares no shape; re-export the model with its input shape/);
  }
});

test('an operator ONNX Runtime does not have: one line naming the model file and the fix', () => {
  const model = lenetWith('custom-op', (m) => {
    const g = graphOf(m);
    const relu = g.node.findIndex((n) => n.name === '/Relu');
    g.node.splice(relu + 1, 0, makeNode('FooBar', ['/Relu_output_0'], ['/foo'], { name: '/Foo', domain: 'com.example' }));
    g.node.find((n) => n.name === '/MaxPool')!.input[0] = '/foo';
    m.opsetImport.push({ ...m.opsetImport[0], domain: 'com.example', version: 1n });
  });
  const r = runCli(['profile', model, '--data', LENET_DATA, '--inputs', '2']);
  assertOneLine(r, 1, /custom-op\.onnx: ONNX Runtime cannot load the model: .*FooBar.*; re-export it with standard ONNX operators/);
});

test('free height and width, data of the wrong size: one line saying the data does not fit, exit 2, nothing of ONNX Runtime\'s log', () => {
  const model = lenetWith('free-hw', (m) => inputShape(m, ['N', 1, 'H', 'W']));
  const data = join(tmp(), 'x32.npy');
  saveNpy(data, { data: new Float32Array(2 * 32 * 32), shape: [2, 1, 32, 32] });
  for (const args of [
    ['profile', model, '--data', data],
    ['run-campaign', '--model', model, '--data', data, '--faults-per-layer', '1', '--out', join(tmp(), 'res')],
  ]) {
    assertOneLine(runCli(args), 2, /free-hw\.onnx does not run on a sample of the data \(shape \[1,32,32\]\): .*Gemm.*; check that the data has the shape the model was made for/);
  }
});

test('a fault list in which two layer names target one tensor is refused, naming the list (not --layers); one renamed layer runs under the model\'s name, with a notice', () => {
  const dir = tmp();
  const list = join(dir, 'f.jsonl');
  const profile = join(dir, 'p.json');
  const p = runCli(['profile', LENET, '--data', LENET_DATA, '--inputs', '4', '-o', profile]);
  assert.equal(p.code, 0, p.stderr);
  const g = runCli(['gen-faults', LENET, '--profile', profile, '--layers', '/Relu', '--faults-per-layer', '3', '--seed', '3', '-o', list]);
  assert.equal(g.code, 0, g.stderr);
  const lines = readFileSync(list, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { layer: string });
  lines[0].layer = '/Bogus';
  writeFileSync(list, lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
  for (const extra of [[], ['--layers', '/Relu']]) {
    const r = runCli(['run-campaign', '--model', LENET, '--data', LENET_DATA, '--inputs', '2', '--faults', list, ...extra, '--out', join(dir, 'res')]);
    assertOneLine(r, 2, /f\.jsonl: layers \/Bogus and \/Relu both target tensor \/Relu_output_0/);
  }
  // every fault renamed: it runs, under the model's name, and a notice says so
  writeFileSync(list, lines.map((l) => JSON.stringify({ ...l, layer: '/Bogus' })).join('\n') + '\n');
  const r = runCli(['run-campaign', '--model', LENET, '--data', LENET_DATA, '--inputs', '2', '--faults', list, '--out', join(dir, 'renamed')]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /f\.jsonl: 1 layer name\(s\) of the list are not the model's names for their tensors \(\/Bogus writes \/Relu_output_0, which node \/Relu makes\); reports use the model's names/);
  assert.match(readFileSync(join(dir, 'renamed', 'injections.csv'), 'utf8').split('\n')[1], /^\/Relu,\/Relu_output_0,/);
});

test('a seed past 2^53 is refused (it would silently round to its neighbour), as gen-faults refuses it', () => {
  const r = runCli(['run-campaign', '--model', LENET, '--data', LENET_DATA, '--inputs', '2', '--faults-per-layer', '1', '--seed', '9007199254740993', '--out', join(tmp(), 'res')]);
  assertOneLine(r, 2, /--seed: "9007199254740993" is past 9007199254740991 \(2\^53 - 1\)/);
});

test('--json: a failure also goes to stdout as one JSON object with ok false, the exit code and the error', () => {
  const r = runCli(['run-campaign', '--model', join(tmp(), 'missing.onnx'), '--data', LENET_DATA, '--json']);
  assert.equal(r.code, 2);
  const j = JSON.parse(r.stdout);
  assert.deepEqual(Object.keys(j), ['ok', 'exitCode', 'error']);
  assert.equal(j.ok, false);
  assert.equal(j.exitCode, 2);
  assert.match(j.error, /missing\.onnx does not exist/);
  const parse = runCli(['merge', '--no-such-flag', '--json']);
  assert.equal(parse.code, 2);
  assert.equal(JSON.parse(parse.stdout).ok, false);
});

test('an error-model folder without the file a layer needs: exit 2 naming the file, from gen-faults and run-campaign alike', () => {
  const dir = tmp();
  const models = join(dir, 'models');
  mkdirSync(models);
  copyFileSync(repoPath('error_models', 'relu.json'), join(models, 'relu.json'));
  const profile = join(dir, 'p.json');
  assert.equal(runCli(['profile', LENET, '--data', LENET_DATA, '--inputs', '4', '-o', profile]).code, 0);
  const missing = /error model conv_gemm\.json is missing from .*models \(it has: relu\)/;
  assertOneLine(runCli(['gen-faults', LENET, '--profile', profile, '--error-models', models, '--layers', '/conv1/Conv', '-o', join(dir, 'f.tar')]), 2, missing);
  assertOneLine(runCli(['run-campaign', '--model', LENET, '--data', LENET_DATA, '--inputs', '2', '--error-models', models, '--layers', '/conv1/Conv', '--out', join(dir, 'res')]), 2, missing);
  // with --layers all, layers without a model are skipped with a notice naming the missing files
  const all = runCli(['run-campaign', '--model', LENET, '--data', LENET_DATA, '--inputs', '2', '--faults-per-layer', '1', '--error-models', models, '--out', join(dir, 'all')]);
  assert.equal(all.code, 0, all.stderr);
  assert.match(all.stderr, /skipping \d+ layer\(s\) with no error model in .* \(no conv_gemm\.json, maxpool\.json\)/);
});

/** LeNet's Flatten replaced by Reshape nodes whose shapes hold a batch of k. */
function flattenAsReshape(m: ModelProto, shapes: number[][]): void {
  const g = graphOf(m);
  const i = g.node.findIndex((n) => n.opType === 'Flatten');
  const flatten = g.node[i];
  const nodes = shapes.map((_, k) => makeNode('Reshape', [k === 0 ? flatten.input[0] : `/flat${k - 1}`, `/shape${k}`], [k === shapes.length - 1 ? flatten.output[0] : `/flat${k}`], { name: `/R${k}` }));
  g.node.splice(i, 1, ...nodes);
  shapes.forEach((s, k) => g.initializer.push(makeInt64Tensor(`/shape${k}`, [s.length], s)));
}

test('a batch hard-coded inside: a free batch with Reshape [1,400] runs (its plain model one sample at a time); a batch fixed to 4 that cannot be freed stops before anything is written', () => {
  const dir = tmp();
  const args = (model: string, out: string) => ['run-campaign', '--model', model, '--data', LENET_DATA, '--inputs', '3', '--faults-per-layer', '2', '--out', join(dir, out)];
  const one = lenetWith('reshape1', (m) => flattenAsReshape(m, [[1, 400]]));
  assert.equal(runCli(args(one, 'one')).code, 0);
  assert.equal(runCli(args(LENET, 'free')).code, 0);
  assert.equal(readFileSync(join(dir, 'one', 'injections.csv'), 'utf8'), readFileSync(join(dir, 'free', 'injections.csv'), 'utf8'));
  const four = lenetWith('flat4', (m) => {
    inputShape(m, [4, 1, 28, 28]);
    flattenAsReshape(m, [[1600], [4, 400]]);
  });
  assertOneLine(runCli(args(four, 'four')), 1, /flat4\.onnx takes exactly 4 samples per run and cannot be made batch-dynamic .*; re-export it with a dynamic or size-1 batch/);
  assert.equal(existsSync(join(dir, 'four')), false);
});

test('--json output on failure only where the command was given --json as an option: not as the value of another option, not for a command without --json', () => {
  const asValue = runCli(['profile', LENET, '--layers', '--json']);
  assert.equal(asValue.code, 2);
  assert.equal(asValue.stdout, '');
  const noOption = runCli(['models', 'path', 'classes-gpu', '--json']);
  assert.equal(noOption.code, 2);
  assert.equal(noOption.stdout, '');
  // a parse error of a command with --json: the same line as on stderr
  const parse = runCli(['merge', 'x', '--no-such-flag', '--out', tmp(), '--json']);
  assert.equal(parse.code, 2);
  assert.equal(`classes: error: ${JSON.parse(parse.stdout).error}`, parse.stderr.trim());
});

test('a model with several outputs: a notice names them and the first, the one taken as class scores', () => {
  // LeNet with its first Relu's output exposed after the logits
  const model = lenetWith('two-outputs', (m) => {
    const g = graphOf(m);
    const relu = g.node.find((n) => n.opType === 'Relu')!.output[0];
    g.output.push({ ...g.output[0], name: relu, type: undefined });
  });
  const r = runCli(['run-campaign', '--model', model, '--data', LENET_DATA, '--inputs', '2', '--faults-per-layer', '1', '--out', join(tmp(), 'res')]);
  assert.equal(r.code, 0, r.stderr);
  const first = graphOf(decodeModel(readFileSync(LENET))).output[0].name;
  assert.match(r.stderr, new RegExp(`has 2 outputs \\(${first}, .*\\); the first, ${first}, is taken as the class scores`));
  // a model with one output says nothing of it
  const one = runCli(['run-campaign', '--model', LENET, '--data', LENET_DATA, '--inputs', '2', '--faults-per-layer', '1', '--out', join(tmp(), 'res1')]);
  assert.equal(one.code, 0, one.stderr);
  assert.doesNotMatch(one.stderr, /outputs/);
});

test('a first output that is not float32 scores (an ArgMax\'s class index, declared or not): one line naming it and the fix, exit 2, nothing written', () => {
  for (const declared of [true, false]) {
    const model = lenetWith(`argmax-${declared}`, (m) => {
      const g = graphOf(m);
      const scores = g.output[0].name;
      g.node.push(makeNode('ArgMax', [scores], ['class_index'], { name: 'top1', attrs: { axis: 1, keepdims: 0 } }));
      g.output[0] = declared ? makeValueInfo('class_index', 7, ['N']) : { ...g.output[0], name: 'class_index', type: undefined };
    });
    const out = join(tmp(), 'res');
    const r = runCli(['run-campaign', '--model', model, '--data', LENET_DATA, '--inputs', '2', '--faults-per-layer', '1', '--out', out]);
    assertOneLine(r, 2, /first output "class_index" is int64; run-campaign compares float32 class scores: export the model with the float32 scores/);
    assert.equal(existsSync(out), false);
  }
});

test('two nodes writing one tensor (not valid ONNX): one line blaming the model, not --layers', () => {
  const model = lenetWith('dup-output', (m) => {
    const g = graphOf(m);
    g.node[1].output[0] = g.node[0].output[0];
    g.node[2].input[0] = g.node[0].output[0];
  });
  const r = runCli(['run-campaign', '--model', model, '--data', LENET_DATA, '--inputs', '2', '--faults-per-layer', '1', '--out', join(tmp(), 'res')]);
  assertOneLine(r, 2, /dup-output\.onnx: two nodes write tensor \/conv1\/Conv_output_0, which valid ONNX does not allow; re-export the model/);
});

test('a model whose weights sit in its own external data file: the reports of the inline model, with two workers', () => {
  const dir = tmp();
  const m = decodeModel(readFileSync(RESNET));
  // Every initializer of 100 bytes or more into model.onnx.data, back to back (no alignment); the
  // smaller ones stay inline, and the campaign moves those of 1 KiB or more to memory itself.
  const parts: Buffer[] = [];
  let offset = 0;
  for (const t of graphOf(m).initializer) {
    if (t.rawData.length < 100) continue;
    parts.push(Buffer.from(t.rawData));
    t.externalData = [
      create(StringStringEntryProtoSchema, { key: 'location', value: 'model.onnx.data' }),
      create(StringStringEntryProtoSchema, { key: 'offset', value: String(offset) }),
      create(StringStringEntryProtoSchema, { key: 'length', value: String(t.rawData.length) }),
    ];
    offset += t.rawData.length;
    delete (t as { rawData?: Uint8Array }).rawData;
    t.dataLocation = 1;
  }
  assert.ok(parts.length > 20);
  mkdirSync(join(dir, 'ext'));
  writeFileSync(join(dir, 'ext', 'model.onnx'), encodeModel(m));
  writeFileSync(join(dir, 'ext', 'model.onnx.data'), Buffer.concat(parts));
  const args = (model: string, out: string) => ['run-campaign', '--model', model, '--data', RESNET_DATA, '--inputs', '4', '--layers', '/stem/Conv,/block2/Relu,/block3/conv2/Conv', '--faults-per-layer', '6', '--workers', '2', '--out', join(dir, out)];
  const a = runCli(args(join(dir, 'ext', 'model.onnx'), 'external'));
  assert.equal(a.code, 0, a.stderr);
  const b = runCli(args(RESNET, 'inline'));
  assert.equal(b.code, 0, b.stderr);
  for (const f of ['injections.csv', 'summary.csv']) assert.equal(readFileSync(join(dir, 'external', f), 'utf8'), readFileSync(join(dir, 'inline', f), 'utf8'), f);
  const manifest = JSON.parse(readFileSync(join(dir, 'external', 'manifest.json'), 'utf8'));
  const stem = (manifest.layers as { name: string; windowed: { nodes?: number } | null }[]).find((l) => l.name === '/stem/Conv');
  assert.ok((stem?.windowed?.nodes ?? 0) > 0, 'the first layer ran windowed from the external weights');

  // The weights are part of the model: changed in the data file, the model is another one (its
  // hash in profiles and manifests), so the finished reports are not taken for this campaign's.
  const sha = (): string => (JSON.parse(runCli(['profile', join(dir, 'ext', 'model.onnx'), '--data', RESNET_DATA, '--inputs', '2', '--json']).stdout) as { modelSha256: string }).modelSha256;
  const before = sha();
  assert.equal(manifest.hashes.model, before);
  const data = readFileSync(join(dir, 'ext', 'model.onnx.data'));
  data.writeFloatLE(data.readFloatLE(0) * 3, 0);
  writeFileSync(join(dir, 'ext', 'model.onnx.data'), data);
  assert.notEqual(sha(), before);
  const again = runCli(args(join(dir, 'ext', 'model.onnx'), 'external'));
  assertOneLine(again, 2, /injections\.csv already exists; pass --force/);
  // without its data file: a missing input file, exit 2, one line naming it
  rmSync(join(dir, 'ext', 'model.onnx.data'));
  assertOneLine(runCli(args(join(dir, 'ext', 'model.onnx'), 'no-data')), 2, /model\.onnx needs its external data file .*model\.onnx\.data, which is missing; keep the data file next to the model/);
});

test('a stored list drawn for another shape than the layer (a synthetic 6x10x10 list on LeNet\'s 6x28x28 conv1) is refused, though every index fits', () => {
  const dir = tmp();
  const list = join(dir, 'small.tar');
  const g = runCli(['gen-faults', '--error-model', repoPath('error_models', 'conv_gemm.json'), '--shape', '6,10,10', '--range=-2,3', '--count', '5', '--layer-name', '/conv1/Conv', '--output-name', '/conv1/Conv_output_0', '-o', list]);
  assert.equal(g.code, 0, g.stderr);
  const out = join(dir, 'res');
  const r = runCli(['run-campaign', '--model', LENET, '--data', LENET_DATA, '--inputs', '2', '--faults', list, '--out', out]);
  assertOneLine(r, 2, /small\.tar: the faults of layer \/conv1\/Conv were drawn for a 6x10x10 tensor, but .* makes \[6,28,28\] at \/conv1\/Conv_output_0; generate the list for this model/);
  assert.equal(existsSync(out), false);
  // the right shape runs
  const right = join(dir, 'right.tar');
  assert.equal(runCli(['gen-faults', '--error-model', repoPath('error_models', 'conv_gemm.json'), '--shape', '6,28,28', '--range=-2,3', '--count', '5', '--layer-name', '/conv1/Conv', '--output-name', '/conv1/Conv_output_0', '-o', right]).code, 0);
  assert.equal(runCli(['run-campaign', '--model', LENET, '--data', LENET_DATA, '--inputs', '2', '--faults', right, '--out', join(dir, 'ok')]).code, 0);
});

test('a stored list whose ranges are far from what the campaign measures (profiled on other inputs) is run, with a warning; a list profiled on these inputs gets none', () => {
  const dir = tmp();
  const x = loadNpy(LENET_DATA);
  const scaled = join(dir, 'x3.npy');
  saveNpy(scaled, { data: Float32Array.from(x.data as Float32Array, (v) => v * 3), shape: x.shape });
  const run = (profileData: string, name: string) => {
    const profile = join(dir, `${name}.json`);
    assert.equal(runCli(['profile', LENET, '--data', profileData, '--inputs', '8', '-o', profile]).code, 0);
    const list = join(dir, `${name}.tar`);
    assert.equal(runCli(['gen-faults', LENET, '--profile', profile, '--faults-per-layer', '2', '-o', list]).code, 0);
    return runCli(['run-campaign', '--model', LENET, '--data', LENET_DATA, '--inputs', '8', '--faults', list, '--out', join(dir, `run-${name}`)]);
  };
  const off = run(scaled, 'scaled');
  assert.equal(off.code, 0, off.stderr);
  assert.match(off.stderr, /warning: --faults .*scaled\.tar: the faults of layer \/conv1\/Conv were drawn for the operating range \[.*\], but this campaign measures \[.*\] on its inputs/);
  assert.equal(off.stderr.match(/were drawn for the operating range/g)?.length, 1);
  const same = run(LENET_DATA, 'same');
  assert.equal(same.code, 0, same.stderr);
  assert.doesNotMatch(same.stderr, /operating range/);
});
