/**
 * Worker thread of the campaign runner: one single-threaded ONNX Runtime session per target
 * layer it was given, running chunks of faults in the order they arrive.
 */
import { parentPort } from 'node:worker_threads';
import { ClassesError } from '../errors.js';
import { LayerInjector } from './injector.js';
import type { FromWorker, ToWorker } from './protocol.js';

const port = parentPort;
if (port === null) throw new Error('campaign/worker.js must run in a worker thread');

const injectors = new Map<number, Promise<LayerInjector>>();
let queue: Promise<void> = Promise.resolve();

function send(msg: FromWorker): void {
  // Result arrays are fresh per chunk: hand their buffers over instead of copying them.
  const transfer = msg.kind === 'result' ? [msg.result.outcome.buffer, msg.result.faultyTop1.buffer, msg.result.maxAbsDiff.buffer] : [];
  port!.postMessage(msg, transfer as ArrayBuffer[]);
}

function fail(err: unknown, id: number | null, layerId: number | null): void {
  const exitCode = err instanceof ClassesError ? err.exitCode : null;
  const message = err instanceof Error ? (exitCode === null ? (err.stack ?? err.message) : err.message) : String(err);
  send({ kind: 'error', id, layerId, message, exitCode });
}

async function handle(msg: ToWorker): Promise<void> {
  switch (msg.kind) {
    case 'layer': {
      const p = LayerInjector.create(msg.setup);
      injectors.set(msg.setup.layerId, p);
      try {
        await p;
        send({ kind: 'ready', layerId: msg.setup.layerId });
      } catch (err) {
        injectors.delete(msg.setup.layerId);
        fail(err, null, msg.setup.layerId);
      }
      return;
    }
    case 'chunk': {
      try {
        const inj = injectors.get(msg.layerId);
        if (!inj) throw new Error(`worker: chunk for unknown layer ${msg.layerId}`);
        const result = await (await inj).runChunk(msg.faults);
        send({ kind: 'result', id: msg.id, result });
      } catch (err) {
        fail(err, msg.id, msg.layerId);
      }
      return;
    }
    case 'drop': {
      const inj = injectors.get(msg.layerId);
      injectors.delete(msg.layerId);
      if (inj) await (await inj.catch(() => null))?.release();
      return;
    }
  }
}

// One message at a time, in arrival order: session.run blocks this thread anyway, and order
// keeps a layer's session ready before its chunks run.
port.on('message', (msg: ToWorker) => {
  queue = queue.then(() => handle(msg));
});
