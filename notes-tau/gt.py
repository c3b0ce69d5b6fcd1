import sys
sys.path.insert(0, '/tmp/tau/probe')
from analyze import *
path, n = sys.argv[1], int(sys.argv[2])
recs = read_records(path, n)
test = list(range(len(recs) - 200, len(recs)))
h1 = list(range(n // 2)); h2 = list(range(n // 2, n))
for kind in ('top1', 'logprob'):
    a = [metric(recs[i], h1, kind) for i in test]; b = [metric(recs[i], h2, kind) for i in test]
    print(f"{kind}: split-half ({n//2} vs {n//2} images) tau {kendall(a, b):.3f}; SD {sd(a):.3f}; noise SD {sd([x-y for x,y in zip(a,b)])/math.sqrt(2):.3f}; range {min(a):.3f}..{max(a):.3f}")
a = [metric(recs[i], h1, 'top1') for i in test]; b = [metric(recs[i], h1, 'logprob') for i in test]
print(f"top1 vs logprob on the same {n//2} images: tau {kendall(a, b):.3f}")
