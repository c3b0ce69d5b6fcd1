#!/usr/bin/env python3
"""Probe analysis: tau of the contribution predictor against sub-network ground truth, by metric."""
import array, math, sys, random, argparse

def read_records(path, n):
    recs = []
    with open(path, 'rb') as f:
        while True:
            b = f.read(4 * n)
            if len(b) < 4 * n: break
            lp = array.array('f'); lp.frombytes(b)
            c = f.read(n)
            recs.append((lp, c))
    return recs

def plan_ids():
    cfgs = [f"e{e}_k{k}_se{s}" for e in (2, 4) for k in (3, 5) for s in (0, 1)]
    ids = ["base"]
    for st in range(1, 6):
        ids += [f"s{st}.b1.{c}" for c in cfgs]
        ids += [f"s{st}.depth1", f"s{st}.depth2"]
        ids += [f"s{st}.b2.{c}@d2" for c in cfgs]
        ids += [f"s{st}.depth3"]
        ids += [f"s{st}.b3.{c}@d3" for c in cfgs]
    return ids

def read_archs(path):
    archs = []
    for line in open(path):
        stages = []
        for part in line.strip().split(' | '):
            w = part.split()
            stages.append((int(w[0]), w[1:]))
        archs.append(stages)
    return archs

def metric(rec, idx, kind):
    lp, c = rec
    if kind == 'top1': return 100.0 * sum(c[i] for i in idx) / len(idx)
    if kind == 'logprob': return sum(lp[i] for i in idx) / len(idx)
    if kind == 'prob': return 100.0 * sum(math.exp(lp[i]) for i in idx) / len(idx)
    raise ValueError(kind)

def predictor(contrib, npass, passes, idx, kind, variant):
    ids = plan_ids()
    assert len(contrib) == len(ids) * npass, (len(contrib), len(ids), npass)
    val = {}
    for m, i in enumerate(ids):
        val[i] = [metric(contrib[m * npass + k], idx, kind) for k in passes]
    base = val["base"]
    d = {}
    se = {}
    for i in ids:
        ref = base
        if variant == 'conditional' and '@d' in i:
            st = i.split('.')[0]; ref = val[f"{st}.depth{i.split('@d')[1]}"]
        diffs = [a - b for a, b in zip(val[i], ref)]
        mu = sum(diffs) / len(diffs)
        d[i] = mu
        se[i] = math.sqrt(sum((x - mu) ** 2 for x in diffs) / (len(diffs) - 1) / len(diffs)) if len(diffs) > 1 else 0
    return sum(base) / len(base), d, se

def predict(arch, b0, d):
    v = b0
    for st, (depth, cfgs) in enumerate(arch, 1):
        v += d[f"s{st}.depth{depth}"]
        for b, c in enumerate(cfgs, 1):
            v += d[f"s{st}.b1.{c}"] if b == 1 else d[f"s{st}.b{b}.{c}@d{b}"]
    return v

def kendall(x, y):
    n = len(x); con = dis = tx = ty = 0
    for i in range(n):
        for j in range(i + 1, n):
            a = (x[i] > x[j]) - (x[i] < x[j]); b = (y[i] > y[j]) - (y[i] < y[j])
            if a == 0 and b == 0: continue
            if a == 0: tx += 1; continue
            if b == 0: ty += 1; continue
            if a == b: con += 1
            else: dis += 1
    den = math.sqrt((con + dis + tx) * (con + dis + ty))
    return (con - dis) / den if den else float('nan')

def pearson(x, y):
    n = len(x); mx = sum(x) / n; my = sum(y) / n
    sxy = sum((a - mx) * (b - my) for a, b in zip(x, y))
    sx = math.sqrt(sum((a - mx) ** 2 for a in x)); sy = math.sqrt(sum((b - my) ** 2 for b in y))
    return sxy / (sx * sy)

def sd(x):
    m = sum(x) / len(x); return math.sqrt(sum((a - m) ** 2 for a in x) / (len(x) - 1))

def gt_values(recs, idx, kind):
    return [metric(r, idx, kind) for r in recs]

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--contrib', required=True)
    ap.add_argument('--passes', type=int, required=True)
    ap.add_argument('--cimages', type=int, default=1000)
    ap.add_argument('--subnets', nargs='+', required=True, help='label=path (path.archs beside)')
    ap.add_argument('--simages', type=int, default=2000)
    ap.add_argument('--test', type=int, default=200)
    args = ap.parse_args()
    contrib = read_records(args.contrib, args.cimages)
    P = args.passes
    cidx = list(range(args.cimages))
    preds = {}
    for kind in ('top1', 'logprob', 'prob'):
        for variant in ('paper', 'conditional'):
            for ps in ([0], list(range(min(2, P))), list(range(P))):
                b0, d, se = predictor(contrib, P, ps, cidx, kind, variant)
                preds[(kind, variant, len(ps))] = (b0, d, se)
    # predictor noise: two disjoint halves of the passes
    halves = None
    if P >= 4:
        halves = {kind: (predictor(contrib, P, [0, 1], cidx, kind, 'paper'), predictor(contrib, P, [2, 3], cidx, kind, 'paper'))
                  for kind in ('top1', 'logprob')}
    for spec in args.subnets:
        label, path = spec.split('=')
        recs = read_records(path, args.simages)
        archs = read_archs(path + '.archs')[:len(recs)]
        T = args.test
        test = list(range(len(recs) - T, len(recs)))
        first = list(range(min(1000, args.simages)))
        second = list(range(1000, args.simages))
        print(f"\n## ground truth {label}: {len(recs)} sub-networks, test = last {T}")
        truths = {'top1@1000': gt_values(recs, first, 'top1'), 'logprob@1000': gt_values(recs, first, 'logprob')}
        if second:
            truths['top1@2000'] = gt_values(recs, list(range(args.simages)), 'top1')
            truths['top1@other1000'] = gt_values(recs, second, 'top1')
            truths['logprob@other1000'] = gt_values(recs, second, 'logprob')
            a = [truths['top1@1000'][i] for i in test]; b = [truths['top1@other1000'][i] for i in test]
            print(f"split-half top1 (1000 vs other 1000 images): tau {kendall(a, b):.3f}, SD {sd(a):.2f} pts, "
                  f"noise SD of a difference {sd([x - y for x, y in zip(a, b)]) / math.sqrt(2):.2f} pts")
            a = [truths['logprob@1000'][i] for i in test]; b = [truths['logprob@other1000'][i] for i in test]
            print(f"split-half logprob: tau {kendall(a, b):.3f}, SD {sd(a):.4f}, noise SD {sd([x - y for x, y in zip(a, b)]) / math.sqrt(2):.4f}")
            a = [truths['top1@1000'][i] for i in test]; b = [truths['logprob@1000'][i] for i in test]
            print(f"top1 vs logprob truth (same 1000 images): tau {kendall(a, b):.3f}")
        tv = truths['top1@1000']
        print(f"top1@1000 truth: range {min(tv):.1f}..{max(tv):.1f}, SD {sd([tv[i] for i in test]):.2f}")
        print("| predictor metric | variant | passes | " + " | ".join(truths) + " |")
        for (kind, variant, np_), (b0, d, se) in preds.items():
            p = [predict(archs[i], b0, d) for i in test]
            row = [f"{kendall(p, [t[i] for i in test]):.3f}" for t in truths.values()]
            print(f"| {kind} | {variant} | {np_} | " + " | ".join(row) + " |")
        if halves:
            for kind, (h1, h2) in halves.items():
                p1 = [predict(archs[i], h1[0], h1[1]) for i in test]
                p2 = [predict(archs[i], h2[0], h2[1]) for i in test]
                print(f"predictor reliability {kind} (passes 0-1 vs 2-3): tau {kendall(p1, p2):.3f}, "
                      f"pred SD {sd(p1):.3f}, noise SD of a 2-pass prediction {sd([x - y for x, y in zip(p1, p2)]) / math.sqrt(2):.3f}")

if __name__ == '__main__':
    main()
