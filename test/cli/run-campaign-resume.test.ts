import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { doneLine, interruptedMessage } from '../../src/cli/run-campaign.js';
import type { Manifest } from '../../src/report/manifest.js';
import { join } from 'node:path';
import { BIN, ROOT, runCli } from '../helpers.js';
import { LENET, LENET_DATA, randomFaultList, tempDir } from '../campaign/fixtures.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** unitsDone of the run's checkpoint, or -1 when there is none (yet, or any more). */
function unitsDone(out: string): number {
  try {
    return (JSON.parse(readFileSync(join(out, '.checkpoint.json'), 'utf8')) as { unitsDone: number }).unitsDone;
  } catch {
    return -1;
  }
}

async function killAndResume(t: { diagnostic: (message: string) => void }, extra: readonly string[], signal: 'SIGKILL' | 'SIGTERM' | 'SIGINT' = 'SIGKILL'): Promise<void> {
  const dir = tempDir('classes-resume-');
  // big enough that the first checkpoint (written at most every 0.5 s) comes well before the end
  const list = await randomFaultList(dir, LENET, 200);
  const args = (out: string) => ['run-campaign', '--model', LENET, '--data', LENET_DATA, '--faults', list, '--inputs', '24', '--out', out, '--json', ...extra];
  const out = join(dir, 'killed');
  // slow on purpose (one worker, one copy per run) so that it is still running when killed
  const child = spawn(process.execPath, [BIN, ...args(out), '--workers', '1', '--batch', '1'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('close', (_code, sig) => resolve(sig)));
  let killedMidway = false;
  for (let i = 0; i < 1500 && child.exitCode === null; i++) {
    if (unitsDone(out) > 0) {
      child.kill(signal);
      killedMidway = true;
      break;
    }
    await sleep(10);
  }
  const endedBy = await exited;
  t.diagnostic(killedMidway ? `killed after ${unitsDone(out)} faults` : 'the run ended before it could be killed');
  if (killedMidway) {
    // SIGINT and SIGTERM: one line saying how to go on, then the process ends as killed by the signal
    assert.equal(endedBy, signal);
    if (signal !== 'SIGKILL') assert.match(stderr, new RegExp(`interrupted \\(${signal}\\); .* run the same command again to resume`));
    assert.ok(existsSync(join(out, '.checkpoint.json')));
    assert.equal(existsSync(join(out, 'injections.csv')), false);
    // a stopped run gives its folder's lock back (a killed one cannot: the next run takes it over)
    if (signal !== 'SIGKILL') assert.equal(existsSync(join(out, '.lock')), false);
  }
  // same command (another batch size and worker count do not matter)
  const resumed = runCli(args(out));
  assert.equal(resumed.code, 0, resumed.stderr);
  if (killedMidway) assert.match(resumed.stderr, /resuming/);
  assert.equal(JSON.parse(resumed.stdout).resumed, killedMidway);
  const whole = runCli(args(join(dir, 'whole')));
  assert.equal(whole.code, 0, whole.stderr);
  for (const f of ['injections.csv', 'summary.csv']) assert.equal(readFileSync(join(out, f), 'utf8'), readFileSync(join(dir, 'whole', f), 'utf8'), f);
  const m = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'));
  assert.equal(m.timing.attempts, killedMidway ? 2 : 1);
  assert.equal(existsSync(join(out, '.checkpoint.json')), false);
  assert.equal(existsSync(join(out, '.lock')), false);
}

test('kill -9 in the middle, run the same command again: the same bytes as an uninterrupted run', (t) => killAndResume(t, []));

test('the same with every fault windowed (--window on)', (t) => killAndResume(t, ['--window', 'on']));

test('SIGTERM (a scheduler stopping the task) and SIGINT (Ctrl-C): a line on how to resume, then the same bytes', async (t) => {
  await killAndResume(t, [], 'SIGTERM');
  await killAndResume(t, [], 'SIGINT');
});

test('interrupted before the first checkpoint: the line says there is nothing to resume, not that work was kept', () => {
  const dir = tempDir('classes-resume-');
  assert.match(interruptedMessage('SIGINT', join(dir, 'never-made')), /^interrupted \(SIGINT\) before any work was checkpointed; nothing to resume/);
  mkdirSync(join(dir, 'out'));
  const checkpoint = (unitsDone: number) => JSON.stringify({ format: 1, planKey: 'k', shard: null, unitsDone, bytes: 0, counts: {}, elapsedMs: 0, attempts: 1, startedAt: 'then', meta: {} });
  // a checkpoint written before the first fault was done keeps no work either
  writeFileSync(join(dir, 'out', '.checkpoint.json'), checkpoint(0));
  assert.match(interruptedMessage('SIGINT', join(dir, 'out')), /before any work was checkpointed/);
  writeFileSync(join(dir, 'out', '.checkpoint.json'), checkpoint(3));
  assert.match(interruptedMessage('SIGTERM', join(dir, 'out')), /^interrupted \(SIGTERM\); the work checkpointed in .* is kept: run the same command again to resume/);
});

test('reports merged into a folder that holds an unfinished run: merge refuses it (--force discards the run), and the run, resumed, does not replace other settings\' reports', async (t) => {
  const dir = tempDir('classes-resume-');
  const list = await randomFaultList(dir, LENET, 200);
  const args = (out: string) => ['run-campaign', '--model', LENET, '--data', LENET_DATA, '--faults', list, '--inputs', '24', '--out', out];
  // finished shards of another campaign (fewer inputs) to merge
  const small = ['run-campaign', '--model', LENET, '--data', LENET_DATA, '--faults', list, '--inputs', '2'];
  for (const i of [1, 2]) assert.equal(runCli([...small, '--shard', `${i}/2`, '--out', join(dir, `s${i}`)]).code, 0);
  const merge = (out: string, ...extra: string[]) => runCli(['merge', join(dir, 's1'), join(dir, 's2'), '--out', out, ...extra]);

  const out = join(dir, 'unfinished');
  const child = spawn(process.execPath, [BIN, ...args(out), '--workers', '1', '--batch', '1'], { cwd: ROOT, stdio: 'ignore' });
  const exited = new Promise<void>((resolve) => child.on('close', () => resolve()));
  let killed = false;
  for (let i = 0; i < 1500 && child.exitCode === null; i++) {
    if (unitsDone(out) > 0) {
      child.kill('SIGKILL');
      killed = true;
      break;
    }
    await sleep(10);
  }
  await exited;
  if (!killed) {
    t.diagnostic('the run ended before it could be killed; nothing to check');
    return;
  }
  const refused = merge(out);
  assert.equal(refused.code, 2, refused.stderr);
  assert.match(refused.stderr, /holds an unfinished campaign run \(its checkpoint\); merge into another folder, or pass --force to discard that run/);
  assert.equal(existsSync(join(out, 'injections.csv')), false);

  // reports of other settings put beside the checkpoint by hand: the resume refuses to replace them
  const beside = join(dir, 'beside');
  cpSync(out, beside, { recursive: true });
  assert.equal(merge(join(dir, 'merged')).code, 0);
  for (const f of ['injections.csv', 'summary.csv', 'manifest.json']) cpSync(join(dir, 'merged', f), join(beside, f));
  const resumed = runCli(args(beside));
  assert.equal(resumed.code, 2, resumed.stderr);
  assert.match(resumed.stderr, /holds reports of other settings beside this run's checkpoint; move them away, or pass --force/);
  assert.equal(readFileSync(join(beside, 'injections.csv'), 'utf8'), readFileSync(join(dir, 'merged', 'injections.csv'), 'utf8'));

  // merge --force discards the unfinished run
  const forced = merge(out, '--force');
  assert.equal(forced.code, 0, forced.stderr);
  assert.equal(existsSync(join(out, '.checkpoint.json')), false);
  assert.equal(existsSync(join(out, '.injections.csv.part')), false);
  assert.equal(readFileSync(join(out, 'injections.csv'), 'utf8'), readFileSync(join(dir, 'merged', 'injections.csv'), 'utf8'));
});

test('the closing line after a resume gives the time of every attempt and says whose rate it quotes', () => {
  const m = (attempts: number) => ({ shard: null, totals: { runs: 512 }, timing: { elapsedMs: 18_400, attempts, injectionsPerSecond: 40.7, endedAt: 'then' } }) as unknown as Manifest;
  assert.equal(doneLine(m(1), false), '512 injections in 18.4 s, 40.7 per second');
  assert.equal(doneLine(m(2), false), '512 injections in 18.4 s over 2 attempts (the last ran 40.7 per second)');
  assert.equal(doneLine(m(1), true), '512 injections in 18.4 s (an earlier run, ended then), 40.7 per second');
});
