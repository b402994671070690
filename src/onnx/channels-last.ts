/**
 * Tensors held channels-last ([N, H, W, C]) inside a model: between Transposes, as tf2onnx
 * exports Keras and TensorFlow models when its transpose optimizer could not remove them. Fault
 * patterns read the axis after the batch as channels, so on such a tensor a "channel" is a row:
 * worth a notice, since the results would not be what the error model describes.
 */
import { attrInts, type GraphIndex, type NodeInfo } from './graph.js';

/** Operators that keep the layout of their data input (element-wise). */
const KEEPS_LAYOUT = new Set(['Relu', 'LeakyRelu', 'Sigmoid', 'Tanh', 'Elu', 'Selu', 'Clip', 'HardSigmoid', 'HardSwish', 'Softplus', 'Identity', 'Add', 'Sub', 'Mul', 'Div', 'Neg', 'Abs']);
const TO_CHANNELS_LAST = '0,2,3,1';
const TO_CHANNELS_FIRST = '0,3,1,2';
/** How many element-wise nodes a search walks through. */
const MAX_HOPS = 8;

function perm(n: NodeInfo): string | undefined {
  if (n.opType !== 'Transpose') return undefined;
  return attrInts(n, 'perm')?.join(',');
}

/** The non-constant data input of an element-wise node (the first one that some node makes). */
function dataInput(index: GraphIndex, n: NodeInfo): string | undefined {
  return n.inputs.find((i) => i !== '' && index.producer.has(i)) ?? (index.isGraphInput(n.inputs[0]) ? n.inputs[0] : undefined);
}

function madeChannelsLast(index: GraphIndex, tensor: string): boolean {
  let t: string | undefined = tensor;
  for (let hop = 0; hop <= MAX_HOPS && t !== undefined; hop++) {
    const p = index.producer.get(t);
    if (p === undefined) return false;
    const n = index.nodes[p];
    if (perm(n) === TO_CHANNELS_LAST) return true;
    if (!KEEPS_LAYOUT.has(n.opType)) return false;
    t = dataInput(index, n);
  }
  return false;
}

function readChannelsLast(index: GraphIndex, tensor: string, hops = 0): boolean {
  if (hops > MAX_HOPS) return false;
  for (const c of index.consumers.get(tensor) ?? []) {
    const n = index.nodes[c];
    if (perm(n) === TO_CHANNELS_FIRST) return true;
    if (KEEPS_LAYOUT.has(n.opType) && dataInput(index, n) === tensor && n.outputs[0] && readChannelsLast(index, n.outputs[0], hops + 1)) return true;
  }
  return false;
}

/** The tensors among `tensors` that the model holds channels-last. */
export function channelsLastTensors(index: GraphIndex, tensors: readonly string[]): string[] {
  return tensors.filter((t) => madeChannelsLast(index, t) || readChannelsLast(index, t));
}

/** The notice for such layers (names: the layers' node names, in graph order). */
export function channelsLastNotice(model: string, names: readonly string[]): string {
  const e = names.slice(0, 3).join(', ') + (names.length > 3 ? `, … (${names.length} layers)` : '');
  return `${model}: ${e} hold${names.length === 1 ? 's' : ''} channels-last tensors ([N, H, W, C] between Transposes, as tf2onnx exports without its transpose optimizer): fault patterns read the axis after the batch as channels, so their channel shapes fall across rows there; export the model channels-first for patterns as the error models describe them`;
}
