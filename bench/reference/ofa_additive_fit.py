#!/usr/bin/env python3
"""How far can a sum of per-block latencies be trusted on real GPUs? Fits the table's additive form
to the measured latencies of 5,000 Once-for-All MobileNetV3 networks (shared data: ofa_mbv3_lat.csv.gz,
RTX 2080 Ti and V100 at batch 1, 32 and 64) on 4,000 of them and predicts the other 1,000.

The OFA space: 5 stages of depth 2..4, every block kernel 3/5/7 and expansion 3/4/6, input resolution
128..224. As in the iqnas table, a block's entry depends on its stage, whether it is the stage's first
block (stride, in channels) and its configuration; the resolution enters as
    t_entry(r) = a_entry * (r / 224)^2 + b_entry
(compute grows with the pixel count; b holds the per-kernel launch cost), and the fixed part likewise
as a0 (r/224)^2 + b0. Latency = fixed + sum over active blocks: 2 x (1 + 5 x 2 x 9) = 182 unknowns,
fitted by least squares. Prints MAPE and Kendall tau per device and batch on the held-out networks.

Usage: ofa_additive_fit.py [--data ../shared/data/ofa/ofa_mbv3_lat.csv.gz] [--seed 0] [--md table.md]
"""
import argparse
import csv
import gzip
import os

import numpy as np
from scipy.stats import kendalltau

KS, ES = [3, 5, 7], [3, 4, 6]


def features(row):
    r = int(row["resolution"]) / 224.0
    d = [int(x) for x in row["d"].split("-")]
    ks = [int(x) for x in row["ks"].split("-")]
    es = [int(x) for x in row["e"].split("-")]
    f = np.zeros(2 * (1 + 5 * 2 * 9))
    f[0], f[1] = r * r, 1.0
    for s in range(5):
        for b in range(d[s]):
            i = 4 * s + b
            key = 1 + (s * 2 + (0 if b == 0 else 1)) * 9 + KS.index(ks[i]) * 3 + ES.index(es[i])
            f[2 * key] += r * r
            f[2 * key + 1] += 1.0
    return f


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data", default=os.path.join(here, "../../../shared/data/ofa/ofa_mbv3_lat.csv.gz"))
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--train", type=int, default=4000)
    p.add_argument("--md")
    a = p.parse_args()
    if not os.path.exists(a.data):
        raise SystemExit(f"{a.data}: not found (the shared data folder; pass --data)")
    with gzip.open(a.data, "rt") as f:
        rows = list(csv.DictReader(f))
    X = np.array([features(r) for r in rows])
    perm = np.random.default_rng(a.seed).permutation(len(rows))
    tr, te = perm[:a.train], perm[a.train:]
    lines = [f"{len(tr)} networks fitted, {len(te)} held out (seed {a.seed}); {X.shape[1]} unknowns", "",
             "| device | batch | latency range (ms) | MAPE held out | Kendall tau held out | MAPE train |",
             "|---|---|---|---|---|---|"]
    for dev, name in (("2080ti", "RTX 2080 Ti"), ("v100", "V100")):
        for bs in (1, 32, 64):
            y = np.array([float(r[f"lat_{dev}_{bs}"]) for r in rows])
            coef, *_ = np.linalg.lstsq(X[tr], y[tr], rcond=None)
            pred = X @ coef
            mape = lambda idx: 100 * np.mean(np.abs(pred[idx] - y[idx]) / y[idx])
            tau = kendalltau(pred[te], y[te])[0]
            lines.append(f"| {name} | {bs} | {y.min():.1f} .. {y.max():.1f} | {mape(te):.2f}% | {tau:.3f} | "
                         f"{mape(tr):.2f}% |")
    text = "\n".join(lines)
    print(text)
    if a.md:
        with open(a.md, "w") as f:
            f.write(text + "\n")


if __name__ == "__main__":
    main()
