import { readdirSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { runtimeError, usageError } from '../errors.js';
import { readUserFile } from '../util/files.js';
import { sha256Hex } from '../util/hash.js';
import { parseErrorModelText } from './parse.js';
import type { ErrorModel } from './types.js';

/** Read, parse and validate one error-model file; `sha256` is the hash of its bytes. */
export function loadErrorModel(path: string): ErrorModel {
  const bytes = readUserFile(path, 'error model');
  const model = parseErrorModelText(bytes.toString('utf8'), path);
  model.sha256 = sha256Hex(bytes);
  return model;
}

/**
 * The error models of one folder, keyed by file stem (`conv_gemm.json` → `conv_gemm`), as
 * upstream's mapper loads them (spec §5.1).
 */
export class ErrorModelSet {
  constructor(
    readonly dir: string,
    readonly models: ReadonlyMap<string, ErrorModel>,
  ) {}

  has(name: string): boolean {
    return this.models.has(name);
  }

  /** The model called `name`, or a one-line error naming the folder and the missing file. */
  require(name: string): ErrorModel {
    const m = this.models.get(name);
    if (m) return m;
    const have = [...this.models.keys()].sort().join(', ') || 'none';
    // The layers asked for need it: a choice of the user's, like a layer without any model.
    throw usageError(
      `error model ${name}.json is missing from ${this.dir} (it has: ${have}); add the file or pick another model folder`,
    );
  }

  /** stem → sha256 of the file bytes, sorted by stem, for run manifests. */
  hashes(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const name of [...this.models.keys()].sort()) out[name] = this.models.get(name)!.sha256 ?? '';
    return out;
  }
}

/**
 * Load every `*.json` of `dir` (not recursive), or only the stems in `only` (each must exist).
 * Files are loaded in sorted order so that the first invalid file reported is stable.
 */
export function loadErrorModelDir(dir: string, opts: { only?: readonly string[] } = {}): ErrorModelSet {
  let st;
  try {
    st = statSync(dir);
  } catch {
    throw usageError(`error-model folder ${dir} does not exist; check the path`);
  }
  if (!st.isDirectory()) throw usageError(`error-model folder ${dir} is not a directory`);
  let stems: string[];
  try {
    stems = readdirSync(dir)
      .filter((f) => f.endsWith('.json'))
      .map((f) => basename(f, '.json'))
      .sort();
  } catch (err) {
    throw runtimeError(`cannot list error-model folder ${dir}: ${(err as Error).message}`);
  }
  if (stems.length === 0) throw usageError(`error-model folder ${dir} has no .json files; point it at a folder of CLASSES models`);
  const models = new Map<string, ErrorModel>();
  const wanted = opts.only ? [...new Set(opts.only)].sort() : stems;
  for (const name of wanted) {
    if (!stems.includes(name)) {
      // As in ErrorModelSet.require: the layers asked for need it, a choice of the user's.
      throw usageError(
        `error model ${name}.json is missing from ${dir} (it has: ${stems.join(', ')}); add the file or pick another model folder`,
      );
    }
    models.set(name, loadErrorModel(join(dir, `${name}.json`)));
  }
  return new ErrorModelSet(dir, models);
}
