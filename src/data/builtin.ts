import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../util/package-root.js';
import { runtimeError } from '../errors.js';
import { type LoadedInputs, loadInputs } from './inputs.js';

/** The campaign shipped with the package: LeNet-5 on MNIST digits (campaigns/lenet5-mnist). */
export const BUILTIN_CAMPAIGN = 'lenet5-mnist';

/** Per-sample input shape of the built-in model. */
export const BUILTIN_SAMPLE_SHAPE: readonly number[] = [1, 28, 28];

/** Folder of a built-in campaign (model.onnx, inputs.npy, labels.npy, campaign.json). */
export function builtinCampaignDir(name: string = BUILTIN_CAMPAIGN): string {
  const dir = join(packageRoot(), 'campaigns', name);
  if (!existsSync(join(dir, 'campaign.json'))) throw runtimeError(`built-in campaign ${name} is missing from ${dir}; reinstall classes`);
  return dir;
}

/** The built-in test digits with their labels: float32 [N,1,28,28] in [0, 1], labels 0..9. */
export function loadBuiltinSamples(limit?: number): LoadedInputs {
  const dir = builtinCampaignDir();
  return loadInputs({ path: join(dir, 'inputs.npy'), labels: join(dir, 'labels.npy'), expectedShape: BUILTIN_SAMPLE_SHAPE, limit });
}
