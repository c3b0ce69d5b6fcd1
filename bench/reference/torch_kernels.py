#!/usr/bin/env python3
"""Times the kernels of bench/kernels/bench_kernels.cpp in PyTorch, on the same shapes
(bench/kernels/shapes.json) and with the same thread count, and writes JSON.

Every op is called directly (no autograd graph): convolutions through F.conv2d and
aten.convolution_backward on channels_last tensors (groups=C for depthwise, 1x1 kernels for
pointwise), batch norm through aten.native_batch_norm(_backward), h-swish through
F.hardswish / aten.hardswish_backward. Each benchmark is warmed up, then timed call by call for at
least --min-time seconds and --min-repeats calls; the median and the minimum are reported.

Runs under PyTorch 1.13 (Debian) and 2.x (.venv-reference); scripts/bench-kernels.sh picks the interpreter.

Usage: .venv-reference/bin/python bench/reference/torch_kernels.py --threads 2 --out torch.json [--filter dw/]
"""
import argparse
import json
import os
import re
import statistics
import sys
import time

import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_SHAPES = os.path.join(HERE, "..", "kernels", "shapes.json")
CL = torch.channels_last


def randn(*shape, cl=True):
    t = torch.randn(*shape, dtype=torch.float32)
    return t.contiguous(memory_format=CL) if cl and t.dim() == 4 else t


def conv_benchmarks(family, name, n, h, w, cin, cout, k, stride, groups):
    pad = k // 2
    x = randn(n, cin, h, w)
    wt = randn(cout, cin // groups, k, k)
    y = F.conv2d(x, wt, None, stride, pad, 1, groups)
    gy = randn(*y.shape)
    args = (None, [stride, stride], [pad, pad], [1, 1], False, [0, 0], groups)

    def bwd(mask):
        return lambda: torch.ops.aten.convolution_backward(gy, x, wt, *args, mask)

    fwd = lambda: F.conv2d(x, wt, None, stride, pad, 1, groups)
    both = bwd([True, True, False])

    def total():
        fwd()
        both()

    return {
        f"{family}/fwd/{name}": fwd,
        f"{family}/bwd_data/{name}": bwd([True, False, False]),
        f"{family}/bwd_weight/{name}": bwd([False, True, False]),
        f"{family}/total/{name}": total,
    }


def bn_benchmarks(name, n, h, w, c):
    x, gy = randn(n, c, h, w), randn(n, c, h, w)
    g, b = torch.randn(c), torch.randn(c)
    rm, rv = torch.zeros(c), torch.ones(c)
    eps = 1e-5
    fwd = lambda: torch.ops.aten.native_batch_norm(x, g, b, rm, rv, True, 0.1, eps)
    _, mean, invstd = fwd()
    bwd = lambda: torch.ops.aten.native_batch_norm_backward(
        gy, x, g, rm, rv, mean, invstd, True, eps, [True, True, True])

    def total():
        _, m, s = torch.ops.aten.native_batch_norm(x, g, b, rm, rv, True, 0.1, eps)
        torch.ops.aten.native_batch_norm_backward(gy, x, g, rm, rv, m, s, True, eps, [True, True, True])

    return {f"bn/fwd_train/{name}": fwd, f"bn/bwd/{name}": bwd, f"bn/total/{name}": total}


def hswish_benchmarks(name, n, h, w, c):
    x, gy = randn(n, c, h, w), randn(n, c, h, w)
    return {
        f"hswish/fwd/{name}": lambda: F.hardswish(x),
        f"hswish/bwd/{name}": lambda: torch.ops.aten.hardswish_backward(gy, x),
    }


def build(shapes):
    n = shapes["batch"]
    out = {}
    for s in shapes.get("conv", []):
        out.update(conv_benchmarks("conv", s["name"], n, s["H"], s["W"], s["cin"], s["cout"], s["k"],
                                   s["stride"], 1))
    for s in shapes["pointwise"]:
        out.update(conv_benchmarks("pw", s["name"], n, s["H"], s["W"], s["cin"], s["cout"], 1, 1, 1))
    for s in shapes["depthwise"]:
        out.update(conv_benchmarks("dw", s["name"], n, s["H"], s["W"], s["C"], s["C"], s["k"],
                                   s["stride"], s["C"]))
    for s in shapes["batchnorm"]:
        out.update(bn_benchmarks(s["name"], n, s["H"], s["W"], s["C"]))
    for s in shapes["hswish"]:
        out.update(hswish_benchmarks(s["name"], n, s["H"], s["W"], s["C"]))
    return out


def time_one(fn, min_time, min_repeats, warmup, clock=time.perf_counter):
    for _ in range(warmup):
        fn()
    times = []
    start = time.perf_counter()
    while len(times) < min_repeats or time.perf_counter() - start < min_time:
        t0 = clock()
        fn()
        times.append(clock() - t0)
    return statistics.median(times), min(times), len(times)


def onednn_version(torch):
    """oneDNN's version as the build reports it (e.g. "v3.13.3"), or "off"."""
    if not torch.backends.mkldnn.is_available():
        return "off"
    m = re.search(r"MKL-DNN (v[\d.]+)", torch.__config__.show())
    return m.group(1) if m else "on"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--shapes", default=DEFAULT_SHAPES)
    ap.add_argument("--out", default="-", help="JSON output file ('-' for stdout)")
    ap.add_argument("--filter", default="", help="regular expression on benchmark names")
    ap.add_argument("--min-time", type=float, default=0.5, help="seconds timed per benchmark")
    ap.add_argument("--min-repeats", type=int, default=5)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--cpu-time", action="store_true",
                    help="time with the process CPU clock instead of wall-clock time (for a loaded "
                         "machine with --threads 1)")
    a = ap.parse_args()

    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    with open(a.shapes) as f:
        shapes = json.load(f)
    pattern = re.compile(a.filter)
    results = {}
    with torch.no_grad():
        for name, fn in build(shapes).items():
            if not pattern.search(name):
                continue
            clock = time.process_time if a.cpu_time else time.perf_counter
            med, best, reps = time_one(fn, a.min_time, a.min_repeats, a.warmup, clock)
            results[name] = {"median_ms": med * 1e3, "min_ms": best * 1e3, "repeats": reps}
            print(f"{name:48s} {med * 1e3:10.3f} ms  ({reps} calls)", file=sys.stderr)
    doc = {
        "framework": f"PyTorch {torch.__version__}",
        "threads": torch.get_num_threads(),
        "clock": "process_cpu" if a.cpu_time else "wall",
        "mkldnn": onednn_version(torch),
        "shapes": os.path.abspath(a.shapes),
        "results": results,
    }
    text = json.dumps(doc, indent=1)
    if a.out == "-":
        print(text)
    else:
        with open(a.out, "w") as f:
            f.write(text + "\n")


if __name__ == "__main__":
    main()
