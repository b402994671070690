#!/usr/bin/env bash
# One short check for a GPU machine: run the built-in campaign (LeNet-5 on MNIST) on a GPU
# provider and on the CPU, compare their outcomes row by row, and print the throughput of both.
#
#   bash bench/gpu-check.sh cuda|webgpu [faults-per-layer (default 100)] [inputs (default 64)]
#
# cuda: needs an NVIDIA driver with CUDA 12 and cuDNN 9 runtimes, and either internet access (to
# download onnxruntime-node's CUDA provider) or the two provider libraries of the matching
# onnxruntime version in $ORT_CUDA_LIB_DIR. bench/cuda-check.sh is this script with `cuda`.
# webgpu: the provider is bundled with onnxruntime-node; it needs a Vulkan loader (libvulkan1)
# and the GPU driver's Vulkan ICD.
# Exit code: 0 when both runs completed (outcome differences are reported, not failed: GPU
# kernels round differently from the CPU's).
set -euo pipefail
cd "$(dirname "$0")/.."
GPU=${1:?usage: bash bench/gpu-check.sh cuda|webgpu [faults-per-layer] [inputs]}
FAULTS=${2:-100}
INPUTS=${3:-64}
OUT=${GPU_CHECK_OUT:-$(mktemp -d -t classes-gpu-check.XXXXXX)}
mkdir -p "$OUT"

[ -f dist/src/cli/main.js ] || npx tsc -p .
if [ "$GPU" = cuda ]; then
  LIB=$(node --input-type=module -e "import('./dist/src/runtime/providers.js').then((m) => console.log(m.cudaLibraryPath()))")
  if [ ! -f "$LIB" ] && [ -n "${ORT_CUDA_LIB_DIR:-}" ]; then
    echo "gpu-check: copying the CUDA provider from $ORT_CUDA_LIB_DIR"
    cp "$ORT_CUDA_LIB_DIR"/libonnxruntime_providers_cuda.so "$ORT_CUDA_LIB_DIR"/libonnxruntime_providers_shared.so "$(dirname "$LIB")/"
  fi
  if [ ! -f "$LIB" ]; then
    echo "gpu-check: installing the CUDA provider of onnxruntime-node (needs internet)"
    node node_modules/onnxruntime-node/script/install --onnxruntime-node-install=cuda12 > "$OUT/cuda-install.log" 2>&1 ||
      echo "gpu-check: the install failed (its output: $OUT/cuda-install.log)" >&2
  fi
  if [ ! -f "$LIB" ]; then
    echo "gpu-check: the CUDA provider is not installed ($LIB missing); download it with internet access, or set ORT_CUDA_LIB_DIR" >&2
    exit 1
  fi
fi
command -v nvidia-smi > /dev/null && nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader || true

run() {
  echo "gpu-check: built-in campaign on $1 ($FAULTS faults per layer, $INPUTS inputs)"
  node bin/classes.js run-campaign campaigns/lenet5-mnist/campaign.json --faults-per-layer "$FAULTS" --inputs "$INPUTS" \
    --provider "$1" --out "$OUT/$1" --force --json > "$OUT/$1.json"
}
run cpu
run "$GPU"

node --input-type=module - "$OUT" "$GPU" << 'EOF'
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
const { parseCsv } = await import(join(process.cwd(), 'dist/src/report/csv-read.js'));
const out = process.argv[2];
const gpu = process.argv[3];
const read = (p) => parseCsv(readFileSync(join(out, p, 'injections.csv'), 'utf8'));
const [cpu, cuda] = [read('cpu'), read(gpu)];
const col = (name) => cpu[0].indexOf(name);
if (cpu.length !== cuda.length) throw new Error(`row counts differ: cpu ${cpu.length - 1}, ${gpu} ${cuda.length - 1}`);
let same = 0, sameTop1 = 0, goldenSame = 0;
const confusion = {};
for (let i = 1; i < cpu.length; i++) {
  const a = cpu[i], b = cuda[i];
  if (a[col('outcome')] === b[col('outcome')]) same++;
  else confusion[`${a[col('outcome')]} -> ${b[col('outcome')]}`] = (confusion[`${a[col('outcome')]} -> ${b[col('outcome')]}`] ?? 0) + 1;
  if (a[col('faulty_top1')] === b[col('faulty_top1')]) sameTop1++;
  if (a[col('golden_top1')] === b[col('golden_top1')]) goldenSame++;
}
const n = cpu.length - 1;
const pct = (k) => `${((100 * k) / n).toFixed(2)}%`;
console.log(`rows: ${n}; same outcome: ${same} (${pct(same)}); same faulty top-1: ${pct(sameTop1)}; same golden top-1: ${pct(goldenSame)}`);
for (const [k, v] of Object.entries(confusion).sort((x, y) => y[1] - x[1])) console.log(`  cpu ${k} on ${gpu}: ${v}`);
for (const p of ['cpu', gpu]) {
  const j = JSON.parse(readFileSync(join(out, `${p}.json`), 'utf8'));
  const rates = Object.entries(j.rates).map(([k, v]) => `${k} ${(100 * v).toFixed(2)}%`).join(', ');
  console.log(`${p.padEnd(6)}: ${j.injectionsPerSecond} injections/s, ${(j.elapsedMs / 1000).toFixed(1)} s; ${rates}`);
}
EOF
echo "gpu-check: reports in $OUT/{cpu,$GPU}"
