/**
 * V8 garbage-collector setting for campaigns, applied once at start-up (CLI and benchmarks).
 *
 * Every ONNX Runtime output reaches JavaScript as a fresh ArrayBuffer made by onnxruntime-node
 * (hundreds of KiB for a batch of windows), and those buffers set off V8's incremental marking
 * over and over: about 50 full collections in six layers of resnet-small, while the old
 * generation held 10 MB. Without incremental marking the buffers die in the young generation's
 * scavenges instead (5 full collections), and a two-worker campaign ran 4-7 % faster with 10 %
 * less CPU time (BENCHMARKS.md). Collection never changes results.
 *
 * V8 reads this flag when it decides to start marking, so setting it at run time works; it is
 * set before any work, while no marking is under way, as Node.js asks of setFlagsFromString.
 */
import { setFlagsFromString } from 'node:v8';

let tuned = false;

export function tuneGarbageCollection(): void {
  if (tuned) return;
  tuned = true;
  setFlagsFromString('--no-incremental-marking');
}
