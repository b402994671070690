import { accessSync, constants as fsConstants, existsSync, mkdirSync, realpathSync, readdirSync, renameSync, rmSync, writeFileSync, openSync, fsyncSync, closeSync, readFileSync, statSync } from 'node:fs';
import { dirname, basename, join, resolve, sep } from 'node:path';
import { randomBytes } from 'node:crypto';
import { runtimeError, usageError } from '../errors.js';

/**
 * mkdir -p, one level at a time. Node's own recursive mkdirSync spins forever, deaf to signals,
 * where mkdir of a missing child fails with ENOENT under a parent that exists (/proc, sysfs and
 * some FUSE file systems); made level by level, that is one error at once.
 */
export function makeDirs(dir: string): void {
  const missing: string[] = [];
  let d = resolve(dir);
  while (!existsSync(d)) {
    missing.push(d);
    const up = dirname(d);
    if (up === d) break;
    d = up;
  }
  if (missing.length === 0 && !statSync(d).isDirectory()) throw new Error(`${d} exists and is not a directory`);
  for (const m of missing.reverse()) {
    try {
      mkdirSync(m);
    } catch (err) {
      // Another process may have made it in between.
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || !statSync(m).isDirectory()) throw err;
    }
  }
}

/** Refuse to replace an existing output unless the user said --force; a folder is never replaced. */
export function refuseExisting(path: string, force: boolean, flagHint = '--force'): void {
  if (path.endsWith('/') || path.endsWith(sep)) throw usageError(`${path} ends with a slash, so it names a folder; give the path of a file to write`);
  if (!existsSync(path)) return;
  if (statSync(path).isDirectory()) throw usageError(`${path} is a folder; give the path of a file to write`);
  if (!force) throw usageError(`${path} already exists; pass ${flagHint} to overwrite it or choose another output path`);
}

/**
 * Refuse to replace an existing output unless the user said --force. Called before any work
 * starts, so that a long run never ends by failing to write its result.
 */
export function assertWritable(path: string, force: boolean, flagHint = '--force'): void {
  refuseExisting(path, force, flagHint);
  const dir = dirname(path);
  try {
    makeDirs(dir);
  } catch (err) {
    throw runtimeError(`cannot create output directory ${dir}: ${(err as Error).message}`);
  }
  // Found now, not after the work: the file is written (temp file, then rename) only at the end.
  try {
    accessSync(dir, fsConstants.W_OK | fsConstants.X_OK);
  } catch (err) {
    const why = (err as NodeJS.ErrnoException).code === 'EROFS' ? 'a read-only file system' : 'permission denied';
    throw runtimeError(`cannot write in ${dir} (${why}); choose another output path or make the folder writable`);
  }
}

/**
 * True when paths a and b name the same file: the same path, links to one file, or (for files
 * not written yet) the same name in one folder reached through different links.
 */
export function sameFile(a: string, b: string): boolean {
  if (resolve(a) === resolve(b)) return true;
  try {
    const sa = statSync(a);
    const sb = statSync(b);
    return sa.dev === sb.dev && sa.ino === sb.ino;
  } catch {
    return canonicalPath(a) === canonicalPath(b);
  }
}

/** The real path of p's folder joined with p's name; resolve(p) where the folder does not exist. */
function canonicalPath(p: string): string {
  try {
    return join(realpathSync(dirname(resolve(p))), basename(p));
  } catch {
    return resolve(p);
  }
}

/** Temporary files of writeFileAtomic: `.NAME.PID.HEX.tmp`. */
const TEMP_FILE = /^\.(.+)\.(\d+)\.[0-9a-f]{8}\.tmp$/;

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Remove the temporary files that writers of the files `names` killed between write and rename
 * (kill -9) left in `dir`; those of a process still running are its own business. Returns how
 * many went.
 */
export function removeStaleTemps(dir: string, names: readonly string[]): number {
  const ours = new Set(names);
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return 0;
  }
  let removed = 0;
  for (const name of entries) {
    const m = TEMP_FILE.exec(name);
    if (m === null || !ours.has(m[1])) continue;
    const pid = Number(m[2]);
    if (pid === process.pid || processAlive(pid)) continue;
    rmSync(join(dir, name), { force: true });
    removed++;
  }
  return removed;
}

/**
 * Write a file atomically: write a temporary sibling, fsync it, then rename over the target.
 * A crash leaves either the old file or the new one, never a partial file.
 */
export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  const dir = dirname(path);
  try {
    makeDirs(dir);
  } catch (err) {
    throw runtimeError(`cannot create output directory ${dir}: ${(err as Error).message}`);
  }
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    const fd = openSync(tmp, 'w');
    try {
      writeFileSync(fd, data);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw runtimeError(`cannot write ${path}: ${(err as Error).message}`);
  }
}

/** Read a file the user named, turning "not found" and friends into a one-line error. */
export function readUserFile(path: string, what: string): Buffer {
  let st;
  try {
    st = statSync(path);
  } catch {
    throw usageError(`${what} ${path} does not exist; check the path`);
  }
  if (st.isDirectory()) throw usageError(`${what} ${path} is a directory, expected a file`);
  // A device (/dev/zero) would never end. Pipes stay allowed: process substitution, <(...), is one.
  if (st.isCharacterDevice() || st.isBlockDevice()) throw usageError(`${what} ${path} is a device, not a file; save the data to a file and give that`);
  try {
    return readFileSync(path);
  } catch (err) {
    throw runtimeError(`cannot read ${what} ${path}: ${(err as Error).message}`);
  }
}
