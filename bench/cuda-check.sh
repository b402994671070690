#!/usr/bin/env bash
# The built-in campaign on ONNX Runtime's CUDA provider and on the CPU, compared; see gpu-check.sh.
#   bash bench/cuda-check.sh [faults-per-layer (default 100)] [inputs (default 64)]
exec bash "$(dirname "$0")/gpu-check.sh" cuda "$@"
