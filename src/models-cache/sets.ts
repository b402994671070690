/**
 * Model sets that `classes models pull` can fetch. Each file is pinned by its SHA-256, so a
 * download is accepted only if it is byte-for-byte the file we know.
 *
 * classes-gpu: the CLASSES GPU error models (NVBitFI campaigns on an NVIDIA Ampere GPU), from
 * the public repository D4De/classes-pytorch at a fixed commit. Upstream licence: GPL-3.0 or
 * later; the files are downloaded on the user's request and never shipped with classes.
 */

export interface PinnedFile {
  /** Path inside the set's cache folder (and, after `upstreamPrefix`, inside the repository). */
  path: string;
  sha256: string;
  bytes: number;
}

export interface ModelSet {
  name: string;
  description: string;
  repository: string;
  commit: string;
  /** Prefix of each file's path in the repository. */
  upstreamPrefix: string;
  /** Where the files are fetched from by default; `--url` replaces it. */
  defaultBaseUrl: string;
  license: string;
  files: readonly PinnedFile[];
}

const COMMIT = '3ecffe7f7676dd165612a72b40d0f827f698e165';

export const CLASSES_GPU_FILES: readonly PinnedFile[] = [
  { path: 'faulty_thread_models/avgpool.json', sha256: '18cc58f117673f4d18701610d409105b3a51473e840aeea34de2ffba7ebad2b3', bytes: 5764 },
  { path: 'faulty_thread_models/batchnorm.json', sha256: 'ea560a2574499e3f84ebfdaf7066ed3117d8cf5ab5d71ff10a654ca8f16de8c8', bytes: 6588 },
  { path: 'faulty_thread_models/bias_add.json', sha256: '3016b003d830a10064f2c577ce1418311699353ff077ffae36851b8eea1dcf6d', bytes: 10393 },
  { path: 'faulty_thread_models/conv_fft.json', sha256: 'd820b1c5919fe9c3608b46b97f1f0d0ec5f53e03dc9d3408353edb12e780ab38', bytes: 31134 },
  { path: 'faulty_thread_models/conv_gemm.json', sha256: 'bf3dc86732dca666d90dddb31f18b0820897b9c83da25aeba5f397cfe7e184f6', bytes: 8438 },
  { path: 'faulty_thread_models/conv_win.json', sha256: 'ce7b0bcb18f7d56e58ae4834c2c7a9672d734ddcafcbe50e816e1ce683acdad4', bytes: 24629 },
  { path: 'faulty_thread_models/maxpool.json', sha256: '79fd099bf9c558f07f92411fea0bbb5ab9085bdfd7b4bbadc9679f863c2e2e77', bytes: 5225 },
  { path: 'faulty_thread_models/relu.json', sha256: '84546bd0dba3f8116af68059de1c3b6c904ae4c5ea177301fe52fbba870864d0', bytes: 1003 },
  { path: 'faulty_warp_models/avgpool.json', sha256: 'bb1334f5a45b1cf2a9e0408c2dc0058291d2210941fa9b3dc829ac8a555a0268', bytes: 23505 },
  { path: 'faulty_warp_models/batchnorm.json', sha256: '8f01ad310f043f84acd66f34ef8394e1e13572b07ea8266ac0161e85ef7b3c3f', bytes: 11257 },
  { path: 'faulty_warp_models/bias_add.json', sha256: '198f7ec9470d0e72fb2e964286cb7706bfb8f19b90301206587926b7683a4fc0', bytes: 23129 },
  { path: 'faulty_warp_models/clipped_relu.json', sha256: 'decbfcc6731ff2294e3d10cbd8174667b060f3382177a8d9683178df1cb1f95e', bytes: 22626 },
  { path: 'faulty_warp_models/conv_fft.json', sha256: 'ade6a80b79d7a8a6cfb9658d83128b9bd9443a8a68e0598b6b5d66e44c3a36ad', bytes: 32552 },
  { path: 'faulty_warp_models/conv_gemm.json', sha256: 'a0c7f10eeaf01ca29d7135a4aa0c631aa6ecc66ad9c7e837faf4cb14054528a3', bytes: 37083 },
  { path: 'faulty_warp_models/conv_win.json', sha256: '70f7d5f96155dc43336a39fc4d32ddeebd55431477db6a235e3223fc391abaa9', bytes: 42546 },
  { path: 'faulty_warp_models/elu.json', sha256: 'aa25748943a9191a5f2bd72ab5ad5fc034ad794c1994562c295826497a0ec158', bytes: 21631 },
  { path: 'faulty_warp_models/maxpool.json', sha256: '8d53d68b8b92b15830baa1dbf8bf06ab59d7f177b9af1b65baa96f2403b984c5', bytes: 32763 },
  { path: 'faulty_warp_models/relu.json', sha256: 'a651571aaf925ede93b8711f6691bda3b84b54b5559c5316db5dbba3706af4af', bytes: 22934 },
  { path: 'faulty_warp_models/sigmoid.json', sha256: 'a10d402c810aa5e2470d465d9d0592f56bd1484802c0e5604d55ef21650c9dfe', bytes: 15447 },
  { path: 'faulty_warp_models/tanh.json', sha256: '0fdfa07f3590fe4569fcef423c98edacc9f2791fb542a752b87e09b82a525356', bytes: 22451 },
];

export const MODEL_SETS: readonly ModelSet[] = [
  {
    name: 'classes-gpu',
    description: 'CLASSES GPU error models: 8 faulty-thread and 12 faulty-warp operator models',
    repository: 'D4De/classes-pytorch',
    commit: COMMIT,
    upstreamPrefix: 'error_models/gpu_models/',
    defaultBaseUrl: `https://raw.githubusercontent.com/D4De/classes-pytorch/${COMMIT}`,
    license: 'GPL-3.0-or-later',
    files: CLASSES_GPU_FILES,
  },
];

export function findModelSet(name: string): ModelSet | undefined {
  return MODEL_SETS.find((s) => s.name === name);
}
