#!/usr/bin/env python3
"""Batch-1 inference latency of the heaviest and smallest networks of the paper and cifar spaces:
iqnas's BN-folded inference path (bench/inference/bench_inference) against PyTorch (eval mode, BN
folded into conv biases, no_grad; eager NCHW, eager channels_last and TorchScript frozen with
torch.jit.optimize_for_inference (oneDNN convolutions): the fastest counts) and ONNX Runtime
(the same PyTorch module exported to ONNX, intra_op_num_threads pinned, full graph optimisation),
same networks (same widths, random weights), in R rounds that alternate the three so that machine
noise spreads evenly. Clock: the calling thread's CPU time (1 thread), immune to other processes on
a shared machine. Each figure is the median over rounds of each round's median.
Needs .venv-reference (scripts/install-deps.sh --with-reference).

Usage: inference_compare.py --iqnas build/cpu/experiments/iqnas --bench build/cpu/bench/inference/bench_inference
                            [--rounds 5] [--runs 30] [--md table.md]
"""
import argparse
import json
import statistics
import subprocess
import time

import numpy as np
import onnxruntime as ort
import torch

import iqnas_ref as ref
from lut_onnx import session

CASES = [("paper", "heaviest"), ("paper", "smallest"), ("cifar", "heaviest"), ("cifar", "smallest")]


def ours(bench):
    out = subprocess.run([bench, "--benchmark_format=json", "--benchmark_min_time=0.5"], check=True,
                         capture_output=True, text=True, env={"OMP_NUM_THREADS": "1", "OMP_WAIT_POLICY": "PASSIVE"})
    res = {}
    for b in json.loads(out.stdout)["benchmarks"]:
        name = b["name"].split("/")[-1]
        scale = {"ms": 1.0, "us": 1e-3, "ns": 1e-6}[b["time_unit"]]
        res[name] = b["cpu_time"] * scale
    return res


def median_ms(fn, x, runs):
    for _ in range(3):
        fn(*x)
    v = []
    for _ in range(runs):
        t0 = time.thread_time_ns()
        fn(*x)
        v.append((time.thread_time_ns() - t0) / 1e6)
    return statistics.median(v)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--iqnas", required=True)
    p.add_argument("--bench", required=True)
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--runs", type=int, default=30)
    p.add_argument("--md")
    a = p.parse_args()
    torch.set_num_threads(1)
    torch.manual_seed(0)
    nets = {}
    for space, arch in CASES:
        desc = ref.describe(a.iqnas, space, arch)
        s = desc["space"]
        m = ref.Network(desc).eval()
        x = torch.rand(1, s["in_channels"], s["image_size"], s["image_size"])
        with torch.no_grad():
            onnx_fn = session(m, (x,), 1)
        m_cl = ref.Network(desc).eval().to(memory_format=torch.channels_last)
        m_cl.load_state_dict(m.state_dict())
        with torch.no_grad():
            m_jit = torch.jit.optimize_for_inference(torch.jit.script(m))
        nets[f"{space}_{arch}"] = (m, m_cl, m_jit, x, onnx_fn, x.numpy())
    rows = {k: {"ours": [], "torch": [], "onnxruntime": []} for k in nets}
    for r in range(a.rounds):
        o = ours(a.bench)
        for k, (m, m_cl, m_jit, x, onnx_fn, xn) in nets.items():
            rows[k]["ours"].append(o[k])
            with torch.no_grad():
                t_nchw = median_ms(m, (x,), a.runs)
                t_cl = median_ms(m_cl, (x.contiguous(memory_format=torch.channels_last),), a.runs)
                t_jit = median_ms(m_jit, (x,), a.runs)
            rows[k]["torch"].append(min(t_nchw, t_cl, t_jit))
            rows[k]["onnxruntime"].append(median_ms(onnx_fn, (xn,), a.runs))
        print(f"round {r + 1}/{a.rounds} done", flush=True)
    lines = [f"PyTorch {torch.__version__}, onnxruntime {ort.__version__}, 1 thread, batch 1, thread CPU time, "
             f"median of {a.rounds} rounds", "",
             "| network | iqnas ms | PyTorch ms | ONNX Runtime ms | PyTorch / iqnas | ONNX Runtime / iqnas |",
             "|---|---|---|---|---|---|"]
    for k, v in rows.items():
        o, t, x = (statistics.median(v[n]) for n in ("ours", "torch", "onnxruntime"))
        lines.append(f"| {k} | {o:.3f} | {t:.3f} | {x:.3f} | {t / o:.2f} | {x / o:.2f} |")
    text = "\n".join(lines)
    print(text)
    if a.md:
        with open(a.md, "w") as f:
            f.write(text + "\n")


if __name__ == "__main__":
    main()
