#!/usr/bin/env python3
"""How well can any predictor rank a measured ground truth? Its split-half noise ceiling.

  scripts/truth-ceiling.py [--recalibrated] [--scale K] FULL.csv HALF.csv

FULL and HALF are `iqnas sample-eval` files of the same draws (same --seed), FULL measured on 2n
held-out images and HALF on n (`--images 2n` and `--images n`): the evaluation images are a fixed
shuffled order, so HALF's images are the first half of FULL's and the second half's mean is
2 FULL - HALF. Rows present in both are used. The value column is the inherited one, or with
--recalibrated the recalibrated one (either metric).

Prints the two halves' agreement (Pearson r, Kendall tau-b), the noise SD of one measurement, the
reliability of FULL by Spearman-Brown (2r / (1 + r)) and its tau ceiling (2/pi) asin(sqrt(rel)):
the Kendall tau that a noise-free predictor reaches against FULL when predictor, truth and noise
are Gaussian. --scale K also gives the ceiling of a truth measured on K times FULL's images.
Standard library only.
"""
import csv
import math
import sys


def fail(msg):
    sys.exit("truth-ceiling: " + msg)


def read(path, recalibrated):
    try:
        with open(path, newline="") as f:
            rows = list(csv.reader(f))
    except OSError as e:
        fail(f"{path}: {e.strerror}")
    if not rows or rows[0][:3] != ["index", "selection", "depths"] or len(rows[0]) != 5:
        fail(f"{path}: not a sample-eval file (header index,selection,depths,VALUE,VALUE_recalibrated)")
    col = 4 if recalibrated else 3
    out = {}
    for n, r in enumerate(rows[1:], start=2):
        if len(r) != 5:
            fail(f"{path}: line {n} has {len(r)} fields, not 5")
        if r[col] == "":
            fail(f"{path}: line {n} has no '{rows[0][col]}' value")
        try:
            out[int(r[0])] = (r[1] + "/" + r[2], float(r[col]))
        except ValueError:
            fail(f"{path}: line {n}: '{r[0]}' or '{r[col]}' is not a number")
    return out


def pearson(x, y):
    mx, my = sum(x) / len(x), sum(y) / len(y)
    sxy = sum((a - mx) * (b - my) for a, b in zip(x, y))
    sxx, syy = sum((a - mx) ** 2 for a in x), sum((b - my) ** 2 for b in y)
    return sxy / math.sqrt(sxx * syy)


def kendall_b(x, y):
    con = dis = tie_x = tie_y = 0
    for i in range(len(x)):
        for j in range(i + 1, len(x)):
            dx, dy = x[i] - x[j], y[i] - y[j]
            if dx == 0 and dy == 0:
                continue
            if dx == 0:
                tie_x += 1
            elif dy == 0:
                tie_y += 1
            elif (dx > 0) == (dy > 0):
                con += 1
            else:
                dis += 1
    return (con - dis) / math.sqrt((con + dis + tie_x) * (con + dis + tie_y))


def ceiling(rel):
    return 2 / math.pi * math.asin(math.sqrt(max(rel, 0.0)))


def main(argv):
    recalibrated = "--recalibrated" in argv
    argv = [a for a in argv if a != "--recalibrated"]
    scale = None
    if "--scale" in argv:
        i = argv.index("--scale")
        try:
            scale = float(argv[i + 1])
        except (IndexError, ValueError):
            fail("--scale takes a number")
        if not 1 <= scale <= 1000:
            fail("--scale must be in [1, 1000]")
        del argv[i : i + 2]
    if len(argv) != 2:
        fail("usage: truth-ceiling.py [--recalibrated] [--scale K] FULL.csv HALF.csv")
    full, half = read(argv[0], recalibrated), read(argv[1], recalibrated)
    keys = sorted(k for k in half if k in full)
    if len(keys) < 3:
        fail(f"{argv[0]} and {argv[1]} share {len(keys)} rows; need 3 or more")
    for k in keys:
        if full[k][0] != half[k][0]:
            fail(f"row {k} is not the same architecture in {argv[0]} and {argv[1]} (another --seed?)")
    a = [half[k][1] for k in keys]
    b = [2 * full[k][1] - half[k][1] for k in keys]
    f = [full[k][1] for k in keys]
    r = pearson(a, b)
    rel = 2 * r / (1 + r)
    mean_f = sum(f) / len(f)
    spread = math.sqrt(sum((v - mean_f) ** 2 for v in f) / (len(f) - 1))
    d = [p - q for p, q in zip(a, b)]
    mean_d = sum(d) / len(d)
    noise_half = math.sqrt(sum((v - mean_d) ** 2 for v in d) / (len(d) - 1)) / math.sqrt(2)
    print(f"rows {len(keys)}, spread (SD) {spread:.4g}, noise SD of one measurement {noise_half / math.sqrt(2):.3g}"
          f" (of one half: {noise_half:.3g})")
    print(f"halves: pearson {r:.3f}, kendall {kendall_b(a, b):.3f}, tau ceiling of one half {ceiling(r):.3f}")
    print(f"full: reliability {rel:.4f}, tau ceiling {ceiling(rel):.3f}")
    if scale is not None:
        rel_k = scale * rel / (1 + (scale - 1) * rel)
        print(f"x{scale:g} images: reliability {rel_k:.4f}, tau ceiling {ceiling(rel_k):.3f}")


if __name__ == "__main__":
    main(sys.argv[1:])
