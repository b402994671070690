/**
 * Append-only results with a checkpoint, so that a run killed at any moment (kill -9 included)
 * resumes without losing or repeating a row.
 *
 * In the output folder, while a run is going:
 *   .injections.csv.part   the header and the rows done so far, in plan order
 *   .checkpoint.json       { planKey, shard, unitsDone, bytes, counts, ... }, written atomically
 *                          after the part file was fsynced up to `bytes`
 * The part file may run ahead of the checkpoint (rows written after the last commit); on resume
 * it is truncated back to `bytes` and the run continues at unit `unitsDone`. At the end,
 * summary.csv and manifest.json are written atomically, the part file is renamed to
 * injections.csv, and the checkpoint removed.
 */
import { closeSync, existsSync, statSync, fstatSync, fsyncSync, ftruncateSync, openSync, readFileSync, readSync, renameSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { ClassesError, runtimeError, usageError } from '../errors.js';
import { makeDirs, removeStaleTemps, writeFileAtomic } from '../util/files.js';
import { OutcomeCounts } from '../report/summary.js';

export const INJECTIONS_FILE = 'injections.csv';
export const SUMMARY_FILE = 'summary.csv';
export const MANIFEST_FILE = 'manifest.json';
export const FINAL_FILES = [INJECTIONS_FILE, SUMMARY_FILE, MANIFEST_FILE];
const PART_FILE = '.injections.csv.part';
const CHECKPOINT_FILE = '.checkpoint.json';

/** Whether `out` holds a checkpoint (an unfinished run to resume). */
export function hasCheckpoint(out: string): boolean {
  return existsSync(join(out, CHECKPOINT_FILE));
}

/** Units of work the checkpoint in `out` records as done; 0 when there is none (or it is damaged). */
export function checkpointedUnits(out: string): number {
  const ck = readCheckpoint(join(out, CHECKPOINT_FILE));
  return ck === null || 'damaged' in ck ? 0 : ck.unitsDone;
}

/** Remove an unfinished run's checkpoint and rows (what --force discards). */
export function discardUnfinishedRun(out: string): void {
  rmSync(join(out, CHECKPOINT_FILE), { force: true });
  rmSync(join(out, PART_FILE), { force: true });
}

const FORMAT = 1;

interface CheckpointJson {
  format: number;
  planKey: string;
  shard: string | null;
  unitsDone: number;
  bytes: number;
  counts: unknown;
  /** Wall time spent by earlier attempts, for the manifest. */
  elapsedMs: number;
  attempts: number;
  startedAt: string;
  /** Whatever else the runner must keep across attempts (per-layer facts for the manifest). */
  meta: Record<string, unknown>;
}

export interface OpenOptions {
  out: string;
  /** Hash of everything that decides the report bytes; a checkpoint of another plan is refused. */
  planKey: string;
  /** "i/n" or null. */
  shard: string | null;
  layerCount: number;
  /** Faults (units) this run or shard has: a checkpoint that counts more is damaged. */
  units: number;
  /** Header of the injections file (written once, at a fresh start). */
  header: string;
  force: boolean;
  /** When this attempt started (ISO time): the campaign's start unless a checkpoint has an earlier one. */
  startedAt: string;
}

/** What is wrong with a parsed checkpoint, or null when it is one this version wrote. */
function checkpointProblem(j: unknown): string | null {
  if (typeof j !== 'object' || j === null || Array.isArray(j)) return 'not a JSON object';
  const c = j as Record<string, unknown>;
  const count = (v: unknown): boolean => Number.isSafeInteger(v) && (v as number) >= 0;
  if (c.format !== FORMAT) return `format ${JSON.stringify(c.format)}, expected ${FORMAT}`;
  if (typeof c.planKey !== 'string') return '"planKey" is not a string';
  if (c.shard !== null && (typeof c.shard !== 'string' || !/^\d+\/\d+$/.test(c.shard))) return '"shard" is neither null nor "i/n"';
  if (!count(c.unitsDone)) return '"unitsDone" is not a count';
  if (!count(c.bytes)) return '"bytes" is not a count';
  if (!count(c.attempts) || typeof c.elapsedMs !== 'number' || !(c.elapsedMs >= 0)) return '"attempts" or "elapsedMs" is not a count';
  if (typeof c.startedAt !== 'string') return '"startedAt" is not a string';
  if (typeof c.meta !== 'object' || c.meta === null || Array.isArray(c.meta)) return '"meta" is not a JSON object';
  return null;
}

/** A checkpoint file that exists but that no run of this version wrote as it is. */
interface DamagedCheckpoint {
  damaged: string;
}

function readCheckpoint(path: string): CheckpointJson | DamagedCheckpoint | null {
  if (!existsSync(path)) return null;
  let j: unknown;
  try {
    j = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    return { damaged: `not valid JSON (${(err as Error).message})` };
  }
  const problem = checkpointProblem(j);
  return problem === null ? (j as CheckpointJson) : { damaged: problem };
}

function damagedError(path: string, why: string): ClassesError {
  return runtimeError(`${path} is damaged: ${why}; restore it, or pass --force to start the campaign again (the rows done so far are lost)`);
}

/**
 * True when the part file holds rows, not just the header: rows that a missing checkpoint can
 * no longer vouch for. A run killed between writing the header and its first commit leaves a
 * header alone, which is safe to start over.
 */
function partHoldsRows(path: string): boolean {
  if (!existsSync(path)) return false;
  const head = Buffer.alloc(64 * 1024);
  const fd = openSync(path, 'r');
  try {
    const n = readSync(fd, head, 0, head.length, 0);
    if (n === head.length) return true;
    const firstNewline = head.indexOf(10);
    return firstNewline >= 0 && firstNewline < n - 1;
  } finally {
    closeSync(fd);
  }
}

/**
 * What the output folder holds for this run: none of its results (`fresh`), its own unfinished
 * run (`resume`), or its own finished reports (`done`: same plan key and shard in manifest.json,
 * so a new run would write the same bytes; batch jobs retried after a success rely on this).
 */
export type OutputState = 'fresh' | 'resume' | 'done';

/** planKey and shard of a finished run's manifest.json, or null when it is not readable as one. */
function finishedRunKey(out: string): { planKey: string; shard: string | null } | null {
  try {
    const m = JSON.parse(readFileSync(join(out, MANIFEST_FILE), 'utf8')) as { planKey?: unknown; shard?: unknown };
    if (typeof m.planKey !== 'string' || (m.shard !== null && typeof m.shard !== 'string')) return null;
    return { planKey: m.planKey, shard: m.shard };
  } catch {
    return null;
  }
}

/**
 * Fail early, before any work, when the output folder holds results that this run may not
 * replace; otherwise say what it holds. Writes nothing.
 */
export function checkOutputFolder(opts: Omit<OpenOptions, 'header' | 'layerCount' | 'units' | 'startedAt'>): OutputState {
  if (existsSync(opts.out) && !statSync(opts.out).isDirectory()) throw usageError(`--out ${opts.out} is a file; give a folder for the reports`);
  if (opts.force) return 'fresh';
  const ckPath = join(opts.out, CHECKPOINT_FILE);
  const ck = readCheckpoint(ckPath);
  if (ck !== null && 'damaged' in ck) throw damagedError(ckPath, ck.damaged);
  if (ck) {
    if (ck.planKey !== opts.planKey || ck.shard !== opts.shard) {
      throw usageError(`${opts.out} holds an unfinished run of different settings; pass --force to discard it or choose another --out`);
    }
    // Our own unfinished run. Reports beside it are its own (a run stopped between writing them
    // and removing the checkpoint) or were put there since (a merge): those a resume must not replace.
    const present = FINAL_FILES.filter((f) => existsSync(join(opts.out, f)));
    const key = present.length > 0 ? finishedRunKey(opts.out) : null;
    if (present.length > 0 && (key === null || key.planKey !== opts.planKey || key.shard !== opts.shard)) {
      throw usageError(`${join(opts.out, present[0])} holds reports of other settings beside this run's checkpoint; move them away, or pass --force to start the campaign again`);
    }
    return 'resume';
  }
  if (partHoldsRows(join(opts.out, PART_FILE))) {
    throw usageError(`${join(opts.out, PART_FILE)} holds rows of an unfinished run whose checkpoint ${CHECKPOINT_FILE} is missing; restore the checkpoint, or pass --force to start the campaign again`);
  }
  const present = FINAL_FILES.filter((f) => existsSync(join(opts.out, f)));
  if (present.length === FINAL_FILES.length) {
    const key = finishedRunKey(opts.out);
    if (key !== null && key.planKey === opts.planKey && key.shard === opts.shard) return 'done';
  }
  if (present.length > 0) throw usageError(`${join(opts.out, present[0])} already exists; pass --force to overwrite it or choose another --out`);
  return 'fresh';
}

export class ResultStore {
  readonly out: string;
  /** Units whose rows are appended (committed ones after a resume, then more). */
  unitsDone: number;
  readonly counts: OutcomeCounts;
  /** Wall time of earlier attempts. */
  readonly elapsedBeforeMs: number;
  /** 1 for a fresh run, then one more per resume. */
  readonly attempts: number;
  readonly startedAt: string;
  readonly resumed: boolean;
  /** Saved with every commit and restored on resume. */
  meta: Record<string, unknown>;
  private readonly planKey: string;
  private readonly shard: string | null;
  private readonly partPath: string;
  private readonly ckptPath: string;
  private fd: number | null = null;
  private bytes: number;

  private constructor(o: OpenOptions, ck: CheckpointJson | null, counts: OutcomeCounts) {
    this.out = o.out;
    this.planKey = o.planKey;
    this.shard = o.shard;
    this.partPath = join(o.out, PART_FILE);
    this.ckptPath = join(o.out, CHECKPOINT_FILE);
    this.resumed = ck !== null;
    this.unitsDone = ck?.unitsDone ?? 0;
    this.bytes = ck?.bytes ?? 0;
    this.elapsedBeforeMs = ck?.elapsedMs ?? 0;
    this.attempts = (ck?.attempts ?? 0) + 1;
    this.startedAt = ck?.startedAt ?? o.startedAt;
    this.counts = counts;
    this.meta = ck?.meta ?? {};
  }

  /** Start fresh or resume, as the output folder dictates (see checkOutputFolder). */
  static open(o: OpenOptions): ResultStore {
    // A finished run is the runner's to report (runner.ts); the store never writes over one.
    if (checkOutputFolder(o) === 'done') throw usageError(`${o.out} already holds the finished reports of this run; pass --force to run it again`);
    try {
      makeDirs(o.out);
    } catch (err) {
      throw runtimeError(`cannot create output directory ${o.out}: ${(err as Error).message}`);
    }
    removeStaleTemps(o.out, [...FINAL_FILES, CHECKPOINT_FILE]);
    const partPath = join(o.out, PART_FILE);
    const ckPath = join(o.out, CHECKPOINT_FILE);
    const read = o.force ? null : readCheckpoint(ckPath);
    // checkOutputFolder refused damaged checkpoints and those of other runs.
    const ck = read === null || 'damaged' in read || read.planKey !== o.planKey || read.shard !== o.shard ? null : read;
    let counts = new OutcomeCounts(o.layerCount);
    if (ck) {
      if (ck.unitsDone > o.units) throw damagedError(ckPath, `it counts ${ck.unitsDone} faults done of the ${o.units} this run has`);
      if (ck.bytes < Buffer.byteLength(o.header)) throw damagedError(ckPath, `"bytes" (${ck.bytes}) is shorter than the header of ${INJECTIONS_FILE}`);
      try {
        counts = OutcomeCounts.fromJSON(ck.counts, o.layerCount);
      } catch (err) {
        throw damagedError(ckPath, `its outcome counts do not fit this run (${(err as Error).message})`);
      }
    }
    const store = new ResultStore(o, ck, counts);
    try {
      if (ck) {
        if (existsSync(partPath)) {
          store.fd = openSync(partPath, 'r+');
          const size = fstatSync(store.fd).size;
          if (size < ck.bytes) throw runtimeError(`${partPath} is shorter than its checkpoint says; pass --force to start the campaign again`);
          ftruncateSync(store.fd, ck.bytes);
        } else if (!existsSync(join(o.out, INJECTIONS_FILE))) {
          throw runtimeError(`${partPath} is missing though the checkpoint refers to it; pass --force to start the campaign again`);
        }
        // else: the previous attempt was killed while finishing; only the last steps remain
        // Count this attempt now, so that one killed before its first commit counts too.
        store.commit();
      } else {
        rmSync(partPath, { force: true });
        store.fd = openSync(partPath, 'w');
        const head = Buffer.from(o.header, 'utf8');
        writeSync(store.fd, head, 0, head.length, 0);
        store.bytes = head.length;
        store.commit();
      }
    } catch (err) {
      store.close();
      if (err instanceof ClassesError) throw err;
      throw runtimeError(`cannot write in ${o.out}: ${(err as Error).message}`);
    }
    return store;
  }

  /**
   * Rows committed so far, counted in the files: for a checkpoint whose `meta` does not carry
   * the count (written before the manifest had `totals.rows`).
   */
  rowsSoFar(): number {
    const path = this.fd !== null ? this.partPath : join(this.out, INJECTIONS_FILE);
    const end = this.fd !== null ? this.bytes : Infinity;
    const fd = openSync(path, 'r');
    try {
      const buf = Buffer.alloc(1 << 20);
      let lines = 0;
      for (let pos = 0; pos < end; ) {
        const n = readSync(fd, buf, 0, Math.min(buf.length, end - pos), pos);
        if (n === 0) break;
        for (let i = 0; i < n; i++) if (buf[i] === 10) lines++;
        pos += n;
      }
      return Math.max(0, lines - 1); // the header
    } finally {
      closeSync(fd);
    }
  }

  /** Whether rows are still to be written (false when only the final steps were left). */
  get writable(): boolean {
    return this.fd !== null;
  }

  /** Append the rows of `units` more units (their counts must already be added to `counts`). */
  append(text: string, units: number): void {
    if (this.fd === null) throw new Error('ResultStore.append without an open part file');
    if (text.length > 0) {
      const buf = Buffer.from(text, 'utf8');
      let off = 0;
      while (off < buf.length) off += writeSync(this.fd, buf, off, buf.length - off, this.bytes + off);
      this.bytes += buf.length;
    }
    this.unitsDone += units;
  }

  /** Make everything appended so far durable: fsync the rows, then replace the checkpoint. */
  commit(elapsedMs = 0): void {
    if (this.fd !== null) fsyncSync(this.fd);
    const ck: CheckpointJson = {
      format: FORMAT,
      planKey: this.planKey,
      shard: this.shard,
      unitsDone: this.unitsDone,
      bytes: this.bytes,
      counts: this.counts.toJSON(),
      elapsedMs: this.elapsedBeforeMs + elapsedMs,
      attempts: this.attempts,
      startedAt: this.startedAt,
      meta: this.meta,
    };
    writeFileAtomic(this.ckptPath, JSON.stringify(ck));
  }

  /** Write the reports and retire the part file and the checkpoint. */
  finish(summaryCsv: string, manifestJson: string): void {
    if (this.fd !== null) {
      fsyncSync(this.fd);
      closeSync(this.fd);
      this.fd = null;
    }
    writeFileAtomic(join(this.out, SUMMARY_FILE), summaryCsv);
    writeFileAtomic(join(this.out, MANIFEST_FILE), manifestJson);
    if (existsSync(this.partPath)) {
      try {
        renameSync(this.partPath, join(this.out, INJECTIONS_FILE));
      } catch (err) {
        throw runtimeError(`cannot write ${join(this.out, INJECTIONS_FILE)}: ${(err as Error).message}`);
      }
    }
    rmSync(this.ckptPath, { force: true });
  }

  /** Close without finishing (on error or interruption); the checkpoint stays for a resume. */
  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }
}
