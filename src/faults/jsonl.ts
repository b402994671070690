/**
 * The JSONL fault list: one fault per line, the interchange format for CI jobs and other tools
 * (docs/fault-list-format.md). Writing refuses to replace a file without `force` and is atomic;
 * reading validates every line and reports `file:line` for the first bad one.
 */
import { runtimeError } from '../errors.js';
import { assertWritable, readUserFile, writeFileAtomic } from '../util/files.js';
import { faultFromJson, faultToJsonLine } from './json-values.js';
import type { Fault } from './types.js';

const LINES_PER_CHUNK = 4096;

/** The faults as JSONL bytes, one line each, every line ending in "\n", a few thousand lines per chunk. */
export function* encodeFaultsJsonlChunks(faults: Iterable<Fault>): Generator<Buffer> {
  let lines: string[] = [];
  for (const f of faults) {
    lines.push(faultToJsonLine(f));
    if (lines.length === LINES_PER_CHUNK) {
      yield Buffer.from(lines.join('\n') + '\n', 'utf8');
      lines = [];
    }
  }
  if (lines.length) yield Buffer.from(lines.join('\n') + '\n', 'utf8');
}

/** The faults as JSONL bytes, one line each, every line ending in "\n". */
export function encodeFaultsJsonl(faults: Iterable<Fault>): Uint8Array {
  return Buffer.concat([...encodeFaultsJsonlChunks(faults)]);
}

export function writeFaultsJsonl(path: string, faults: Iterable<Fault>, opts: { force?: boolean } = {}): void {
  assertWritable(path, opts.force ?? false);
  writeFileAtomic(path, encodeFaultsJsonl(faults));
}

/** Parses JSONL text; `label` names the source in messages (`label:line: ...`). */
export function parseFaultsJsonl(text: string, label: string): Fault[] {
  const faults: Fault[] = [];
  const seen = new Map<string, number>();
  const outputOf = new Map<string, { output: string; line: number }>();
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (line === '') continue;
    const where = `${label}:${i + 1}`;
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch (err) {
      throw runtimeError(`${where}: not valid JSON (${(err as Error).message}); each line must be one fault object`);
    }
    const fault = faultFromJson(parsed);
    if (typeof fault === 'string') throw runtimeError(`${where}: ${fault}`);
    const key = JSON.stringify([fault.layer, fault.index]);
    const first = seen.get(key);
    if (first !== undefined) {
      throw runtimeError(`${where}: fault ${fault.index} of layer ${fault.layer} appears twice (first on line ${first}); fault indices must be unique per layer`);
    }
    seen.set(key, i + 1);
    // One tensor per layer: a campaign writes a layer's faults into one output.
    const out = outputOf.get(fault.layer);
    if (out === undefined) outputOf.set(fault.layer, { output: fault.output, line: i + 1 });
    else if (out.output !== fault.output) {
      throw runtimeError(`${where}: layer ${fault.layer} has faults for two output tensors (${out.output} on line ${out.line}, ${fault.output} here); use one output name per layer`);
    }
    faults.push(fault);
  }
  if (faults.length === 0) throw runtimeError(`${label} holds no faults; expected one JSON fault object per line`);
  return faults;
}

export function readFaultsJsonl(path: string): Fault[] {
  const bytes = readUserFile(path, 'fault list');
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw runtimeError(`${path} is not UTF-8 text; expected a JSONL fault list`);
  }
  return parseFaultsJsonl(text, path);
}
