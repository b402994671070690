/**
 * One run at a time per output folder. Two runs of the same campaign started into one folder
 * (a job submitted twice, a retry while the first attempt still runs) would otherwise both
 * "resume" the same checkpoint and append to the same part file under each other.
 *
 * The lock is a file created exclusively in the folder, naming its holder. A run killed with
 * SIGKILL leaves it behind; the next run takes it over when the holder is gone: a process that
 * no longer exists on this host, or, from another host (a shared file system, a job requeued on
 * another node), a lock whose holder stopped refreshing it for STALE_MS.
 */
import { closeSync, openSync, readFileSync, rmSync, statSync, utimesSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import { runtimeError, usageError } from '../errors.js';
import { makeDirs } from '../util/files.js';

export const LOCK_FILE = '.lock';
/** How often the holder refreshes the lock's modification time. */
const HEARTBEAT_MS = 10_000;
/** A lock not refreshed for this long has lost its holder. */
export const STALE_MS = 120_000;

interface Holder {
  pid: number;
  host: string;
  started: string;
  /**
   * The holder's start time as the kernel counts it (/proc/PID/stat, Linux), so that another
   * process that got the same pid later (a restarted container's pid 1, say) is not taken for it.
   */
  ticks?: string;
}

export interface OutputLock {
  release(): void;
}

/** Locks held by this process, released on a normal exit and by releaseHeldLocks(). */
const held = new Set<string>();
process.on('exit', releaseHeldLocks);

/**
 * Remove every lock this process holds. For a signal handler that ends the process by raising
 * the signal again, which skips the 'exit' event.
 */
export function releaseHeldLocks(): void {
  for (const p of held) rmSync(p, { force: true });
  held.clear();
}

/**
 * Fields 3 (state) and 22 (start time in clock ticks since boot) of /proc/PID/stat, or undefined
 * off Linux or when the process is gone.
 */
function procStat(pid: number): { state: string; ticks: string } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) is in parentheses and may hold spaces: count from after it.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { state: fields[0], ticks: fields[19] };
  } catch {
    return undefined;
  }
}

function startTicks(pid: number): string | undefined {
  return procStat(pid)?.ticks;
}

function readHolder(path: string): Holder | null {
  try {
    const h = JSON.parse(readFileSync(path, 'utf8')) as Partial<Holder>;
    if (typeof h.pid !== 'number' || typeof h.host !== 'string') return null;
    return { pid: h.pid, host: h.host, started: String(h.started ?? '?'), ...(typeof h.ticks === 'string' ? { ticks: h.ticks } : {}) };
  } catch {
    return null; // half written, or not ours: judged by its age alone
  }
}

function alive(pid: number): boolean {
  // A killed process whose parent has not reaped it yet is a zombie: it still answers signal 0,
  // but it holds nothing. Parents that never reap are common where a shell or a script runs as a
  // container's pid 1.
  const state = procStat(pid)?.state;
  if (state === 'Z' || state === 'X') return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'; // exists, owned by someone else
  }
}

/** Whether the lock at `path` still has a live holder. */
function stillHeld(path: string, holder: Holder | null, now: number): boolean {
  // On this host the holder's process says it all (a run busy for minutes in one long model
  // run does not refresh the lock meanwhile); from another host only the lock's age can. A lock
  // naming this very process, which does not hold it, was left by an earlier process that had
  // the same pid (in a container, every run may be pid 1).
  if (holder !== null && holder.host === hostname()) {
    if (holder.pid <= 0 || holder.pid === process.pid || !alive(holder.pid)) return false;
    return holder.ticks === undefined || holder.ticks === startTicks(holder.pid);
  }
  try {
    return now - statSync(path).mtimeMs < STALE_MS;
  } catch {
    return false; // removed meanwhile
  }
}

/** Someone else's lock, and, when its holder is on another host, the lock's last refresh. */
interface Busy {
  message: string;
  foreign: { mtimeMs: number } | null;
}

/** Take the lock of folder `out` (made if missing), or fail with who holds it. */
export function lockOutput(out: string, now = Date.now()): OutputLock {
  const r = tryLock(out, now);
  if ('message' in r) throw usageError(r.message);
  return r;
}

/** A lock from another host is watched at least this long, a heartbeat and some, before it is taken over. */
const WATCH_MS = HEARTBEAT_MS + 5_000;

/**
 * lockOutput, except that a lock from another host (or one that cannot be read) is watched
 * instead of judged by its age at once: if its holder refreshes it, the holder is alive and the
 * run is refused; if it goes unrefreshed until two minutes after its last refresh, and for at
 * least WATCH_MS of watching, it is taken over. A pod or job restarted on another node after its
 * run was killed (SIGKILL leaves the lock behind) thus resumes instead of failing, and the other
 * host's clock matters only within those bounds: a lock dated in the future is watched for at
 * most two minutes, and a live holder whose clock runs behind is seen refreshing its lock.
 * `pollMs` and `watchMs` are for tests.
 */
export async function acquireOutputLock(out: string, opts: { onWait?: (message: string) => void; pollMs?: number; watchMs?: number } = {}): Promise<OutputLock> {
  const path = resolve(out, LOCK_FILE);
  for (;;) {
    const r = tryLock(out, Date.now(), true);
    if (!('message' in r)) return r;
    if (r.foreign === null) throw usageError(r.message);
    const seen = r.foreign.mtimeMs;
    const firstSeen = Date.now();
    // By this host's clock; the other host's may be off, so the age only shortens the watch.
    const apparentAge = Math.max(0, firstSeen - seen);
    const age = Math.min(STALE_MS, apparentAge);
    const deadline = firstSeen + Math.max(opts.watchMs ?? WATCH_MS, STALE_MS - age);
    opts.onWait?.(`${out} is locked by a run on another host, last refreshed ${Math.round(apparentAge / 1000)} s ago by its clock; watching the lock for up to ${Math.ceil((deadline - firstSeen) / 1000)} s to see whether that run is alive`);
    let stale = false;
    for (;;) {
      await new Promise((done) => setTimeout(done, Math.max(1, Math.min(opts.pollMs ?? 1000, deadline - Date.now()))));
      const mtimeMs = lockMtime(path);
      if (mtimeMs === null) break; // released meanwhile: try again
      if (mtimeMs !== seen) {
        if (readHolder(path)?.host === hostname()) break; // taken by a run on this host meanwhile: judge that one
        throw usageError(r.message); // refreshed: its holder is alive
      }
      if (Date.now() >= deadline) {
        stale = true;
        break;
      }
    }
    // Not refreshed for long enough: its holder is gone. Removed only if it is still that lock.
    if (stale && lockMtime(path) === seen) rmSync(path, { force: true });
  }
}

/**
 * Take the lock, or say who holds it. With `watchForeign`, a lock from another host, or one that
 * cannot be read, is reported with its modification time whatever its age, for the caller to
 * watch (acquireOutputLock); without, it is judged by its age.
 */
function tryLock(out: string, now: number, watchForeign = false): OutputLock | Busy {
  const path = resolve(out, LOCK_FILE);
  try {
    makeDirs(out);
  } catch (err) {
    // The same words as the result store's (checkpoint.ts), which made the folder before the lock did.
    throw runtimeError(`cannot create output directory ${out}: ${(err as Error).message}`);
  }
  for (let attempt = 0; attempt < 3; attempt++) {
    let fd: number;
    try {
      fd = openSync(path, 'wx');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw runtimeError(`cannot write ${path} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); choose another --out`);
      const holder = readHolder(path);
      const who = holder === null ? 'another run' : `another classes run (pid ${holder.pid} on ${holder.host}, since ${holder.started})`;
      const message = `${out} is being written by ${who}; wait for it to finish, or choose another --out (if no run is writing there, delete ${path})`;
      if (watchForeign && !held.has(path) && (holder === null || holder.host !== hostname())) {
        const mtimeMs = lockMtime(path);
        if (mtimeMs === null) continue; // removed meanwhile
        return { message, foreign: { mtimeMs } };
      }
      if (held.has(path) || stillHeld(path, holder, now)) return { message, foreign: null };
      rmSync(path, { force: true }); // its holder is gone (killed): take it over
      continue;
    }
    try {
      const ticks = startTicks(process.pid);
      writeSync(fd, JSON.stringify({ pid: process.pid, host: hostname(), started: new Date(now).toISOString(), ...(ticks === undefined ? {} : { ticks }) } satisfies Holder) + '\n');
    } finally {
      closeSync(fd);
    }
    held.add(path);
    const timer = setInterval(() => {
      try {
        const t = new Date();
        utimesSync(path, t, t);
      } catch {
        // The folder went away; the run itself will say so when it writes.
      }
    }, HEARTBEAT_MS);
    timer.unref();
    let released = false;
    return {
      release(): void {
        if (released) return;
        released = true;
        clearInterval(timer);
        held.delete(path);
        rmSync(path, { force: true });
      },
    };
  }
  throw usageError(`${out}: another run took the lock ${LOCK_FILE} at the same moment; run again`);
}

function lockMtime(path: string): number | null {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return null;
  }
}
