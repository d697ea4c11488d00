#!/usr/bin/env bash
# Spark resource discovery for GPUs (spark.executor.resource.gpu.discoveryScript, and
# spark.worker.resource.gpu.discoveryScript on a standalone worker): prints the GPUs of this
# machine as Spark's ResourceInformation JSON, {"name": "gpu", "addresses": ["0", "1", ...]}.
# Addresses are nvidia-smi's indices (what CUDA_VISIBLE_DEVICES takes); no nvidia-smi, or no GPU,
# gives an empty list, and Spark then refuses an executor that asks for a GPU, saying so.
# The script must lie at the same path on every node that runs executors.
set -euo pipefail
addresses=""
if command -v nvidia-smi >/dev/null 2>&1; then
  while IFS= read -r index; do
    index="${index//[[:space:]]/}"
    [[ "$index" =~ ^[0-9]+$ ]] || continue
    addresses+="${addresses:+,}\"$index\""
  done < <(nvidia-smi --query-gpu=index --format=csv,noheader 2>/dev/null || true)
fi
printf '{"name": "gpu", "addresses": [%s]}\n' "$addresses"
