#!/usr/bin/env python3
"""Side-by-side table of bench_kernels (Google Benchmark JSON) and torch_kernels.py (JSON).

ratio = PyTorch time / our time: above 1 means we are faster. Each side's time is the minimum
(default; the least disturbed by other processes on a shared machine) or the median over
repetitions: Google Benchmark repetitions on our side, single calls on the PyTorch side. When the
PyTorch file was made with --cpu-time, our CPU time is compared instead of wall-clock time.
Prints a text table and, with --markdown FILE, writes the same table as markdown.

Usage: compare.py --ours ours.*.json --torch torch.*.json [--torch2 torch2.*.json]
                  [--stat min|median] [--markdown table.md]
Several files per side (passes run alternately) are merged: min over all calls of all passes.
--torch2: a second PyTorch (e.g. Debian's 1.13 next to a current one): two more columns and a
second geometric mean.
"""
import argparse
import json
import math
import re
import statistics
import sys


def load_ours(paths, stat, clock):
    """Per benchmark: the min or median over all repetitions in all files of the per-repetition
    mean time (single calls when bench_kernels ran with IQNAS_BENCH_SINGLE_CALLS=1)."""
    scale = {"ns": 1e-6, "us": 1e-3, "ms": 1.0, "s": 1e3}
    field = "cpu_time" if clock == "cpu" else "real_time"
    reps, order, ctx = {}, [], {}
    for path in paths:
        with open(path) as f:
            doc = json.load(f)
        ctx = doc.get("context", ctx)
        for b in doc["benchmarks"]:
            name = re.sub(r"/(real_time|iterations:\d+)", "", b.get("run_name", b["name"]))
            if name not in reps:
                order.append(name)
                reps[name] = []
            if b.get("run_type", "iteration") == "iteration":
                reps[name].append(b[field] * scale[b.get("time_unit", "ns")])
    out = {}
    for n, v in reps.items():
        if v:
            out[n] = min(v) if stat == "min" else statistics.median(v)
    return ctx, order, out


def load_torch(paths, stat):
    """Per benchmark: the min over files of the per-file min, or the median of the per-file medians."""
    vals, doc = {}, {}
    for path in paths:
        with open(path) as f:
            doc = json.load(f)
        for k, v in doc["results"].items():
            vals.setdefault(k, []).append(v[f"{stat}_ms"])
    agg = min if stat == "min" else statistics.median
    return doc, {k: agg(v) for k, v in vals.items()}


def geomean(xs):
    xs = [x for x in xs if x > 0]
    return math.exp(sum(math.log(x) for x in xs) / len(xs)) if xs else float("nan")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--ours", nargs="+", required=True, help="bench_kernels JSON file(s)")
    ap.add_argument("--torch", nargs="+", required=True, help="torch_kernels.py JSON file(s)")
    ap.add_argument("--torch2", nargs="+", help="torch_kernels.py JSON file(s) of a second PyTorch")
    ap.add_argument("--markdown", help="write the table as markdown to this file")
    ap.add_argument("--stat", choices=["min", "median"], default="min",
                    help="statistic over repetitions (min is the most robust on a shared machine)")
    a = ap.parse_args()

    tdoc, theirs = load_torch(a.torch, a.stat)
    tdoc2, theirs2 = load_torch(a.torch2, a.stat) if a.torch2 else ({}, None)
    clock = "cpu" if tdoc.get("clock") == "process_cpu" else "wall"
    ctx, order, ours = load_ours(a.ours, a.stat, clock)

    rows = []
    for name in order:
        if name not in ours:
            continue
        fam, pas, shape = (name.split("/", 2) + ["", ""])[:3]
        t = theirs.get(name)
        t2 = theirs2.get(name) if theirs2 is not None else None
        rows.append((fam, pas, shape, ours[name], t, t / ours[name] if t else None,
                     t2, t2 / ours[name] if t2 else None))

    threads = ctx.get("omp_threads", "?")
    head = (f"ours: iqnas bench_kernels, OMP_NUM_THREADS={threads}, {ctx.get('num_cpus', '?')} CPUs "
            f"@ {ctx.get('mhz_per_cpu', '?')} MHz; reference: {tdoc.get('framework')} "
            f"(oneDNN: {tdoc.get('mkldnn')}), {tdoc.get('threads')} threads; "
            + (f"second reference: {tdoc2.get('framework')} (oneDNN: {tdoc2.get('mkldnn')}); " if a.torch2 else "") +
            f"{'CPU' if clock == 'cpu' else 'wall-clock'} time in ms, {a.stat} over single calls "
            f"({len(a.ours)} pass(es)); "
            f"ratio = PyTorch / ours, > 1 means iqnas is faster")
    print(head)
    def num(v, fmt, width):
        return format(v, fmt) if v is not None else "-".rjust(width)

    second = f" {'torch2 ms':>9s} {'ratio2':>6s}" if a.torch2 else ""
    print(f"{'family':7s} {'pass':11s} {'shape':28s} {'iqnas ms':>9s} {'torch ms':>9s} {'ratio':>6s}{second}")
    for fam, pas, shape, o, t, r, t2, r2 in rows:
        extra = f" {num(t2, '9.3f', 9)} {num(r2, '6.2f', 6)}" if a.torch2 else ""
        print(f"{fam:7s} {pas:11s} {shape:28s} {o:9.3f} {num(t, '9.3f', 9)} {num(r, '6.2f', 6)}{extra}")
    summary = []
    for fam in dict.fromkeys(r[0] for r in rows):
        for pas in dict.fromkeys(r[1] for r in rows if r[0] == fam):
            rs = [r[5] for r in rows if r[0] == fam and r[1] == pas and r[5]]
            rs2 = [r[7] for r in rows if r[0] == fam and r[1] == pas and r[7]]
            if rs:
                summary.append((fam, pas, geomean(rs), min(rs), len(rs), geomean(rs2)))
    print("\ngeometric-mean ratio per family and pass (min in brackets):")
    for fam, pas, g, mn, n, g2 in summary:
        extra = f"; second reference {g2:5.2f}" if a.torch2 else ""
        print(f"  {fam:7s} {pas:11s} {g:5.2f}  (min {mn:4.2f}, {n} shapes{extra})")

    if a.markdown:
        with open(a.markdown, "w") as f:
            f.write(head + "\n\n")
            def ms(t):
                return f"{t:.3f}" if t is not None else "-"

            def ratio(r):  # bold where PyTorch is faster
                return "-" if r is None else (f"**{r:.2f}**" if r < 1 else f"{r:.2f}")

            v1, v2 = tdoc.get("framework", "PyTorch"), tdoc2.get("framework", "PyTorch")
            f.write(f"| family | pass | shape | iqnas ms | {v1} ms | ratio |"
                    + (f" {v2} ms | ratio |" if a.torch2 else "")
                    + "\n|---|---|---|---:|---:|---:|" + ("---:|---:|" if a.torch2 else "") + "\n")
            for fam, pas, shape, o, t, r, t2, r2 in rows:
                extra = f" {ms(t2)} | {ratio(r2)} |" if a.torch2 else ""
                f.write(f"| {fam} | {pas} | {shape} | {o:.3f} | {ms(t)} | {ratio(r)} |{extra}\n")
            f.write("\nGeometric-mean ratio per family and pass:\n\n| family | pass | geomean | min | shapes |"
                    + (f" geomean, {v2} |" if a.torch2 else "") + "\n|---|---|---:|---:|---:|"
                    + ("---:|" if a.torch2 else "") + "\n")
            for fam, pas, g, mn, n, g2 in summary:
                f.write(f"| {fam} | {pas} | {g:.2f} | {mn:.2f} | {n} |" + (f" {g2:.2f} |" if a.torch2 else "") + "\n")
        print(f"\nmarkdown table written to {a.markdown}", file=sys.stderr)


if __name__ == "__main__":
    main()
