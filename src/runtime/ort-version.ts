import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/**
 * The installed onnxruntime-node version, for run manifests (results can depend on it).
 * Added by the campaign runner; read from the package's package.json, without loading the binding.
 */
export function onnxRuntimeVersion(): string {
  try {
    const require = createRequire(import.meta.url);
    const main = require.resolve('onnxruntime-node'); // .../onnxruntime-node/dist/index.js
    const pkg = JSON.parse(readFileSync(join(dirname(dirname(main)), 'package.json'), 'utf8')) as { version?: string };
    return pkg.version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}
