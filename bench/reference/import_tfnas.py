#!/usr/bin/env python3
"""Imports the TF-NAS per-block latency tables (shared data: tfnas/latency_xeon_gold_6130_bs1.csv.gz,
PyTorch 1.1, batch 1, one thread; tfnas/latency_titan_rtx_bs32.csv.gz, batch 32) for the blocks of
an iqnas space whose shapes match, and writes them in the CSV schema of docs/latency.md.

A TF-NAS row is (input size, in, out, SE width, kernel, stride, activation, expanded width). An iqnas
entry matches exactly when all of these agree with its own (the widths from `iqnas lut --describe`);
"shape" matches agree on everything but the activation (TF-NAS uses swish where the paper space uses
relu or h-swish: the same memory traffic, a few more flops). Negative TF-NAS values (a timer offset,
per its README) are clamped to 0. TF-NAS's `base` row (its stem, first block and head) is written as
the fixed part; it is not the same network part as iqnas's fixed part, so only block entries are
comparable. The table is partial: `iqnas lut --import` refuses it unless every key is present, so
this script reports what matched and writes the matched rows only.

Usage: import_tfnas.py --iqnas build/cpu/experiments/iqnas [--space paper] --table xeon|titan --out T.csv
                       [--data-dir ../shared/data/tfnas] [--allow-act] [--compare ours.json]
"""
import argparse
import csv
import gzip
import json
import os
import statistics

import iqnas_describe as desc_mod

FILES = {"xeon": "latency_xeon_gold_6130_bs1.csv.gz", "titan": "latency_titan_rtx_bs32.csv.gz"}
HEADER = ["key", "input_size", "in", "out", "stride", "expansion", "kernel", "se", "act", "median_ms", "mean_ms",
          "iqr_ms"]


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--iqnas", required=True)
    p.add_argument("--space", default="paper")
    p.add_argument("--table", choices=FILES, required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--data-dir", default=os.path.join(here, "../../../shared/data/tfnas"))
    p.add_argument("--allow-act", action="store_true", help="also take rows that differ only in the activation")
    p.add_argument("--compare", help="an iqnas table (JSON) of the same space: print TF-NAS / iqnas per match")
    a = p.parse_args()
    path = os.path.join(a.data_dir, FILES[a.table])
    if not os.path.exists(path):
        raise SystemExit(f"{path}: not found (the shared data folder; pass --data-dir)")
    with gzip.open(path, "rt") as f:
        rows = list(csv.DictReader(f))
    base = [float(r["latency_ms"]) for r in rows if r["block"] == "base"][0]
    exact, shape = {}, {}
    for r in rows:
        if r["block"] == "base":
            continue
        k = (int(r["in_hw"]), int(r["c_in"]), int(r["c_out"]), int(r["kernel"]), int(r["stride"]), int(r["mid_ch"]),
             int(r["se_ch"]))
        exact[k + (r["act"],)] = max(0.0, float(r["latency_ms"]))
        shape.setdefault(k, max(0.0, float(r["latency_ms"])))
    blocks = desc_mod.describe(a.iqnas, a.space)["blocks"]
    matched, kinds = [], {"exact": [], "activation differs": [], "none": []}
    for b in blocks:
        k = (b["input_size"], b["in"], b["out"], b["kernel"], b["stride"], b["mid"], b["se_hidden"])
        if k + (b["act"],) in exact:
            kinds["exact"].append(b["key"])
            matched.append((b, exact[k + (b["act"],)]))
        elif k in shape:
            kinds["activation differs"].append(b["key"])
            if a.allow_act:
                matched.append((b, shape[k]))
        else:
            kinds["none"].append(b["key"])
    with open(a.out + ".tmp", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(HEADER)
        w.writerow(["fixed"] + [""] * 8 + [repr(base), repr(base), ""])
        for b, v in matched:
            w.writerow([b["key"], b["input_size"], b["in"], b["out"], b["stride"], b["expansion"], b["kernel"],
                        int(b["se"]), b["act"], repr(v), repr(v), ""])
    os.replace(a.out + ".tmp", a.out)
    for kind, keys in kinds.items():
        print(f"{kind}: {len(keys)} of {len(blocks)} entries" + (": " + " ".join(keys) if kind != "none" else ""))
    print(f"wrote {a.out}: {len(matched)} block rows + TF-NAS base {base:.3f} ms")
    if a.compare:
        ours = json.load(open(a.compare))["blocks"]
        ratios = [v / ours[b["key"]]["median_ms"] for b, v in matched if v > 0]
        if ratios:
            print(f"TF-NAS / iqnas per matched block: median {statistics.median(ratios):.2f}, "
                  f"range {min(ratios):.2f} .. {max(ratios):.2f} ({len(ratios)} blocks)")


if __name__ == "__main__":
    main()
