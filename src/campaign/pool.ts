/**
 * A pool of campaign worker threads (worker.ts). The main thread prepares each target layer
 * once (golden run of its prefix and suffix), broadcasts it, then hands out chunks of faults;
 * which worker runs which chunk never changes a result, only the speed.
 */
import { Worker } from 'node:worker_threads';
import { ClassesError, runtimeError } from '../errors.js';
import type { ChunkResult, LayerSetup, PackedFaults } from './injector.js';
import type { FromWorker, ToWorker } from './protocol.js';

interface Pending {
  resolve: (r: ChunkResult) => void;
  reject: (e: Error) => void;
  worker: number;
}

export class WorkerPool {
  private readonly workers: Worker[];
  private readonly inFlight: number[];
  private readonly pending = new Map<number, Pending>();
  private readonly readyWaits = new Map<number, { left: number; resolve: () => void; reject: (e: Error) => void }>();
  private nextId = 0;
  private failure: Error | null = null;
  private closing = false;

  constructor(count: number) {
    const url = new URL('./worker.js', import.meta.url);
    this.workers = Array.from({ length: count }, (_, w) => {
      const worker = new Worker(url);
      worker.on('message', (m: FromWorker) => this.onMessage(w, m));
      worker.on('error', (e) => this.fail(runtimeError(`campaign worker ${w} failed: ${e.message}`)));
      worker.on('exit', (code) => {
        if (!this.closing) this.fail(runtimeError(`campaign worker ${w} stopped unexpectedly (exit code ${code})`));
      });
      return worker;
    });
    this.inFlight = this.workers.map(() => 0);
  }

  get size(): number {
    return this.workers.length;
  }

  /** Give every worker the layer and wait until each has its session. */
  async addLayer(setup: LayerSetup): Promise<void> {
    this.throwIfFailed();
    // A session lives in the thread that made it; workers make their own.
    if (setup.suffixSession) throw runtimeError(`internal: layer ${setup.layerId} was handed a session made in the main thread`);
    const done = new Promise<void>((resolve, reject) => this.readyWaits.set(setup.layerId, { left: this.workers.length, resolve, reject }));
    for (const w of this.workers) this.post(w, { kind: 'layer', setup });
    await done;
  }

  dropLayer(layerId: number): void {
    for (const w of this.workers) this.post(w, { kind: 'drop', layerId });
  }

  /** Run a chunk on the least busy worker. */
  run(layerId: number, faults: PackedFaults): Promise<ChunkResult> {
    this.throwIfFailed();
    let w = 0;
    for (let i = 1; i < this.workers.length; i++) if (this.inFlight[i] < this.inFlight[w]) w = i;
    const id = this.nextId++;
    this.inFlight[w]++;
    const p = new Promise<ChunkResult>((resolve, reject) => this.pending.set(id, { resolve, reject, worker: w }));
    const transfer = [faults.offsets.buffer, faults.indices.buffer, faults.values.buffer] as ArrayBuffer[];
    this.workers[w].postMessage({ kind: 'chunk', id, layerId, faults } satisfies ToWorker, transfer);
    return p;
  }

  async close(): Promise<void> {
    this.closing = true;
    await Promise.all(this.workers.map((w) => w.terminate()));
  }

  private post(w: Worker, msg: ToWorker): void {
    w.postMessage(msg);
  }

  private onMessage(w: number, m: FromWorker): void {
    if (m.kind === 'ready') {
      const wait = this.readyWaits.get(m.layerId);
      if (wait && --wait.left === 0) {
        this.readyWaits.delete(m.layerId);
        wait.resolve();
      }
      return;
    }
    if (m.kind === 'result') {
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      this.inFlight[w]--;
      p.resolve(m.result);
      return;
    }
    const err = m.exitCode === null ? new Error(`campaign worker ${w}: ${m.message}`) : new ClassesError(m.message, m.exitCode);
    this.fail(err);
  }

  private fail(err: Error): void {
    if (this.failure) return;
    this.failure = err;
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
    for (const r of this.readyWaits.values()) r.reject(err);
    this.readyWaits.clear();
  }

  private throwIfFailed(): void {
    if (this.failure) throw this.failure;
  }
}
