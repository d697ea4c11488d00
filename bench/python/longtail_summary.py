"""Markdown table of longtail_reference.py's JSON lines (one per run): per ratio and head, top-1 and the
head (classes 0-2), medium (3-6) and tail (7-9) groups, mean ± sample standard deviation over seeds, in
percent, as ClaimsBenchmark's long-tail table. Reads the lines from stdin or the files named."""
import collections
import fileinput
import json
import statistics


def spread(values):
    values = [100 * v for v in values]
    sd = statistics.stdev(values) if len(values) > 1 else float("nan")
    return f"{statistics.mean(values):.2f} ± {sd:.2f}"


runs = collections.defaultdict(list)
for line in fileinput.input():
    if line.startswith("{"):
        r = json.loads(line)
        runs[(r["label"], r["epochs"], r["head"])].append(r)
print("| subset | epochs | head | seeds | top-1 | head classes | medium | tail | EBV - FC top-1 |")
print("|---|---|---|---|---|---|---|---|---|")
for (label, epochs, head) in sorted(runs, key=lambda k: (k[0], k[1], k[2])):
    rs = runs[(label, epochs, head)]
    group = lambda lo, hi: [sum(r["per_class"][lo:hi]) / (hi - lo) for r in rs]
    top1 = [r["top1"] for r in rs]
    gap = ""
    if head == "ebv" and (label, epochs, "fc") in runs:
        fc = [r["top1"] for r in runs[(label, epochs, "fc")]]
        gap = f"{100 * (statistics.mean(top1) - statistics.mean(fc)):+.2f}"
    print(f"| {label} | {epochs} | {head.upper()} | {len(rs)} | {spread(top1)} | {spread(group(0, 3))} | "
          f"{spread(group(3, 7))} | {spread(group(7, 10))} | {gap} |")
