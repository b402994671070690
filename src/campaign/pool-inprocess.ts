/**
 * The injection "pool" without threads: layers and chunks run in the main thread, one at a time.
 * Used for GPU providers (one GPU, one session): ONNX Runtime's WebGPU provider crashed the
 * process when its sessions lived in a worker thread next to the main thread's golden sessions
 * (seen on an H100), and a GPU gains nothing from several threads feeding it anyway.
 * Results are the same as the worker pool's: the same injector runs the same chunks.
 */
import { runtimeError } from '../errors.js';
import { LayerInjector, type ChunkResult, type LayerSetup, type PackedFaults } from './injector.js';

/** What the runner needs of a pool; WorkerPool has the same surface. */
export interface InjectionPool {
  readonly size: number;
  addLayer(setup: LayerSetup): Promise<void>;
  dropLayer(layerId: number): void;
  run(layerId: number, faults: PackedFaults): Promise<ChunkResult>;
  close(): Promise<void>;
}

export class InProcessPool implements InjectionPool {
  readonly size = 1;
  private readonly injectors = new Map<number, LayerInjector>();
  // Chunks and releases run in submission order, as a worker's message queue would.
  private queue: Promise<unknown> = Promise.resolve();

  async addLayer(setup: LayerSetup): Promise<void> {
    this.injectors.set(setup.layerId, await LayerInjector.create(setup));
  }

  dropLayer(layerId: number): void {
    const inj = this.injectors.get(layerId);
    this.injectors.delete(layerId);
    if (inj) this.queue = this.queue.then(() => inj.release()).catch(() => undefined);
  }

  run(layerId: number, faults: PackedFaults): Promise<ChunkResult> {
    const p = this.queue.then(() => {
      const inj = this.injectors.get(layerId);
      if (!inj) throw runtimeError(`internal: chunk for layer ${layerId}, which has no session`);
      return inj.runChunk(faults);
    });
    this.queue = p.catch(() => undefined);
    return p;
  }

  async close(): Promise<void> {
    await this.queue;
    for (const inj of this.injectors.values()) await inj.release();
    this.injectors.clear();
  }
}
