#!/usr/bin/env python3
"""LP relaxations of solver problems, solved by HiGHS: how tight a bound can an LP give?

  scripts/solver-lp-bounds.py [--rlt] PROBLEM.json ...

Per problem file (docs/solver.md), the optimum of
  mccormick  the LP of scripts/check-solver-milp.py's linearisation: every product x_i x_j
             becomes z_ij with z <= x_i, z <= x_j, z >= x_i + x_j - 1;
  local      the local-polytope LP that exact's dense search bounds (docs/solver.md, exact item 7):
             for every pair of groups sharing a bilinear term, one z per pair of their options
             with sum_b z_ab = x_a and sum_a z_ab = x_b;
  rlt        (with --rlt) the local polytope over every pair of groups, plus every budget row
             multiplied by every option x_a (RLT): sum_v c_v z_av + ... <= (max - constant) x_a,
             products of three options bounded by z_ai (negative coefficients) or dropped
             (positive ones: budgets are <= rows, so dropping them relaxes);
all with the one-hot rows and every budget as a row, variables in [0, 1]. An upper bound on the
optimum either way. Run it with .venv-reference/bin/python (scripts/install-deps.sh
--with-reference installs highspy).
"""
import sys
import time
from collections import defaultdict

import numpy as np

from solver_problem import group_of as group_layout, load, rows as problem_rows


def relaxation_bound(p, kind):
    """Returns (LP optimum, seconds, columns) of relaxation `kind` ("mccormick", "local", "rlt")."""
    import highspy

    groups = p["groups"]
    off, group_of = group_layout(p)
    rows = problem_rows(p)
    lin = [defaultdict(float, r[0]) for r in rows]
    prod = [defaultdict(float) for _ in rows]
    pairs = set()
    for r, (_, bil, _, _, _) in enumerate(rows):
        for (i, j), c in bil.items():
            if group_of[i] == group_of[j]:  # x * x = x; two options of one group: 0
                if i == j:
                    lin[r][i] += c
                continue
            prod[r][(i, j)] += c
            pairs.add((i, j))
    col = {}
    n = len(group_of)
    if kind == "mccormick":
        for key in sorted(pairs):
            col[key] = n
            n += 1
    else:
        if kind == "rlt":
            group_pairs = [(ga, gb) for ga in range(len(groups)) for gb in range(ga + 1, len(groups))]
        else:
            group_pairs = sorted({(group_of[i], group_of[j]) for i, j in pairs})
        for ga, gb in group_pairs:
            for a in range(len(groups[ga]["options"])):
                for b in range(len(groups[gb]["options"])):
                    col[(off[ga] + a, off[gb] + b)] = n
                    n += 1
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("threads", 1)
    inf = highspy.kHighsInf
    h.addVars(n, np.zeros(n), np.ones(n))
    cost = np.zeros(n)
    for v, c in lin[0].items():
        cost[v] -= c  # HiGHS minimises
    for key, c in prod[0].items():
        cost[col[key]] -= c
    h.changeColsCost(n, np.arange(n, dtype=np.int32), cost)

    def row(lo, hi, terms):
        idx = np.array(list(terms.keys()), dtype=np.int32)
        h.addRow(lo, hi, len(idx), idx, np.array(list(terms.values()), dtype=np.float64))

    for gi, g in enumerate(groups):
        row(1, 1, {off[gi] + o: 1.0 for o in range(len(g["options"]))})
    for r in range(1, len(rows)):
        terms = defaultdict(float, lin[r])
        for key, c in prod[r].items():
            terms[col[key]] += c
        row(-inf, rows[r][3] - rows[r][2], terms)
    if kind == "mccormick":
        for (i, j), z in col.items():
            row(-inf, 0, {z: 1.0, i: -1.0})
            row(-inf, 0, {z: 1.0, j: -1.0})
            row(-1, inf, {z: 1.0, i: -1.0, j: -1.0})
    else:
        for ga, gb in group_pairs:
            na, nb = len(groups[ga]["options"]), len(groups[gb]["options"])
            for a in range(na):
                terms = {col[(off[ga] + a, off[gb] + b)]: 1.0 for b in range(nb)}
                terms[off[ga] + a] = -1.0
                row(0, 0, terms)
            for b in range(nb):
                terms = {col[(off[ga] + a, off[gb] + b)]: 1.0 for a in range(na)}
                terms[off[gb] + b] = -1.0
                row(0, 0, terms)
    if kind == "rlt":

        def product(i, a):  # x_i x_a as {column: 1}: x_a itself, 0 in one group, else z
            if i == a:
                return {a: 1.0}
            if group_of[i] == group_of[a]:
                return {}
            return {col[(min(i, a), max(i, a))]: 1.0}

        for r in range(1, len(rows)):
            for a in range(len(group_of)):
                terms = defaultdict(float)
                terms[a] -= rows[r][3] - rows[r][2]
                for v, c in lin[r].items():
                    for k in product(v, a):
                        terms[k] += c
                for (i, j), c in prod[r].items():
                    if a in (i, j):  # x_i x_j x_a = x_i x_j
                        terms[col[(i, j)]] += c
                    elif group_of[a] not in (group_of[i], group_of[j]) and c < 0:
                        for k in product(i, a):  # x_i x_j x_a <= x_i x_a
                            terms[k] += c
                row(-inf, 0, terms)
    t0 = time.time()
    h.run()
    if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        return None, time.time() - t0, n
    return -h.getInfo().objective_function_value + rows[0][2], time.time() - t0, n


def main():
    args = sys.argv[1:]
    kinds = ["mccormick", "local"]
    header = "| problem | McCormick LP | s | local-polytope LP | s |"
    if args and args[0] == "--rlt":
        args = args[1:]
        kinds.append("rlt")
        header += " RLT LP | s |"
    if not args or args[0] in ("-h", "--help"):
        print(__doc__.strip())
        return 0 if args else 2
    print(header + "\n" + "|---" * (2 * len(kinds) + 1) + "|")
    for path in args:
        try:
            p = load(path)
        except (OSError, ValueError) as e:
            print(f"{path}: {e}", file=sys.stderr)
            return 1
        cells = [path.rsplit("/", 1)[-1].removesuffix(".json")]
        for kind in kinds:
            try:
                b, s, _ = relaxation_bound(p, kind)
            except (KeyError, TypeError, IndexError, ValueError) as e:
                print(f"{path}: not a valid problem file ({type(e).__name__}: {e}); "
                      "iqnas solve names the field", file=sys.stderr)
                return 1
            cells += ["infeasible" if b is None else f"{b:.4f}", f"{s:.1f}"]
        print("| " + " | ".join(cells) + " |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
