#!/usr/bin/env python3
"""Measures the latency table of an iqnas search space with PyTorch (eval mode, BN folded into conv
biases, no autograd) and writes the CSV schema of docs/latency.md; import it with
  iqnas lut --space S --import T.csv --device cpu-torch --threads N --batch B --out T.json

Usage: lut_torch.py --iqnas build/cpu/experiments/iqnas --space paper --out T.csv
                    [--device cpu|cuda] [--threads 1] [--batch 1 (cuda: 64)] [--repeats 50] [--warmup 5]
"""
import argparse

import torch

import iqnas_ref as ref


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--iqnas", required=True)
    p.add_argument("--space", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--device", default="cpu", choices=["cpu", "cuda"])
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--batch", type=int)
    p.add_argument("--repeats", type=int, default=50)
    p.add_argument("--warmup", type=int, default=5)
    a = p.parse_args()
    batch = a.batch or (64 if a.device == "cuda" else 1)
    if a.threads < 1 or batch < 1 or a.repeats < 1 or a.warmup < 0:
        p.error("--threads, --batch, --repeats must be >= 1 and --warmup >= 0")
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    desc = ref.describe(a.iqnas, a.space)
    dev = torch.device(a.device)
    mods = [ref.Block(d).eval().to(dev) for d in desc["blocks"]] + [ref.Fixed(desc["space"]).eval().to(dev)]
    inputs = [tuple(t.to(dev) for t in ref.block_input(d, batch)) for d in desc["blocks"]]
    inputs.append(tuple(t.to(dev) for t in ref.fixed_inputs(desc["space"], batch)))
    sync = torch.cuda.synchronize if a.device == "cuda" else None
    with torch.no_grad():
        st = ref.time_interleaved(mods, inputs, batch, a.repeats, a.warmup, a.threads, sync=sync)
    ref.write_csv(a.out, desc["blocks"], st[:-1], st[-1])
    print(f"wrote {a.out}: {len(desc['blocks'])} blocks + fixed part, PyTorch {torch.__version__}, {a.device}, "
          f"{a.threads} thread(s), batch {batch}")


if __name__ == "__main__":
    main()
