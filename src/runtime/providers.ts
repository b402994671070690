import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runtimeError, usageError } from '../errors.js';

/**
 * Execution providers. onnxruntime-node ships the CPU provider; the CUDA provider libraries are a
 * separate download, and asking ORT for CUDA without them fails session creation with no
 * fallback (onnxruntime-notes.md). So the library file is checked before any CUDA session.
 */

export type Provider = 'cpu' | 'cuda' | 'webgpu';
export type ProviderRequest = Provider | 'auto';
export const PROVIDER_REQUESTS: readonly ProviderRequest[] = ['cpu', 'cuda', 'webgpu', 'auto'];

/**
 * GPU providers run one session per process (workers = 1 by default) and get fixed-size batches:
 * GPU kernels may pick another algorithm for another batch size, which would change last bits.
 */
export function isGpuProvider(p: string): boolean {
  return p === 'cuda' || p === 'webgpu';
}

/**
 * onnxruntime-node bundles a WebGPU provider (Dawn over Vulkan on Linux): a GPU path with nothing
 * to download, needing only a Vulkan loader (libvulkan1) and the GPU driver's Vulkan ICD.
 */
export const WEBGPU_HINT =
  'WebGPU needs a GPU with Vulkan drivers (on Linux: the libvulkan1 package and the GPU vendor\'s Vulkan driver); or use --provider cpu';

/** onnxruntime-node's own folder (where its install script is), wherever classes is installed. */
function ortPackageDir(): string {
  const require = createRequire(import.meta.url);
  return dirname(dirname(require.resolve('onnxruntime-node'))); // .../onnxruntime-node/dist/index.js
}

/**
 * The one command that fetches the CUDA provider, with the script's absolute path, so that it
 * works from any folder (the README's form, node_modules/..., only from inside the clone).
 */
const INSTALL_SCRIPT = join(ortPackageDir(), 'script', 'install');
export const CUDA_INSTALL_COMMAND = `node ${/^[\w@%+=:,./-]+$/.test(INSTALL_SCRIPT) ? INSTALL_SCRIPT : JSON.stringify(INSTALL_SCRIPT)} --onnxruntime-node-install=cuda12`;
export const CUDA_INSTALL_HINT = `install the CUDA provider with \`${CUDA_INSTALL_COMMAND}\` (it also needs CUDA 12 and cuDNN 9), or use --provider cpu`;

/** The folder holding onnxruntime_binding.node for this platform. */
export function bindingDir(): string {
  return join(ortPackageDir(), 'bin', 'napi-v6', process.platform, process.arch);
}

/** Where the CUDA provider library must be for onnxruntime-node to load it. */
export function cudaLibraryPath(): string {
  const file = process.platform === 'win32' ? 'onnxruntime_providers_cuda.dll' : 'libonnxruntime_providers_cuda.so';
  return join(bindingDir(), file);
}

/** True when the CUDA provider library is installed (CUDA itself may still be missing). */
export function cudaLibraryInstalled(): boolean {
  // CLASSES_FORCE_NO_CUDA lets tests exercise the "not installed" path on a GPU machine.
  if (process.env.CLASSES_FORCE_NO_CUDA === '1') return false;
  return existsSync(cudaLibraryPath());
}

export function parseProvider(value: string, flag = '--provider'): ProviderRequest {
  if ((PROVIDER_REQUESTS as readonly string[]).includes(value)) return value as ProviderRequest;
  throw usageError(`${flag} must be one of ${PROVIDER_REQUESTS.join(', ')} (got "${value}")`);
}

/**
 * Fail early, before any work, when CUDA was asked for and its provider is not installed.
 * (Whether CUDA itself starts is only known when a session is created.)
 */
export function assertProviderAvailable(request: ProviderRequest): void {
  if (request === 'cuda' && !cudaLibraryInstalled()) {
    throw runtimeError(`--provider cuda: the CUDA provider of onnxruntime-node is not installed; ${CUDA_INSTALL_HINT}`);
  }
  if (request === 'webgpu') {
    const problem = webgpuProblem();
    if (problem !== null) throw runtimeError(problem);
  }
}

/** What webgpu-probe.ts prints once a WebGPU session has run. */
export const PROBE_OK = 'webgpu-probe: ok';

/** The probe's verdict, once per process: null when WebGPU works, else the one-line error. */
let webgpuVerdict: string | null | undefined;

/**
 * Whether ONNX Runtime can open a WebGPU session here, tried in a child process (webgpu-probe.ts)
 * so that the native library's own messages do not precede the one-line error.
 */
export function webgpuProblem(): string | null {
  if (webgpuVerdict === undefined) {
    const probe = join(dirname(fileURLToPath(import.meta.url)), 'webgpu-probe.js');
    const r = spawnSync(process.execPath, [probe], { encoding: 'utf8', timeout: 120_000 });
    const lines = (r.stdout ?? '').trim().split('\n');
    const said = lines[lines.length - 1] ?? '';
    if (lines.includes(PROBE_OK)) webgpuVerdict = null;
    else {
      webgpuVerdict = said !== '' ? said : `--provider webgpu: the WebGPU check did not finish (${r.error?.message ?? `exit ${r.status ?? r.signal}`}); ${WEBGPU_HINT}`;
    }
  }
  return webgpuVerdict;
}
