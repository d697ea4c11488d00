#!/usr/bin/env bash
# Issue 14's long-tailed runs in PyTorch (bench/python/longtail_reference.py), all (subset, head, seed)
# at once, PARALLEL processes: a side-by-side reference for the trainer's table, and the long schedule
# the paper uses where a GPU makes it affordable. Arguments: DATA (the IDX files plus lt100.idx and
# lt10.idx, the train indices of the trainer's bench/out/fmnist-lt* tables), EPOCHS, OUT_DIR,
# [PARALLEL] [SEEDS]. Appends one JSON line per run to OUT_DIR/results.jsonl, then writes
# OUT_DIR/summary.md. Make the index lists with:
#   strings bench/out/fmnist-lt100/train/*.parquet | grep -o '#train/[0-9]*' | sort -u | cut -d/ -f2
set -euo pipefail
data=$1 epochs=$2 out=$3 parallel=${4:-12} seeds=${5:-42 43 44}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
mkdir -p "$out"
for ratio in 100 10; do
  for head in ebv fc; do
    for seed in $seeds; do
      echo "--keep $data/lt$ratio.idx --label lt$ratio --head $head --seed $seed --epochs $epochs"
    done
  done
done | xargs -P "$parallel" -I{} sh -c "python3 '$here/python/longtail_reference.py' --data '$data' {} >> '$out/results.jsonl'"
python3 "$here/python/longtail_summary.py" "$out/results.jsonl" > "$out/summary.md"
cat "$out/summary.md"
