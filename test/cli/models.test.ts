import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { BIN, NO_REFERENCE_REASON, ROOT, referenceModelsDir, runCli, type CliResult } from '../helpers.js';

// The local server below serves the reference models from wherever the other tests find them.
const REF = referenceModelsDir() ?? '';
const skip = REF !== '' ? false : NO_REFERENCE_REASON;

/** runCli, but without blocking this process: the HTTP server below lives here. */
function runCliAsync(args: string[], env: NodeJS.ProcessEnv): Promise<CliResult> {
  return new Promise((resolvePromise) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env: { ...process.env, FORCE_COLOR: '0', ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolvePromise({ code: code ?? -1, stdout, stderr }));
  });
}

let server: Server;
let base = '';
let requests = 0;
/** when set, this file (relative to the set) is served with one byte changed */
let corrupt: string | null = null;

before(async () => {
  server = createServer((req, res) => {
    requests++;
    const m = /^\/error_models\/gpu_models\/(faulty_(?:thread|warp)_models\/[a-z_]+\.json)$/.exec(req.url ?? '');
    if (!m || !existsSync(join(REF, m[1]))) {
      res.writeHead(404).end('not found');
      return;
    }
    const body = Buffer.from(readFileSync(join(REF, m[1])));
    if (corrupt === m[1]) body[10] ^= 1;
    res.writeHead(200, { 'content-type': 'application/json' }).end(body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(() => new Promise<void>((r) => server.close(() => r())));

function sha(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

test('models pull fetches the 20 GPU models, verifies them and says where they are', { skip }, async () => {
  const cache = mkdtempSync(join(tmpdir(), 'classes-cache-'));
  requests = 0;
  const r = await runCliAsync(['models', 'pull', 'classes-gpu', '--url', base], { CLASSES_CACHE_DIR: cache });
  assert.equal(r.code, 0, r.stderr);
  const dir = join(cache, 'models', 'classes-gpu');
  assert.equal(r.stdout.trim(), dir);
  assert.match(r.stderr, /downloaded 20 files/);
  assert.equal(requests, 20);
  for (const sub of ['faulty_thread_models', 'faulty_warp_models']) {
    const names = readdirSync(join(REF, sub)).filter((n) => n.endsWith('.json'));
    assert.deepEqual(readdirSync(join(dir, sub)).sort(), names.sort());
    for (const n of names) assert.equal(sha(join(dir, sub, n)), sha(join(REF, sub, n)));
  }
  assert.deepEqual(readdirSync(join(cache, 'models')), ['classes-gpu']);

  // a second pull finds the verified copy and fetches nothing; --force fetches again
  requests = 0;
  const again = await runCliAsync(['models', 'pull', 'classes-gpu', '--url', base, '--json'], { CLASSES_CACHE_DIR: cache });
  assert.equal(again.code, 0, again.stderr);
  assert.equal(JSON.parse(again.stdout).downloaded, false);
  assert.equal(requests, 0);
  const forced = await runCliAsync(['models', 'pull', 'classes-gpu', '--url', base, '--force'], { CLASSES_CACHE_DIR: cache });
  assert.equal(forced.code, 0, forced.stderr);
  assert.equal(requests, 20);
  // a plain pull repairs a modified set (what models list and path tell the user to run)
  writeFileSync(join(dir, 'faulty_warp_models', 'relu.json'), '{}\n');
  const repaired = await runCliAsync(['models', 'pull', 'classes-gpu', '--url', base, '--json'], { CLASSES_CACHE_DIR: cache });
  assert.equal(repaired.code, 0, repaired.stderr);
  assert.equal(JSON.parse(repaired.stdout).downloaded, true);
  assert.equal(sha(join(dir, 'faulty_warp_models', 'relu.json')), sha(join(REF, 'faulty_warp_models', 'relu.json')));

  const path = runCli(['models', 'path', 'classes-gpu'], { env: { CLASSES_CACHE_DIR: cache } });
  assert.equal(path.code, 0);
  assert.equal(path.stdout.trim(), dir);
  const list = runCli(['models', 'list', '--json'], { env: { CLASSES_CACHE_DIR: cache } });
  assert.equal(JSON.parse(list.stdout)[0].state, 'ok');
});

test('a file with wrong bytes is a checksum error and nothing is left in the cache', { skip }, async () => {
  const cache = mkdtempSync(join(tmpdir(), 'classes-cache-'));
  corrupt = 'faulty_warp_models/relu.json';
  try {
    const r = await runCliAsync(['models', 'pull', 'classes-gpu', '--url', base, '--cache', cache], {});
    assert.equal(r.code, 1);
    assert.match(r.stderr, /checksum mismatch for faulty_warp_models\/relu\.json/);
    assert.doesNotMatch(r.stderr, /\n\s+at /); // no stack trace
  } finally {
    corrupt = null;
  }
  assert.equal(existsSync(join(cache, 'models')), false);
});

test('an unreachable server gives a clear message and leaves nothing behind, not even an empty cache folder', { skip }, async () => {
  const cache = mkdtempSync(join(tmpdir(), 'classes-cache-'));
  const closed = createServer();
  await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
  const port = (closed.address() as AddressInfo).port;
  await new Promise<void>((r) => closed.close(() => r()));
  const r = await runCliAsync(['models', 'pull', 'classes-gpu', '--url', `http://127.0.0.1:${port}`], { CLASSES_CACHE_DIR: cache });
  assert.equal(r.code, 1);
  // a mirror given with --url that does not answer is not "being offline"
  assert.match(r.stderr, /unreachable \(ECONNREFUSED\)\. Check that --url names a reachable mirror/);
  // a failed first pull leaves no empty cache folder behind
  assert.equal(existsSync(join(cache, 'models')), false);
});

test('unknown sets are usage errors; path before pull says to pull', () => {
  const cache = mkdtempSync(join(tmpdir(), 'classes-cache-'));
  const r = runCli(['models', 'pull', 'nvdla-everything'], { env: { CLASSES_CACHE_DIR: cache } });
  assert.equal(r.code, 2);
  assert.match(r.stderr, /unknown model set nvdla-everything; known sets: classes-gpu/);
  const p = runCli(['models', 'path', 'classes-gpu'], { env: { CLASSES_CACHE_DIR: cache } });
  assert.equal(p.code, 1);
  assert.match(p.stderr, /run `classes models pull classes-gpu` first/);
  const h = runCli(['models', 'pull', '--help']);
  assert.equal(h.code, 0);
  assert.match(h.stdout, /Examples:/);
});
