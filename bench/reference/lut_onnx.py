#!/usr/bin/env python3
"""Measures the latency table of an iqnas search space with ONNX Runtime: every block (and the fixed
part) is exported from PyTorch to ONNX and run in an InferenceSession with intra_op_num_threads
pinned (the reference left it at the default) and full graph optimisation. Writes the CSV schema of
docs/latency.md; import it with
  iqnas lut --space S --import T.csv --device cpu-onnxruntime --threads N --batch B --out T.json
Needs the environment of scripts/install-deps.sh --with-reference (.venv-reference).

Usage: lut_onnx.py --iqnas build/cpu/experiments/iqnas --space paper --out T.csv
                   [--threads 1] [--batch 1] [--repeats 50] [--warmup 5]
"""
import argparse
import inspect
import io

import numpy as np
import onnxruntime as ort
import torch

import iqnas_ref as ref


# PyTorch 2.9+ exports through torch.export by default (needs onnxscript, opset 18); the TorchScript
# exporter, the only one in 1.13, gives the same graph under both references.
LEGACY_EXPORT = {"dynamo": False} if "dynamo" in inspect.signature(torch.onnx.export).parameters else {}


def session(module, inputs, threads):
    buf = io.BytesIO()
    names = [f"x{i}" for i in range(len(inputs))]
    torch.onnx.export(module, inputs, buf, input_names=names, opset_version=13, **LEGACY_EXPORT)
    so = ort.SessionOptions()
    so.intra_op_num_threads = threads
    so.inter_op_num_threads = 1
    so.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    s = ort.InferenceSession(buf.getvalue(), so, providers=["CPUExecutionProvider"])
    return lambda *xs: s.run(None, dict(zip(names, xs)))


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--iqnas", required=True)
    p.add_argument("--space", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--batch", type=int, default=1)
    p.add_argument("--repeats", type=int, default=50)
    p.add_argument("--warmup", type=int, default=5)
    a = p.parse_args()
    if a.threads < 1 or a.batch < 1 or a.repeats < 1 or a.warmup < 0:
        p.error("--threads, --batch, --repeats must be >= 1 and --warmup >= 0")
    torch.manual_seed(0)
    desc = ref.describe(a.iqnas, a.space)
    mods = [ref.Block(d).eval() for d in desc["blocks"]] + [ref.Fixed(desc["space"]).eval()]
    inputs = [ref.block_input(d, a.batch) for d in desc["blocks"]] + [ref.fixed_inputs(desc["space"], a.batch)]
    with torch.no_grad():
        fns = [session(m, x, a.threads) for m, x in zip(mods, inputs)]
    np_inputs = [tuple(np.ascontiguousarray(t.numpy()) for t in x) for x in inputs]
    st = ref.time_interleaved(fns, np_inputs, a.batch, a.repeats, a.warmup, a.threads)
    ref.write_csv(a.out, desc["blocks"], st[:-1], st[-1])
    print(f"wrote {a.out}: {len(desc['blocks'])} blocks + fixed part, onnxruntime {ort.__version__}, "
          f"{a.threads} thread(s), batch {a.batch}")


if __name__ == "__main__":
    main()
