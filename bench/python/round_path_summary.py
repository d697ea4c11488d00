"""Summarizes bench/run-round-path.sh: the medians of each run's rounds (the first left out) and the
share of round time outside fitting, written into the round-path section of docs/BENCHMARKS.md.
Arguments: RUNS_DIR REPEATS ROUNDS DOC."""
import datetime
import json
import os
import statistics
import sys

sys.path.insert(0, os.path.dirname(__file__))
from machine_info import machine, write_section  # noqa: E402

runs, repeats, rounds, doc = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]


def rounds_of(run):
    with open(os.path.join(run, "metrics.jsonl")) as f:
        lines = [json.loads(l) for l in f if l.strip()]
    return [l for l in lines if "round" in l][1:]


def median(rs, key):
    values = [r[key] for r in rs if key in r]
    return statistics.median(values) if values else float("nan")


places = {"local": "Spark local[2]", "cluster": "standalone, 2 workers of 1 core (separate JVMs)"}
rows, shares = [], {}
for place in places:
    for rep in range(1, repeats + 1):
        for path in ("dl4j", "owned"):
            run = os.path.join(runs, f"{place}-{path}-{rep}")
            if not os.path.exists(os.path.join(run, "metrics.jsonl")):
                continue
            rs = rounds_of(run)
            share = sum(r["outsideFitSeconds"] for r in rs) / sum(r["roundSeconds"] for r in rs)
            shares.setdefault((place, path), []).append(share)
            owned_only = ("launchSeconds", "taskStartSeconds", "resultSeconds", "imbalanceSeconds",
                          "taskSetupSecondsPerWorker", "dataWaitSecondsPerWorker", "averageSeconds")
            cell = lambda k: "" if (path == "dl4j" and k in owned_only) or k not in rs[0] else f"{median(rs, k):.3f}"
            keys = ["roundSeconds", "fitSecondsPerWorker", "outsideFitSeconds", "broadcastSeconds", *owned_only]
            rows.append(f"| {places[place]} | {path} | {rep} | {len(rs)} | " + " | ".join(cell(k) for k in keys)
                        + f" | {median(rs, 'imagesPerSecond'):.0f} | {100 * share:.1f}% |")
summary = []
for place in places:
    if (place, "dl4j") in shares and (place, "owned") in shares:
        d, o = statistics.median(shares[(place, "dl4j")]), statistics.median(shares[(place, "owned")])
        summary.append(f"{places[place]}: outside fit {100 * d:.1f}% of a round on DL4J's path, {100 * o:.1f}% on the owned one (medians over runs).")

section = [
    "## A round's time outside fitting: DL4J's round path against the owned one (issue 26)",
    "",
    f"Machine: {machine()}. Command: `bench/run-round-path.sh {repeats} {rounds}` ({datetime.date.today()}). "
    "`ebv train` of cnn-small + EBV on Fashion-MNIST, 2 workers, 64 images per worker, averaging every 5 batches, "
    f"{rounds} rounds a run (the first left out), the two paths interleaved dl4j owned dl4j owned in separate driver JVMs. "
    "All times are medians over a run's rounds. Outside fit = round time minus the workers' mean fit time. Split of the owned path: broadcast (driver, "
    "creating the round's parameter + updater broadcast), launch (the job's time minus its slowest task), split "
    "into task start (broadcast made to the first task's start, by the tasks' clocks) and result (the last task's "
    "result ready to the job's end: serialization, transfer, the tree's sums), imbalance (the slowest task minus "
    "the mean task), task setup (per worker: the broadcast fetched, the resident network found and overwritten), "
    "data wait (per worker: loading not hidden by the prefetch), average (driver: dividing the sums and setting "
    "the network). "
    "DL4J's path reports its broadcast only; the rest of its outside time is its count job, task launch, the network "
    "rebuilt in every task and its aggregation.",
    "",
    "| where | path | run | rounds | round s | fit s per worker | outside fit s | broadcast s | launch s | task start s | result s | imbalance s | task setup s | data wait s | average s | images/s | outside fit, share |",
    "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    *rows,
    "",
    *summary,
    *([os.environ["EBV_BENCH_NOTE"]] if os.environ.get("EBV_BENCH_NOTE") else []),
]
write_section(doc, "round-path", section)
print("\n".join(section))
