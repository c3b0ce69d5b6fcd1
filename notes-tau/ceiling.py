import sys; sys.path.insert(0,'/tmp/tau/probe')
from analyze import *
def lstsq(X, y, lam=1e-3):
    n, p = len(X), len(X[0])
    A = [[sum(X[k][i]*X[k][j] for k in range(n)) + (lam if i == j else 0) for j in range(p)] for i in range(p)]
    b = [sum(X[k][i]*y[k] for k in range(n)) for i in range(p)]
    for i in range(p):  # Gaussian elimination with partial pivoting
        piv = max(range(i, p), key=lambda r: abs(A[r][i])); A[i], A[piv] = A[piv], A[i]; b[i], b[piv] = b[piv], b[i]
        for r in range(i+1, p):
            f = A[r][i] / A[i][i]
            if f:
                for c in range(i, p): A[r][c] -= f*A[i][c]
                b[r] -= f*b[i]
    w = [0]*p
    for i in reversed(range(p)): w[i] = (b[i] - sum(A[i][c]*w[c] for c in range(i+1, p))) / A[i][i]
    return w
path, n, kind = sys.argv[1], int(sys.argv[2]), sys.argv[3]
recs = read_records(path, n); archs = read_archs(path + '.archs')
y = [metric(r, list(range(min(n,1000))), kind) for r in recs]
def feats(a, inter):
    f = [1.0]
    for st, (d, c) in enumerate(a): f += [1.0 if d == k else 0.0 for k in (2, 3)]
    if inter:
        for s in range(5):
            for t in range(s+1, 5):
                for ds in (2,3):
                    for dt in (2,3): f.append(1.0 if a[s][0]==ds and a[t][0]==dt else 0.0)
    return f
train, test = list(range(100)), list(range(100, 300))
for inter in (False, True):
    for tr in (train, test):
        X = [feats(archs[i], inter) for i in tr]; w = lstsq(X, [y[i] for i in tr], 1e-2 if not inter else 1.0)
        p = [sum(a*b for a, b in zip(feats(archs[i], inter), w)) for i in test]
        print(f"{kind} depth-only {'with pairwise depth interactions' if inter else 'additive'} fit on {'train 100' if tr is train else 'test 200 (in-sample)'}: tau {kendall(p, [y[i] for i in test]):.3f}")
