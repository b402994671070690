import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runtimeError } from '../errors.js';

let cached: string | null = null;

/**
 * The installed package's root: the nearest folder above this file whose package.json is ours.
 * Shipped data (error_models/, campaigns/) is found from here, never from the working directory.
 */
export function packageRoot(): string {
  if (cached !== null) return cached;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === 'classes') {
      cached = dir;
      return dir;
    }
    const up = dirname(dir);
    if (up === dir) throw runtimeError('cannot find the classes package folder (no package.json above the code); reinstall classes');
    dir = up;
  }
}

/** The error models shipped with classes, used when --error-models is not given. */
export function defaultErrorModelsDir(): string {
  return join(packageRoot(), 'error_models');
}

/**
 * A campaign argument: a file path as given, or the name of a campaign shipped in the package's
 * campaigns/ folder (e.g. `lenet5-mnist`), so the built-in campaign runs from any directory.
 */
export function resolveCampaignArg(arg: string): string {
  if (existsSync(arg) || !/^[A-Za-z0-9_.-]+$/.test(arg)) return arg;
  const shipped = join(packageRoot(), 'campaigns', arg, 'campaign.json');
  return existsSync(shipped) ? shipped : arg;
}
