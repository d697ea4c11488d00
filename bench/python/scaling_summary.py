"""Summarizes bench/run-scaling.sh into the scaling section of docs/BENCHMARKS.md: final val top-1 per
worker count (mean over seeds), the gap to one JVM, images/s and the share of round time outside
fitting. Arguments: RUNS_DIR SEEDS WORKERS EPOCHS GLOBAL DOC."""
import datetime
import json
import os
import statistics
import sys

sys.path.insert(0, os.path.dirname(__file__))
from machine_info import machine, write_section  # noqa: E402

runs, seeds, workers, epochs, global_batch, doc = sys.argv[1:7]
seeds = [s for s in seeds.replace(",", " ").split()]
workers = [int(w) for w in workers.split()]


def read(run):
    lines = [json.loads(l) for l in open(os.path.join(run, "metrics.jsonl")) if l.strip()]
    rounds = [l for l in lines if "round" in l]
    epochs_ = [l for l in lines if "valTop1" in l]
    steady = rounds[1:] if len(rounds) > 1 else rounds
    outside = sum(r.get("outsideFitSeconds", 0) for r in steady) / sum(r["roundSeconds"] for r in steady)
    images = sum(r["imagesPerSecond"] * r["roundSeconds"] for r in steady) / sum(r["roundSeconds"] for r in steady)
    seconds = epochs_[-1]["elapsedSeconds"]
    return epochs_[-1]["valTop1"], [e["valTop1"] for e in epochs_], images, outside, seconds


rows = []
jvm = {s: read(os.path.join(runs, f"jvm-s{s}")) for s in seeds if os.path.exists(os.path.join(runs, f"jvm-s{s}", "_SUCCESS"))}
jvm_mean = statistics.mean(v[0] for v in jvm.values()) if jvm else float("nan")
for name, key in [("one JVM (--local)", "jvm")] + [(f"{w} worker{'s' if w > 1 else ''} (local[{w}], --batch {int(global_batch) // w})", f"w{w}") for w in workers]:
    got = {s: read(os.path.join(runs, f"{key}-s{s}")) for s in seeds if os.path.exists(os.path.join(runs, f"{key}-s{s}", "_SUCCESS"))}
    if not got:
        continue
    top1 = statistics.mean(v[0] for v in got.values())
    per_seed = ", ".join(f"{v[0]:.4f}" for v in got.values())
    curve = " / ".join(f"{t:.4f}" for t in next(iter(got.values()))[1])
    rows.append(
        f"| {name} | {len(got)} | {per_seed} | {top1:.4f} | {100 * (top1 - jvm_mean):+.2f} | {curve} | "
        f"{statistics.mean(v[2] for v in got.values()):.0f} | "
        f"{'' if key == 'jvm' else f'{100 * statistics.mean(v[3] for v in got.values()):.1f}%'} | "
        f"{statistics.mean(v[4] for v in got.values()):.0f} |")
section = [
    "## Scaling: 1 to 16 workers at one global batch (issue 26)",
    "",
    f"Machine: {machine()}. Command: `bench/run-scaling.sh {','.join(seeds)} \"{' '.join(map(str, workers))}\" {epochs} {global_batch}` "
    f"({datetime.date.today()}). Fashion-MNIST (60,000 train, 10,000 test images), cnn-small + EBV (N = 10, d = 32), "
    f"{epochs} epochs of the default recipe (SGD + Nesterov, peak lr 0.1 for the global batch {global_batch}, warm-up then cosine, "
    "averaging every 5 batches), the owned round path on Spark local[W] with --workers W and --batch "
    f"{global_batch}/W, so every row trains the same global batch and schedule. Top-1 on the 10,000 test images after the last epoch. "
    "Workers share this machine's 2 cores: past 2 workers the rows measure what averaging does to accuracy, "
    "not speed (16 is oversubscribed 8 times). Outside fit = round time minus the workers' mean fit time."
    + (" " + os.environ["EBV_BENCH_NOTE"] if os.environ.get("EBV_BENCH_NOTE") else ""),
    "",
    "| workers | seeds | final top-1 per seed | mean | minus one JVM, points | top-1 per epoch (first seed) | images/s | outside fit, share | train s |",
    "|---|---|---|---|---|---|---|---|---|",
    *rows,
]
write_section(doc, "scaling", section)
print("\n".join(section))
