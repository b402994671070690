/** Messages between the campaign runner (main thread) and its worker threads. */
import type { ChunkResult, LayerSetup, PackedFaults } from './injector.js';

export type ToWorker =
  | { kind: 'layer'; setup: LayerSetup }
  | { kind: 'chunk'; id: number; layerId: number; faults: PackedFaults }
  | { kind: 'drop'; layerId: number };

export type FromWorker =
  | { kind: 'ready'; layerId: number }
  | { kind: 'result'; id: number; result: ChunkResult }
  | { kind: 'error'; id: number | null; layerId: number | null; message: string; exitCode: number | null };
