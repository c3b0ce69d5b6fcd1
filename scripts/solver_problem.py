"""Solver problem files (docs/solver.md) for the Python checks in scripts/: reading one and its
rows as sums of terms. Imported by check-solver-milp.py and solver-lp-bounds.py (Python puts a
script's own folder on the import path)."""
import json


def load(path):
    """The JSON document at `path` (a problem or a result file)."""
    with open(path) as f:
        return json.load(f)


def row_terms(e):
    """(linear, bilinear, constant) of a row: {var: coef} and {(i, j) with i <= j: coef}, in the
    order of first appearance, a repeated term summed; an omitted part is empty (constant 0)."""
    lin, bil = {}, {}
    for v, c in e.get("linear", []):
        lin[v] = lin.get(v, 0.0) + c
    for i, j, c in e.get("bilinear", []):
        key = (min(i, j), max(i, j))
        bil[key] = bil.get(key, 0.0) + c
    return lin, bil, e.get("constant", 0.0)


def rows(p):
    """The objective then every constraint as (linear, bilinear, constant, max, name) (row_terms;
    the objective's max and name are None)."""
    out = [row_terms(p["objective"]) + (None, None)]
    for c in p["constraints"]:
        out.append(row_terms(c) + (c["max"], c["name"]))
    return out


def group_of(p):
    """(offsets, group_of): each group's first variable, and each variable's group."""
    off, owner = [], []
    for gi, g in enumerate(p["groups"]):
        off.append(len(owner))
        owner += [gi] * len(g["options"])
    return off, owner
