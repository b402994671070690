/**
 * `classes models pull`: fetch a pinned model set into the user cache. Every file is checked
 * against its pinned SHA-256; the set is downloaded into a temporary folder next to its final
 * place and renamed into place only when all files are good, so a failure (offline, a bad
 * byte, Ctrl-C) never leaves a partial set behind.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { runtimeError, usageError } from '../errors.js';
import { makeDirs } from '../util/files.js';
import { sha256Hex } from '../util/hash.js';
import { cacheDir, modelSetDir } from './cache-dir.js';
import { findModelSet, MODEL_SETS, type ModelSet, type PinnedFile } from './sets.js';

export interface PullOptions {
  /** Replaces the set's default base URL (a mirror, or a local server in tests). */
  baseUrl?: string;
  /** Cache folder; default cacheDir(). */
  cache?: string;
  /** Download again even if a valid copy is present. */
  force?: boolean;
  /** Per-file timeout; default 60 s. */
  timeoutMs?: number;
  /** Called after each file is downloaded and verified. */
  onFile?: (done: number, total: number) => void;
}

export interface PullResult {
  set: string;
  dir: string;
  files: number;
  /** false when a valid copy was already there and nothing was fetched */
  downloaded: boolean;
  source: string;
  license: string;
}

export function requireModelSet(name: string): ModelSet {
  const set = findModelSet(name);
  if (!set) throw usageError(`unknown model set ${name}; known sets: ${MODEL_SETS.map((s) => s.name).join(', ')}`);
  return set;
}

/** Which files of a set are missing or differ from their pinned hash in `dir`. */
export function checkModelSet(set: ModelSet, dir: string): { missing: string[]; mismatched: string[] } {
  const missing: string[] = [];
  const mismatched: string[] = [];
  for (const f of set.files) {
    const p = join(dir, f.path);
    if (!existsSync(p)) missing.push(f.path);
    else if (sha256Hex(readFileSync(p)) !== f.sha256) mismatched.push(f.path);
  }
  return { missing, mismatched };
}

/**
 * The state of a set in the cache, as `models list` shows it and `models path` requires it:
 * every file present and matching its pinned SHA-256, or not. One check for both commands, so
 * `path` never hands out a folder that `list` calls modified.
 */
export interface ModelSetState {
  state: 'not pulled' | 'ok' | 'incomplete or modified';
  missing: string[];
  mismatched: string[];
}

export function modelSetState(set: ModelSet, dir: string): ModelSetState {
  if (!existsSync(dir)) return { state: 'not pulled', missing: set.files.map((f) => f.path), mismatched: [] };
  const { missing, mismatched } = checkModelSet(set, dir);
  return { state: missing.length + mismatched.length === 0 ? 'ok' : 'incomplete or modified', missing, mismatched };
}

function fileUrl(set: ModelSet, base: string, f: PinnedFile): string {
  return `${base.replace(/\/+$/, '')}/${set.upstreamPrefix}${f.path}`;
}

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'ECONNRESET', 'ENETUNREACH', 'EHOSTUNREACH', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_SOCKET']);

/** The errno-like code buried in a fetch failure, if any. */
function networkCode(err: unknown): string | undefined {
  for (let e: unknown = err, depth = 0; e && depth < 5; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

async function download(url: string, timeoutMs: number, set: ModelSet, dir: string, defaultSource: boolean): Promise<Uint8Array> {
  let res: Response;
  try {
    res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), redirect: 'follow' });
  } catch (err) {
    const code = networkCode(err) ?? ((err as Error).name === 'TimeoutError' ? 'timed out' : undefined);
    const host = (() => {
      try {
        return new URL(url).host;
      } catch {
        return url;
      }
    })();
    const cause = (err as { cause?: unknown }).cause;
    const why = code && (NETWORK_CODES.has(code) || code === 'timed out') ? code : cause instanceof Error ? cause.message : (err as Error).message;
    throw runtimeError(
      `cannot download the ${set.name} models: ${host} is unreachable (${why}). ` +
        (defaultSource
          ? `You seem to be offline: connect to the internet and retry, pass --url with a reachable mirror, or place the files in ${dir} yourself`
          : `Check that --url names a reachable mirror, or place the files in ${dir} yourself`),
      err,
    );
  }
  if (!res.ok) throw runtimeError(`cannot download ${url}: HTTP ${res.status} ${res.statusText}; check --url or retry later`);
  return new Uint8Array(await res.arrayBuffer());
}

/** Downloads and verifies a model set into the cache; see the module comment. */
export async function pullModelSet(name: string, opts: PullOptions = {}): Promise<PullResult> {
  const set = requireModelSet(name);
  const cache = opts.cache ?? cacheDir();
  const dir = modelSetDir(set.name, cache);
  const base = opts.baseUrl ?? set.defaultBaseUrl;
  let protocol = '';
  try {
    protocol = new URL(base).protocol;
  } catch {
    // reported below
  }
  if (protocol !== 'http:' && protocol !== 'https:') throw usageError(`--url ${base} is not an http(s) URL; give a base such as https://mirror.example/classes-pytorch`);
  const result = { set: set.name, dir, files: set.files.length, source: base, license: set.license };
  if (!opts.force && existsSync(dir)) {
    const { missing, mismatched } = checkModelSet(set, dir);
    if (missing.length === 0 && mismatched.length === 0) return { ...result, downloaded: false };
  }

  const parent = dirname(dir);
  // A failed first pull leaves no empty cache folder behind.
  const parentWasThere = existsSync(parent);
  const removeEmptyParent = (): void => {
    if (parentWasThere) return;
    try {
      if (readdirSync(parent).length === 0) rmdirSync(parent);
    } catch {
      // not ours to tidy any more
    }
  };
  try {
    makeDirs(parent);
  } catch (err) {
    throw runtimeError(`cannot create the cache folder ${parent}: ${(err as Error).message}; set CLASSES_CACHE_DIR or pass --cache`);
  }
  const tmp = join(parent, `.${set.name}.download-${process.pid}-${randomBytes(4).toString('hex')}`);
  const cleanup = (): void => rmSync(tmp, { recursive: true, force: true });
  // Ctrl-C during a download must not leave the temporary folder behind either.
  const onSignal = (): void => {
    cleanup();
    process.exit(130);
  };
  process.once('SIGINT', onSignal);
  try {
    const timeoutMs = opts.timeoutMs ?? 60_000;
    let done = 0;
    let next = 0;
    let failed = false;
    // a few downloads at a time: the files are small, latency dominates
    const worker = async (): Promise<void> => {
      while (next < set.files.length && !failed) {
        const f = set.files[next++];
        const url = fileUrl(set, base, f);
        const data = await download(url, timeoutMs, set, dir, base === set.defaultBaseUrl);
        const got = sha256Hex(data);
        if (got !== f.sha256) {
          throw runtimeError(
            `checksum mismatch for ${f.path} from ${url}: expected sha256 ${f.sha256}, got ${got}; nothing was installed (the source is not the pinned ${set.repository}@${set.commit.slice(0, 12)})`,
          );
        }
        const target = join(tmp, f.path);
        mkdirSync(dirname(target), { recursive: true });
        writeFileSync(target, data);
        opts.onFile?.(++done, set.files.length);
      }
    };
    // Wait for every worker to stop before cleaning up, so none writes into a removed folder.
    const outcomes = await Promise.allSettled(
      Array.from({ length: 4 }, () =>
        worker().catch((err: unknown) => {
          failed = true;
          throw err;
        }),
      ),
    );
    const firstFailure = outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected');
    if (firstFailure) {
      cleanup();
      removeEmptyParent();
      throw firstFailure.reason;
    }

    // Swap the verified set into place; keep the old one until the new one is there.
    const old = existsSync(dir) ? `${tmp}.old` : null;
    if (old) renameSync(dir, old);
    try {
      renameSync(tmp, dir);
    } catch (err) {
      if (old) renameSync(old, dir);
      throw runtimeError(`cannot move the downloaded models into ${dir}: ${(err as Error).message}`);
    }
    if (old) rmSync(old, { recursive: true, force: true });
  } finally {
    process.removeListener('SIGINT', onSignal);
    cleanup();
  }
  return { ...result, downloaded: true };
}
