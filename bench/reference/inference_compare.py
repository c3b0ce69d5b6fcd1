#!/usr/bin/env python3
"""Batch-1 inference latency of the heaviest and smallest networks of the paper and cifar spaces:
iqnas's BN-folded inference path (bench/inference/bench_inference) against PyTorch (eval mode, BN
folded into conv biases, no_grad; eager NCHW, eager channels_last, TorchScript frozen with
torch.jit.optimize_for_inference (oneDNN convolutions) and, with --compile, torch.compile: the
fastest counts, and the table names it) and ONNX Runtime
(the same PyTorch module exported to ONNX, intra_op_num_threads pinned, full graph optimisation),
same networks (same widths, random weights), in R rounds that alternate the three so that machine
noise spreads evenly. Clock: the calling thread's CPU time (1 thread), immune to other processes on
a shared machine. Each figure is the median over rounds of each round's median.
Needs .venv-reference (scripts/install-deps.sh --with-reference: PyTorch 2.x and ONNX Runtime).
--reference2 PYTHON adds a second PyTorch (e.g. /usr/bin/python3, Debian's 1.13, which has no ONNX
Runtime): the same networks timed in a worker process under that interpreter, in the same rounds.

Usage: inference_compare.py --iqnas build/cpu/experiments/iqnas --bench build/cpu/bench/inference/bench_inference
                            [--rounds 5] [--runs 30] [--md table.md] [--reference2 /usr/bin/python3] [--compile]
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time
import warnings

import torch

import iqnas_ref as ref

# PyTorch 2.x deprecates TorchScript (in favour of torch.compile) but still runs it; one of the forms timed.
warnings.filterwarnings("ignore", category=FutureWarning, module=r"torch\.jit")

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


def torch_nets(iqnas, compile_too):
    """Per case: the network's input (NCHW) and its PyTorch forms: eager NCHW, eager channels_last,
    frozen TorchScript and, with compile_too where PyTorch has it (2.x), torch.compile (inductor;
    it compiles during the first round's warm-up calls, which takes minutes)."""
    torch.set_num_threads(1)
    torch.manual_seed(0)
    nets = {}
    for space, arch in CASES:
        desc = ref.describe(iqnas, space, arch)
        s = desc["space"]
        m = ref.Network(desc).eval()
        x = torch.rand(1, s["in_channels"], s["image_size"], s["image_size"])
        m_cl = ref.Network(desc).eval().to(memory_format=torch.channels_last)
        m_cl.load_state_dict(m.state_dict())
        x_cl = x.contiguous(memory_format=torch.channels_last)
        with torch.no_grad():
            m_jit = torch.jit.optimize_for_inference(torch.jit.script(m))
        forms = [("eager", m, x), ("channels_last", m_cl, x_cl), ("jit", m_jit, x)]
        if compile_too and hasattr(torch, "compile"):
            forms.append(("compile", torch.compile(m), x))
        nets[f"{space}_{arch}"] = (x, forms)
    return nets


def time_torch(nets, runs):
    """Per case: [ms, form] of the fastest form (median ms of `runs` calls each)."""
    out = {}
    with torch.no_grad():
        for k, (_, forms) in nets.items():
            out[k] = min([median_ms(f, (x,), runs), name] for name, f, x in forms)
    return out


def torch_worker(iqnas, runs, compile_too):
    """--reference2's side: builds the networks once, then times them once per line read on stdin,
    answering one JSON line per round (the first one names the version)."""
    nets = torch_nets(iqnas, compile_too)
    print(json.dumps({"torch": torch.__version__}), flush=True)
    for _ in sys.stdin:
        print(json.dumps(time_torch(nets, runs)), flush=True)


class Reference2:
    def __init__(self, python, iqnas, runs, compile_too):
        cmd = [python, os.path.abspath(__file__), "--torch-worker", "--iqnas", iqnas, "--runs", str(runs)]
        self.proc = subprocess.Popen(cmd + (["--compile"] if compile_too else []), stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, text=True, env={**os.environ, "OMP_NUM_THREADS": "1"})
        self.version = self.read()["torch"]

    def read(self):
        line = self.proc.stdout.readline()
        if not line:
            sys.exit(f"inference_compare.py: the --reference2 worker exited (status {self.proc.wait()})")
        return json.loads(line)

    def round(self):
        self.proc.stdin.write("\n")
        self.proc.stdin.flush()
        return self.read()

    def close(self):
        self.proc.stdin.close()
        self.proc.wait()


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--iqnas", required=True)
    p.add_argument("--bench")
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--runs", type=int, default=30)
    p.add_argument("--md")
    p.add_argument("--reference2", metavar="PYTHON", help="a second PyTorch's interpreter, e.g. /usr/bin/python3")
    p.add_argument("--compile", action="store_true",
                   help="add torch.compile (PyTorch 2.x, inductor) to the forms timed; compiling takes minutes")
    p.add_argument("--torch-worker", action="store_true", help=argparse.SUPPRESS)
    a = p.parse_args()
    if a.rounds < 1 or a.runs < 1:
        p.error("--rounds and --runs must be >= 1")
    if a.torch_worker:
        return torch_worker(a.iqnas, a.runs, a.compile)
    if not a.bench:
        p.error("--bench is required")
    import numpy as np
    import onnxruntime as ort
    from lut_onnx import session

    nets = torch_nets(a.iqnas, a.compile)
    with torch.no_grad():
        onnx = {k: (session(forms[0][1], (x,), 1), np.ascontiguousarray(x.numpy())) for k, (x, forms) in nets.items()}
    ref2 = Reference2(a.reference2, a.iqnas, a.runs, a.compile) if a.reference2 else None
    cols = ["ours", "torch", "onnxruntime"] + (["torch2"] if ref2 else [])
    rows = {k: {c: [] for c in cols} for k in nets}
    for r in range(a.rounds):
        o, t = ours(a.bench), time_torch(nets, a.runs)
        t2 = ref2.round() if ref2 else {}
        for k, (fn, xn) in onnx.items():
            rows[k]["ours"].append(o[k])
            rows[k]["torch"].append(t[k])
            rows[k]["onnxruntime"].append(median_ms(fn, (xn,), a.runs))
            if ref2:
                rows[k]["torch2"].append(t2[k])
        print(f"round {r + 1}/{a.rounds} done", flush=True)
    if ref2:
        ref2.close()
    v2 = f"PyTorch {ref2.version}" if ref2 else ""
    lines = [f"PyTorch {torch.__version__}, onnxruntime {ort.__version__}"
             + (f", second reference {v2}" if v2 else "")
             + f", 1 thread, batch 1, thread CPU time, median of {a.rounds} rounds; PyTorch: the fastest of "
             + ", ".join(n for n, _, _ in next(iter(nets.values()))[1]) + " (the form that won most rounds)", "",
             "| network | iqnas ms | PyTorch ms | ONNX Runtime ms | PyTorch / iqnas | ONNX Runtime / iqnas |"
             + (f" {v2} ms | {v2} / iqnas |" if v2 else ""),
             "|---|---|---|---|---|---|" + ("---|---|" if v2 else "")]
    def fastest(runs):  # the median over rounds, and the form that won most rounds
        return statistics.median(r[0] for r in runs), statistics.mode(r[1] for r in runs)

    for k, v in rows.items():
        o, x = statistics.median(v["ours"]), statistics.median(v["onnxruntime"])
        t, form = fastest(v["torch"])
        extra = ""
        if v2:
            t2, form2 = fastest(v["torch2"])
            extra = f" {t2:.3f} ({form2}) | {t2 / o:.2f} |"
        lines.append(f"| {k} | {o:.3f} | {t:.3f} ({form}) | {x:.3f} | {t / o:.2f} | {x / o:.2f} |{extra}")
    text = "\n".join(lines)
    print(text)
    if a.md:
        with open(a.md, "w") as f:
            f.write(text + "\n")


if __name__ == "__main__":
    main()
