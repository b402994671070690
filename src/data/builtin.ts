import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runtimeError } from '../errors.js';
import { type LoadedInputs, loadInputs } from './inputs.js';

/** The campaign shipped with the package: LeNet-5 on MNIST digits (campaigns/lenet5-mnist). */
export const BUILTIN_CAMPAIGN = 'lenet5-mnist';

/** Per-sample input shape of the built-in model. */
export const BUILTIN_SAMPLE_SHAPE: readonly number[] = [1, 28, 28];

/** The installed package's root: the nearest folder above this file with our package.json. */
function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === 'classes') return dir;
    const up = dirname(dir);
    if (up === dir) throw runtimeError('cannot find the classes package folder (no package.json above the code); reinstall classes');
    dir = up;
  }
}

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
