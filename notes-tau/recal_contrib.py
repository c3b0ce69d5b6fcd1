import sys; sys.path.insert(0,'/tmp/tau/probe')
from analyze import *
contrib = read_records('/work/h-tau/runs/e1/pc-recal.bin', 1000)
recs = read_records('/work/h-tau/runs/e1/ps-running.bin', 2000); archs = read_archs('/work/h-tau/runs/e1/ps-running.bin.archs')
rrec = read_records('/work/h-tau/runs/e1/ps-recal.bin', 1000)
test = list(range(100, 300)); first = list(range(1000))
for kind in ('top1','logprob'):
  for v in ('paper','conditional'):
    b0, d, se = predictor(contrib, 1, [0], first, kind, v)
    p = [predict(archs[i], b0, d) for i in test]
    out = [kendall(p, [metric(recs[i], first, tk) for i in test]) for tk in ('top1','logprob')]
    out += [kendall(p, [metric(rrec[i], first, tk) for i in test]) for tk in ('top1','logprob')]
    print(f"recalibrated contributions 1x1000 {kind} {v}: vs top1 {out[0]:.3f} vs logprob {out[1]:.3f} vs recal top1 {out[2]:.3f} vs recal logprob {out[3]:.3f}")
