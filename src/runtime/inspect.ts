import { runtimeError } from '../errors.js';
import { GraphIndex, elemTypeFromName, exposeTensors, typeOfValueInfo } from '../onnx/index.js';
import type { ExternalDataFile, ModelProto, TensorType } from '../onnx/index.js';
import { withSession } from './session.js';

/**
 * Element types and shapes of intermediate tensors, as ONNX Runtime infers them: the tensors are
 * exposed as the only outputs of a copy of the model and read from the session's metadata. No
 * inference is run. Model inputs are answered from their declarations.
 */
export async function inferTensorTypes(
  model: ModelProto,
  names: readonly string[],
  options: { externalData?: readonly ExternalDataFile[] } = {},
): Promise<Map<string, TensorType>> {
  const index = new GraphIndex(model);
  const result = new Map<string, TensorType>();
  const computed: string[] = [];
  for (const name of names) {
    if (index.isGraphInput(name)) {
      const t = typeOfValueInfo(index.valueInfo(name));
      if (t === undefined) throw runtimeError(`model input "${name}" has no declared type`);
      result.set(name, t);
    } else computed.push(name);
  }
  if (computed.length === 0) return result;
  const exposed = exposeTensors(model, computed, { replaceOutputs: true });
  await withSession(exposed, { provider: 'cpu', optimization: 'disabled', externalData: options.externalData }, async (s) => {
    for (const m of s.outputMetadata) {
      const elemType = m.type === undefined ? undefined : elemTypeFromName(m.type);
      if (elemType === undefined) throw runtimeError(`tensor "${m.name}" is not a tensor of a supported element type`);
      result.set(m.name, { elemType, dims: m.shape.length === 0 ? [] : [...m.shape] });
    }
  });
  return result;
}
