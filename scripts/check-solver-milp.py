#!/usr/bin/env python3
"""Check `iqnas solve --method exact` against the exact linear-integer form of the same problem.

Every product x_i * x_j of two binaries becomes z_ij with z <= x_i, z <= x_j, z >= x_i + x_j - 1;
the result is a MILP solved by HiGHS (highspy, the default; installed in the virtual environment
of scripts/install-deps.sh --with-reference), scipy.optimize.milp (HiGHS too) or CBC.

  scripts/check-solver-milp.py [PROBLEM.json ...] [--random N] [--seed S] [--solver highs|scipy|cbc]
                               [--iqnas build/cpu/experiments/iqnas] [--time-limit S] [--table] [--log]

--table prints a markdown table: per problem the time of iqnas exact and of the reference to a
proven optimum, and their ratio (reference / iqnas), both measured in this run, one thread each.
--time-limit S is passed to both (a run that hits it is reported as such, not as a failure).
--log prints HiGHS's log (--solver highs): its root bound after cuts, nodes and dual bound.
Run it with .venv-reference/bin/python (scripts/install-deps.sh --with-reference) for highspy.

Without problem files it checks solver/examples/*.json. --random N adds N random problems larger
than brute force can enumerate (8-12 groups, 2-8 options, 1-3 budgets, bilinear terms across
groups, negative coefficients). Exit code 1 when any objective differs by more than 1e-6 relative.
"""
import argparse
import glob
import json
import os
import random
import subprocess
import sys
import tempfile
import time

import numpy as np

from solver_problem import load, rows as problem_rows


def linearise(p):
    """Returns (nx, pairs, (obj_terms, const), rows) with rows = [((terms, const), max, name)],
    terms over x then one z per product (pairs: (i, j) -> its z index - nx)."""
    nx = sum(len(g["options"]) for g in p["groups"])
    pairs = {}
    out = []
    for lin, bil, const, mx, name in problem_rows(p):
        terms = dict(lin)
        for key, c in bil.items():
            if key not in pairs:
                pairs[key] = len(pairs)
            k = nx + pairs[key]
            terms[k] = terms.get(k, 0.0) + c
        out.append(((terms, const), mx, name))
    return nx, pairs, out[0][0], out[1:]


def solve_scipy(p):
    from scipy.optimize import Bounds, LinearConstraint, milp
    from scipy.sparse import lil_matrix

    nx, pairs, (oterms, oconst), rows = linearise(p)
    n = nx + len(pairs)
    c = np.zeros(n)
    for k, v in oterms.items():
        c[k] -= v  # milp minimises
    m = len(p["groups"]) + len(rows) + 3 * len(pairs)
    A = lil_matrix((m, n))
    lo = np.full(m, -np.inf)
    hi = np.full(m, np.inf)
    r = 0
    start = 0
    for g in p["groups"]:
        for o in range(len(g["options"])):
            A[r, start + o] = 1
        lo[r] = hi[r] = 1
        start += len(g["options"])
        r += 1
    for (terms, const), mx, _ in rows:
        for k, v in terms.items():
            A[r, k] += v
        hi[r] = mx - const
        r += 1
    for (i, j), z in pairs.items():
        z += nx
        A[r, z], A[r, i] = 1, -1; hi[r] = 0; r += 1
        A[r, z], A[r, j] = 1, -1; hi[r] = 0; r += 1
        A[r, z], A[r, i], A[r, j] = 1, -1, -1; lo[r] = -1; r += 1
    res = milp(c, constraints=LinearConstraint(A.tocsr(), lo, hi), integrality=np.ones(n),
               bounds=Bounds(0, 1), options={"mip_rel_gap": 1e-10})
    if res.status == 2 or res.x is None:
        return None
    return -res.fun + oconst


def solve_highs(p, time_limit=0.0, log=False):
    """Returns (objective or None when infeasible, proven optimal); log: HiGHS's log on stdout."""
    import highspy

    nx, pairs, (oterms, oconst), rows = linearise(p)
    n = nx + len(pairs)
    h = highspy.Highs()
    h.setOptionValue("output_flag", log)
    h.setOptionValue("threads", 1)
    h.setOptionValue("mip_rel_gap", 1e-10)
    if time_limit > 0:
        h.setOptionValue("time_limit", float(time_limit))
    inf = highspy.kHighsInf
    cost = np.zeros(n)
    for k, v in oterms.items():
        cost[k] -= v  # HiGHS minimises
    h.addVars(n, np.zeros(n), np.ones(n))
    h.changeColsCost(n, np.arange(n, dtype=np.int32), cost)
    h.changeColsIntegrality(n, np.arange(n, dtype=np.int32),
                            np.full(n, highspy.HighsVarType.kInteger))

    def row(lo, hi, terms):
        idx = np.array(list(terms.keys()), dtype=np.int32)
        val = np.array(list(terms.values()), dtype=np.float64)
        h.addRow(lo, hi, len(idx), idx, val)

    start = 0
    for g in p["groups"]:
        row(1, 1, {start + o: 1.0 for o in range(len(g["options"]))})
        start += len(g["options"])
    for (terms, const), mx, _ in rows:
        if terms:
            row(-inf, mx - const, terms)
        elif const > mx:
            return None, True
    for (i, j), z in pairs.items():
        z += nx
        row(-inf, 0, {z: 1.0, i: -1.0})
        row(-inf, 0, {z: 1.0, j: -1.0})
        row(-1, inf, {z: 1.0, i: -1.0, j: -1.0})
    h.run()
    status = h.getModelStatus()
    if status == highspy.HighsModelStatus.kInfeasible:
        return None, True
    info = h.getInfo()
    if info.primal_solution_status == 0:  # no solution (time limit before any)
        return None, False
    return -info.objective_function_value + oconst, status == highspy.HighsModelStatus.kOptimal


def solve_cbc(p):
    nx, pairs, (oterms, oconst), rows = linearise(p)
    n = nx + len(pairs)

    def lin(terms):
        return " ".join(f"{'+' if v >= 0 else '-'} {abs(v):.17g} v{k}" for k, v in terms.items()) or "0 v0"

    lines = ["Maximize", " obj: " + lin(oterms), "Subject To"]
    start = 0
    for gi, g in enumerate(p["groups"]):
        lines.append(f" g{gi}: " + " + ".join(f"v{start + o}" for o in range(len(g["options"]))) + " = 1")
        start += len(g["options"])
    for ri, ((terms, const), mx, _) in enumerate(rows):
        lines.append(f" b{ri}: {lin(terms)} <= {mx - const:.17g}")
    for (i, j), z in pairs.items():
        z += nx
        lines += [f" za{z}: v{z} - v{i} <= 0", f" zb{z}: v{z} - v{j} <= 0", f" zc{z}: v{z} - v{i} - v{j} >= -1"]
    lines += ["Binary"] + [f" v{k}" for k in range(n)] + ["End"]
    with tempfile.TemporaryDirectory() as d:
        lp = os.path.join(d, "p.lp")
        sol = os.path.join(d, "p.sol")
        with open(lp, "w") as f:
            f.write("\n".join(lines) + "\n")
        subprocess.run(["cbc", lp, "ratio", "1e-12", "allow", "1e-12", "solve", "solu", sol],
                       check=True, capture_output=True)
        with open(sol) as f:
            head = f.readline()
        if "Infeasible" in head or "infeasible" in head:
            return None
        value = float(head.split("objective value")[1].strip())
    return value + oconst


def random_problem(rng):
    G = rng.randint(8, 12)
    groups = [{"name": f"g{g}", "options": [f"o{o}" for o in range(rng.randint(2, 8))]} for g in range(G)]
    first = np.cumsum([0] + [len(g["options"]) for g in groups]).tolist()
    nv = first[-1]

    def row(budget):
        lin = [[v, rng.uniform(-2, 10) if budget else rng.uniform(-10, 10)] for v in range(nv) if rng.random() < 0.8]
        bil = []
        for _ in range(rng.randint(5, 40)):
            a, b = rng.sample(range(G), 2)
            bil.append([first[a] + rng.randrange(len(groups[a]["options"])),
                        first[b] + rng.randrange(len(groups[b]["options"])),
                        rng.uniform(-2, 8) if budget else rng.uniform(-8, 8)])
        return {"constant": rng.uniform(-3, 3), "linear": lin, "bilinear": bil}

    p = {"groups": groups, "objective": row(False), "constraints": []}
    for k in range(rng.randint(1, 3)):
        c = row(True)
        c["name"] = f"c{k}"
        # budget around the value of a random selection
        sel = [rng.randrange(len(g["options"])) for g in groups]
        on = {first[g] + s for g, s in enumerate(sel)}
        v = c["constant"] + sum(x for i, x in c["linear"] if i in on) + \
            sum(x for i, j, x in c["bilinear"] if i in on and j in on)
        c["max"] = v + rng.uniform(-5, 15)
        p["constraints"].append(c)
    return p


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("problems", nargs="*")
    ap.add_argument("--random", type=int, default=0)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--solver", choices=["highs", "scipy", "cbc"], default="highs")
    ap.add_argument("--time-limit", type=float, default=0.0)
    ap.add_argument("--table", action="store_true")
    ap.add_argument("--log", action="store_true", help="HiGHS's log (--solver highs): root bound after cuts, nodes, dual bound")
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    ap.add_argument("--iqnas", default=os.path.join(root, "build", "cpu", "experiments", "iqnas"))
    args = ap.parse_args()
    if args.time_limit < 0:
        sys.exit("--time-limit must be >= 0")
    if not os.path.exists(args.iqnas):
        sys.exit(f"{args.iqnas}: not found; build the iqnas target or pass --iqnas")
    paths = args.problems or sorted(glob.glob(os.path.join(root, "solver", "examples", "*.json")))
    rng = random.Random(args.seed)
    failures = 0
    rows = []
    env = dict(os.environ, OMP_NUM_THREADS="1")
    with tempfile.TemporaryDirectory() as tmp:
        cases = [(p, load(p)) for p in paths]
        for i in range(args.random):
            cases.append((f"random#{i}", random_problem(rng)))
        for name, prob in cases:
            ppath = os.path.join(tmp, "p.json")
            rpath = os.path.join(tmp, "r.json")
            with open(ppath, "w") as f:
                json.dump(prob, f)
            cmd = [args.iqnas, "solve", "--problem", ppath, "--out", rpath]
            if args.time_limit > 0:
                cmd += ["--time-limit", str(args.time_limit)]
            subprocess.run(cmd, check=True, capture_output=True, env=env)
            ours = load(rpath)
            t0 = time.time()
            if args.solver == "highs":
                ref, ref_proven = solve_highs(prob, args.time_limit, args.log)
            else:
                ref, ref_proven = (solve_scipy(prob) if args.solver == "scipy" else solve_cbc(prob)), True
            t_ref = time.time() - t0
            t_ours = ours["solve_time_s"]
            if not ref_proven or ours["status"] == "feasible":
                ok = True  # a time limit was hit: compared in the table, not a failure
                desc = f"time limit: reference {'proven' if ref_proven else 'not proven'} {ref}, " \
                       f"iqnas {ours['status']} {ours.get('objective')} bound {ours.get('bound')}"
            elif ref is None:
                ok = ours["status"] == "infeasible"
                desc = f"reference infeasible, iqnas {ours['status']}"
            else:
                ok = ours["status"] == "optimal" and abs(ours["objective"] - ref) <= 1e-6 * max(1.0, abs(ref))
                desc = f"reference {ref:.10g}, iqnas {ours['status']} {ours['objective']}"
            failures += not ok
            rows.append((os.path.basename(name), ours["status"], t_ours, "optimal" if ref_proven else "time limit",
                         t_ref, ok))
            print(f"{'ok  ' if ok else 'FAIL'} {name}: {desc} (iqnas {t_ours * 1e3:.2f} ms, "
                  f"{args.solver} {t_ref * 1e3:.0f} ms)", flush=True)
    if args.table:
        print(f"\n| problem | iqnas exact | s | {args.solver} MILP | s | ratio (MILP s / iqnas s) | agree |")
        print("|---|---|---|---|---|---|---|")
        for name, st, t1, st2, t2, ok in rows:
            print(f"| {name} | {st} | {t1:.3f} | {st2} | {t2:.3f} | {t2 / max(t1, 1e-9):.1f} | {'yes' if ok else 'NO'} |")
    print(f"{len(cases) - failures}/{len(cases)} agree")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
