import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { LOCK_FILE, STALE_MS, acquireOutputLock, lockOutput } from '../../src/campaign/out-lock.js';
import { ClassesError } from '../../src/errors.js';
import { runCli } from '../helpers.js';
import { LENET, LENET_DATA, randomFaultList, tempDir } from './fixtures.js';

const held = (err: unknown) => err instanceof ClassesError && err.exitCode === 2 && /is being written by/.test(err.message);

/** The pid of a process that has exited. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(r.stdout);
}

function age(path: string, ms: number): void {
  const t = new Date(Date.now() - ms);
  utimesSync(path, t, t);
}

test('one lock per output folder: a second taker is refused with who holds it; released, it can be taken again', () => {
  const dir = join(tempDir('classes-lock-'), 'out');
  const lock = lockOutput(dir);
  const path = join(dir, LOCK_FILE);
  assert.deepEqual(JSON.parse(readFileSync(path, 'utf8')).pid, process.pid);
  assert.throws(() => lockOutput(dir), (err: unknown) => held(err) && new RegExp(`pid ${process.pid} on ${hostname()}`).test((err as Error).message));
  lock.release();
  assert.equal(existsSync(path), false);
  lock.release(); // twice is harmless
  lockOutput(dir).release();
});

test('a lock whose holder is gone is taken over: a dead process on this host, or an old lock from another host', () => {
  const dir = tempDir('classes-lock-');
  const path = join(dir, LOCK_FILE);
  writeFileSync(path, JSON.stringify({ pid: deadPid(), host: hostname(), started: 'then' }));
  lockOutput(dir).release();
  // another host: held while fresh, taken over once not refreshed for STALE_MS
  writeFileSync(path, JSON.stringify({ pid: process.pid, host: `not-${hostname()}`, started: 'then' }));
  assert.throws(() => lockOutput(dir), held);
  age(path, STALE_MS + 1000);
  lockOutput(dir).release();
  // a lock that cannot be read is judged by its age alone
  writeFileSync(path, 'garbage');
  assert.throws(() => lockOutput(dir), (err: unknown) => held(err) && /another run;/.test((err as Error).message));
  age(path, STALE_MS + 1000);
  lockOutput(dir).release();
  // a live process on this host holds it however old the lock is
  const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
  try {
    writeFileSync(path, JSON.stringify({ pid: child.pid, host: hostname(), started: 'then' }));
    age(path, 10 * STALE_MS);
    assert.throws(() => lockOutput(dir), held);
    // unless it started after the lock was taken: another process that got the holder's pid
    writeFileSync(path, JSON.stringify({ pid: child.pid, host: hostname(), started: 'then', ticks: '1' }));
    lockOutput(dir).release();
  } finally {
    child.kill();
  }
  // a lock naming this process, which does not hold it, is an earlier process's with the same
  // pid (a restarted container's pid 1); pids 0 and -1 name no holder
  for (const pid of [process.pid, 0, -1]) {
    writeFileSync(path, JSON.stringify({ pid, host: hostname(), started: 'then' }));
    lockOutput(dir).release();
  }
});

test('a killed holder that its parent has not reaped yet (a zombie) holds nothing: its lock is taken over at once', { skip: process.platform !== 'linux' && 'zombies are read from /proc, Linux only' }, async () => {
  const dir = tempDir('classes-lock-');
  const path = join(dir, LOCK_FILE);
  // The shell starts a background sleep and becomes a sleep that never reaps it; killing the
  // background one leaves a zombie, as a run killed under a shell that is a container's pid 1 does.
  const parent = spawn('sh', ['-c', 'sleep 60 & echo $!; exec sleep 61'], { stdio: ['ignore', 'pipe', 'ignore'] });
  try {
    const pid = Number(await new Promise<string>((done) => parent.stdout.once('data', (d: Buffer) => done(d.toString()))));
    writeFileSync(path, JSON.stringify({ pid, host: hostname(), started: 'then' }));
    assert.throws(() => lockOutput(dir), held); // alive: held
    process.kill(pid, 'SIGKILL');
    for (let i = 0; i < 100 && readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1][0] !== 'Z'; i++) await new Promise((r) => setTimeout(r, 20));
    assert.equal(readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1][0], 'Z');
    lockOutput(dir).release();
  } finally {
    parent.kill('SIGKILL');
  }
});

test('a lock from another host is watched, not judged by its age at once: taken over once stale, refused when its holder refreshes it, whatever that host\'s clock says', async () => {
  const dir = tempDir('classes-lock-');
  const path = join(dir, LOCK_FILE);
  const foreign = JSON.stringify({ pid: 4242, host: `not-${hostname()}`, started: 'then' });
  const fast = { pollMs: 50, watchMs: 300 };
  // a killed run's lock, 1.5 s short of stale: waited out, then taken over (a pod restarted on another node)
  writeFileSync(path, foreign);
  age(path, STALE_MS - 1500);
  const waits: string[] = [];
  const t0 = Date.now();
  const lock = await acquireOutputLock(dir, { ...fast, onWait: (m) => waits.push(m) });
  assert.ok(Date.now() - t0 >= 1000, 'took the lock before it was stale');
  assert.equal(JSON.parse(readFileSync(path, 'utf8')).pid, process.pid);
  assert.equal(waits.length, 1);
  assert.match(waits[0], /locked by a run on another host, last refreshed 11\d s ago by its clock; watching the lock for up to \d+ s/);
  lock.release();
  // long stale, and a lock that cannot be read: taken over after watching it for a while
  for (const content of [foreign, 'garbage']) {
    writeFileSync(path, content);
    age(path, 10 * STALE_MS);
    const t1 = Date.now();
    (await acquireOutputLock(dir, fast)).release();
    assert.ok(Date.now() - t1 >= 250, 'took a stale lock without watching it');
  }
  // a live holder refreshes its lock: refused as soon as the refresh is seen, even when its clock
  // is minutes behind ours (its lock looks stale by our clock)
  for (const behind of [5000, 5 * STALE_MS]) {
    writeFileSync(path, foreign);
    age(path, behind);
    const refresh = setTimeout(() => age(path, behind - 1000), 100);
    await assert.rejects(acquireOutputLock(dir, { pollMs: 50, watchMs: 5000 }), held);
    clearTimeout(refresh);
    assert.equal(JSON.parse(readFileSync(path, 'utf8')).pid, 4242);
  }
  // a lock dated in the future (the other host's clock is ahead) is watched for two minutes at
  // most, not until its date; here its holder releases it meanwhile
  writeFileSync(path, foreign);
  age(path, -3_600_000);
  const future: string[] = [];
  const pending = acquireOutputLock(dir, { pollMs: 50, onWait: (m) => future.push(m) });
  setTimeout(() => rmSync(path, { force: true }), 200);
  (await pending).release();
  assert.match(future[0], new RegExp(`last refreshed 0 s ago by its clock; watching the lock for up to ${STALE_MS / 1000} s`));
  // on this host there is nothing to wait for: a live holder is refused at once
  const mine = lockOutput(dir + '-2');
  await assert.rejects(acquireOutputLock(dir + '-2'), held);
  mine.release();
});

test('run-campaign into a folder another run is writing: exit 2 before writing; a finished run leaves no lock', async () => {
  const dir = tempDir('classes-lock-cli-');
  const list = await randomFaultList(dir, LENET, 3);
  const out = join(dir, 'out');
  const lock = lockOutput(out);
  const args = ['run-campaign', '--model', LENET, '--data', LENET_DATA, '--faults', list, '--inputs', '2', '--out', out];
  const r = runCli(args);
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr.trim(), new RegExp(`is being written by another classes run \\(pid ${process.pid} on `));
  assert.equal(r.stderr.trim().split('\n').length, 1);
  assert.equal(existsSync(join(out, '.checkpoint.json')), false);
  lock.release();
  const ok = runCli(args);
  assert.equal(ok.code, 0, ok.stderr);
  assert.equal(existsSync(join(out, 'injections.csv')), true);
  assert.equal(existsSync(join(out, LOCK_FILE)), false);
});
