import type * as ort from 'onnxruntime-node';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runtimeError } from '../errors.js';
import { decodeModel, encodeModel } from '../onnx/model.js';
import type { ExternalDataFile, LoadedModel } from '../onnx/model.js';
import type { ModelProto } from '../onnx/gen/onnx_pb.js';
import type { ElemTypeName } from '../onnx/dtype.js';
import { CUDA_INSTALL_COMMAND, WEBGPU_HINT, assertProviderAvailable, cudaLibraryInstalled, type Provider, type ProviderRequest } from './providers.js';
import type { HostTensor, TensorArray } from './tensors.js';
import { webgpuLayoutFor, type WebgpuLayout } from './webgpu-layout.js';

/**
 * ONNX Runtime sessions. This folder is the only place that imports onnxruntime-node: callers get
 * and give plain HostTensors. A session runs on one thread by default (with one thread, a batch of
 * K gives the same bits as K single runs; parallelism comes from one session per worker thread).
 */

type OrtModule = typeof import('onnxruntime-node');
let ortModule: Promise<OrtModule> | undefined;

/**
 * onnxruntime-node, loaded on first use: loading the native library takes a noticeable part of a
 * second, which commands that never run a model should not pay.
 */
function loadOrt(): Promise<OrtModule> {
  ortModule ??= import('onnxruntime-node');
  return ortModule;
}

export type OptimizationLevel = 'disabled' | 'basic' | 'extended' | 'all';

export interface SessionOptions {
  provider?: ProviderRequest;
  /** Threads inside one operator; default 1 (see above). */
  intraOpThreads?: number;
  /**
   * Graph optimisation level; default 'extended'. At 'all' the NCHWc layouts make a rewritten
   * graph differ from the plain one in the last bits.
   */
  optimization?: OptimizationLevel;
  /** External data files of a model given as bytes or a ModelProto. */
  externalData?: readonly ExternalDataFile[];
  /** Turn on ONNX Runtime's profiler (see Session.endProfiling). */
  profiling?: boolean;
  /** Called with a one-line message when 'auto' falls back to the CPU. */
  onWarning?: (message: string) => void;
  /** Name of the model in error messages. */
  label?: string;
  /**
   * WebGPU only: the layout ORT runs Convs in; default NHWC unless the graph holds a Conv that
   * ORT 1.30 computes wrongly that way (webgpu-layout.ts).
   */
  webgpuLayout?: WebgpuLayout;
}

export type ModelSource = string | Uint8Array | ModelProto | LoadedModel;

export interface TensorMetadata {
  name: string;
  /** undefined for non-tensor values (sequences, maps). */
  type: ElemTypeName | undefined;
  /** Dims as ORT reports them: numbers, symbolic names, or [] when unknown. */
  shape: readonly (number | string)[];
}

export class Session {
  readonly provider: Provider;
  /** The layout a WebGPU session runs in (undefined on other providers). */
  readonly webgpuLayout: WebgpuLayout | undefined;
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  readonly inputMetadata: readonly TensorMetadata[];
  readonly outputMetadata: readonly TensorMetadata[];
  private inner: ort.InferenceSession | null;
  private readonly label: string;
  private readonly profileDir: string | null;
  private readonly ort: OrtModule;

  constructor(ortLib: OrtModule, inner: ort.InferenceSession, provider: Provider, label: string, profileDir: string | null, webgpuLayout?: WebgpuLayout) {
    this.ort = ortLib;
    this.inner = inner;
    this.provider = provider;
    this.webgpuLayout = webgpuLayout;
    this.label = label;
    this.profileDir = profileDir;
    this.inputNames = inner.inputNames;
    this.outputNames = inner.outputNames;
    this.inputMetadata = inner.inputMetadata.map(toMetadata);
    this.outputMetadata = inner.outputMetadata.map(toMetadata);
  }

  /** Run on the given inputs; returns only `fetches` (default: all outputs). */
  async run(feeds: Record<string, HostTensor>, fetches?: readonly string[]): Promise<Record<string, HostTensor>> {
    const session = this.live();
    const ortFeeds: Record<string, ort.Tensor> = {};
    for (const [name, t] of Object.entries(feeds)) {
      // ort.Tensor's overloads are typed per element type; our union is checked at run time.
      ortFeeds[name] = new this.ort.Tensor(t.type as 'float32', t.data as Float32Array, t.dims);
    }
    let result: ort.InferenceSession.ReturnType;
    try {
      result = fetches === undefined ? await session.run(ortFeeds) : await session.run(ortFeeds, [...fetches]);
    } catch (err) {
      throw runtimeError(`${this.label}: ONNX Runtime could not run the model: ${ortMessage(err)}`);
    }
    const out: Record<string, HostTensor> = {};
    for (const [name, value] of Object.entries(result)) {
      const t = value as ort.Tensor;
      out[name] = { type: t.type as ElemTypeName, dims: [...t.dims], data: t.data as TensorArray };
    }
    return out;
  }

  /**
   * Stop ORT's profiler and return its events (Chrome trace format: one `Node` event per kernel
   * run, named `<node name>_kernel_time`, duration in microseconds). Throws unless the session was
   * created with `profiling: true`.
   */
  endProfiling(): ProfileEvent[] {
    const session = this.live();
    if (this.profileDir === null) throw new Error('Session.endProfiling: session was created without profiling');
    session.endProfiling();
    const files = readdirSync(this.profileDir).filter((f) => f.endsWith('.json'));
    if (files.length === 0) throw runtimeError(`${this.label}: ONNX Runtime wrote no profile`);
    const events = JSON.parse(readFileSync(join(this.profileDir, files[0]), 'utf8')) as ProfileEvent[];
    return events;
  }

  /** Free the native session (without this, memory grows about 60 MB per session). */
  async release(): Promise<void> {
    const s = this.inner;
    this.inner = null;
    if (s !== null) await s.release();
    if (this.profileDir !== null) rmSync(this.profileDir, { recursive: true, force: true });
  }

  private live(): ort.InferenceSession {
    if (this.inner === null) throw new Error(`${this.label}: session used after release()`);
    return this.inner;
  }
}

/** One record of ORT's profile (the fields we read). */
export interface ProfileEvent {
  cat: string;
  name: string;
  /** Microseconds. */
  dur: number;
  ts: number;
  args?: { op_name?: string; provider?: string };
}

function toMetadata(m: ort.InferenceSession.ValueMetadata): TensorMetadata {
  if (!m.isTensor) return { name: m.name, type: undefined, shape: [] };
  return { name: m.name, type: m.type as ElemTypeName, shape: [...m.shape] };
}

/** Longest ONNX Runtime message quoted in an error. */
const ORT_MESSAGE_MAX = 500;

/**
 * ONNX Runtime's message on one line: its lines joined (the first alone can stop mid-sentence,
 * "... for the following indices"), the source file positions it prefixes dropped, cut short.
 */
export function ortMessage(err: unknown): string {
  const msg = (err instanceof Error ? err.message : String(err))
    .split('\n')
    // "…/model_load_utils.h:46 void onnxruntime::f(const std::string&, int) const The message":
    // the position, and a C++ signature when one follows (a qualified name, then its parameters)
    .map((l) => l.replace(/\/?(?:[\w.-]+\/)*[\w.-]+\.(?:cc|cpp|h):\d+ (?:[\w:<>,*&~ ]*::[\w~]+\((?:[^()]|\([^()]*\))*\)(?: const)?\s*)?/g, ' ').trim())
    .filter((l) => l !== '')
    .join('; ')
    .replace(/\s+/g, ' ');
  return msg.length > ORT_MESSAGE_MAX ? `${msg.slice(0, ORT_MESSAGE_MAX - 1)}…` : msg;
}

function describe(source: ModelSource): string {
  if (typeof source === 'string') return source;
  if (source instanceof Uint8Array) return 'model';
  if ('bytes' in source && 'path' in source) return source.path;
  return 'model';
}

/**
 * Create a session on the requested provider. 'cuda' without the CUDA provider installed is a
 * one-line error naming the install command; 'auto' uses CUDA when it works and otherwise falls
 * back to the CPU with a warning.
 */
export async function createSession(source: ModelSource, options: SessionOptions = {}): Promise<Session> {
  const label = options.label ?? describe(source);
  const request = options.provider ?? 'cpu';
  if (request === 'cpu') return open(source, 'cpu', options, label);
  if (request === 'webgpu') {
    try {
      return await open(source, 'webgpu', options, label);
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      const adapter = /adapter/i.exec(reason) ? 'no WebGPU adapter was found' : reason.split('\n')[0];
      throw runtimeError(`--provider webgpu: ONNX Runtime could not start WebGPU (${adapter}); ${WEBGPU_HINT}`);
    }
  }
  if (!cudaLibraryInstalled()) {
    assertProviderAvailable(request);
    options.onWarning?.(`--provider auto: the CUDA provider is not installed, running on the CPU; for CUDA run \`${CUDA_INSTALL_COMMAND}\` (needs CUDA 12 and cuDNN 9)`);
    return open(source, 'cpu', options, label);
  }
  try {
    return await open(source, 'cuda', options, label);
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    if (request === 'cuda') {
      throw runtimeError(`--provider cuda: ONNX Runtime could not start CUDA (${reason.split('\n')[0]}); check CUDA 12 and cuDNN 9, or use --provider cpu`);
    }
    options.onWarning?.(`CUDA could not start (${reason.split('\n')[0]}); running on the CPU`);
    return open(source, 'cpu', options, label);
  }
}

/** The graph of a model source, decoded where it came as a path or bytes. */
function protoOf(source: ModelSource): ModelProto {
  if (typeof source === 'string') return decodeModel(readFileSync(source), source);
  if (source instanceof Uint8Array) return decodeModel(source);
  if ('bytes' in source && 'path' in source) return source.model;
  return source;
}

async function open(source: ModelSource, provider: Provider, options: SessionOptions, label: string): Promise<Session> {
  const profileDir = options.profiling ? mkdtempSync(join(tmpdir(), 'classes-ortprof-')) : null;
  const layout = provider === 'webgpu' ? (options.webgpuLayout ?? webgpuLayoutFor(protoOf(source))) : undefined;
  const ortOptions: ort.InferenceSession.SessionOptions = {
    executionProviders: [layout === undefined ? provider : { name: 'webgpu', preferredLayout: layout }],
    intraOpNumThreads: options.intraOpThreads ?? 1,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: options.optimization ?? 'extended',
    // ONNX Runtime would print warnings ("unused initializer") and errors to the terminal itself,
    // in colour; its errors reach the user as our one-line messages instead.
    logSeverityLevel: 4,
  };
  if (profileDir !== null) {
    ortOptions.enableProfiling = true;
    ortOptions.profileFilePrefix = join(profileDir, 'ort');
  }
  let external = options.externalData;
  let input: string | Uint8Array;
  if (typeof source === 'string') input = source;
  else if (source instanceof Uint8Array) input = source;
  else if ('bytes' in source && 'path' in source) {
    input = source.bytes;
    external = external ?? source.externalData;
  } else input = encodeModel(source);
  if (external !== undefined && external.length > 0) {
    ortOptions.externalData = external.map((f) => ({ path: f.path, data: f.data }));
  }
  const lib = await loadOrt();
  try {
    // ORT's typings want a Uint8Array or path; one overload per kind.
    const inner = typeof input === 'string' ? await lib.InferenceSession.create(input, ortOptions) : await lib.InferenceSession.create(input, ortOptions);
    return new Session(lib, inner, provider, label, profileDir, layout);
  } catch (err) {
    if (profileDir !== null) rmSync(profileDir, { recursive: true, force: true });
    if (provider !== 'cpu') throw err;
    const msg = ortMessage(err);
    const fix = /registered function\/op|not a registered|Could not find an implementation|opset|domain/i.test(msg)
      ? 're-export it with standard ONNX operators and an opset that ONNX Runtime supports'
      : 'check that the file is a whole, valid ONNX model (onnx.checker.check_model)';
    throw runtimeError(`${label}: ONNX Runtime cannot load the model: ${msg}; ${fix}`);
  }
}

/** Run `fn` with a session and always release it. */
export async function withSession<T>(source: ModelSource, options: SessionOptions, fn: (s: Session) => Promise<T>): Promise<T> {
  const s = await createSession(source, options);
  try {
    return await fn(s);
  } finally {
    await s.release();
  }
}
