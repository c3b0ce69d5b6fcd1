"""Shared by lut_torch.py, lut_onnx.py and inference_compare.py: PyTorch modules of iqnas blocks and
networks in inference form, built from `iqnas lut --describe` (so the widths are iqnas's own), and
the table's timing protocol.

Inference form: every convolution carries a bias (a batch norm folded into it), eval mode, no
autograd. Weights are random: timing does not depend on their values.

Protocol (docs/latency.md): `warmup` untimed runs of every entry, then `repeats` rounds in each of
which every entry runs once in a freshly shuffled order, its input read just before; the clock is
the calling thread's CPU time for one thread (immune to other processes on a shared machine), wall
time otherwise. Median, mean and interquartile range in ms per image.
"""
import csv
import random
import statistics
import time

import torch
from torch import nn

ACTS = {"relu": nn.ReLU, "hswish": nn.Hardswish, "hsigmoid": nn.Hardsigmoid, "sigmoid": nn.Sigmoid}


from iqnas_describe import describe  # noqa: F401 (re-exported)


class Block(nn.Module):
    """expand 1x1 + act, depthwise k + act, [SE], project 1x1 [+ x]; biases stand for folded BNs."""

    def __init__(self, d):
        super().__init__()
        act = ACTS[d["act"]]
        k, mid = d["kernel"], d["mid"]
        self.expand = nn.Sequential(nn.Conv2d(d["in"], mid, 1), act())
        self.dw = nn.Sequential(nn.Conv2d(mid, mid, k, d["stride"], k // 2, groups=mid), act())
        self.se = None
        if d["se"]:
            h = d["se_hidden"]
            self.se = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Conv2d(mid, h, 1), nn.ReLU(), nn.Conv2d(h, mid, 1),
                                    nn.Hardsigmoid())
        self.project = nn.Conv2d(mid, d["out"], 1)
        self.residual = d["residual"]

    def forward(self, x):
        h = self.dw(self.expand(x))
        if self.se is not None:
            h = h * self.se(h)
        y = self.project(h)
        return y + x if self.residual else y


class Front(nn.Module):  # stem + stage 0
    def __init__(self, s):
        super().__init__()
        st, s0 = s["stem"], s["stage0"]
        self.stem = nn.Sequential(nn.Conv2d(s["in_channels"], st["out"], st["kernel"], st["stride"], st["kernel"] // 2),
                                  ACTS[st["act"]]())
        self.dw = nn.Sequential(nn.Conv2d(st["out"], st["out"], s0["kernel"], s0["stride"], s0["kernel"] // 2,
                                          groups=st["out"]), ACTS[s0["act"]]())
        self.pw = nn.Conv2d(st["out"], s0["out"], 1)
        self.residual = s0["stride"] == 1 and st["out"] == s0["out"]

    def forward(self, x):
        x = self.stem(x)
        y = self.pw(self.dw(x))
        return y + x if self.residual else y


class Back(nn.Module):  # stage 6 + head
    def __init__(self, s):
        super().__init__()
        act = ACTS[s["last_conv"]["act"]]
        c5 = s["stages"][-1]["out"]
        self.last = nn.Sequential(nn.Conv2d(c5, s["last_conv"]["out"], 1), act())
        self.head = nn.Sequential(nn.Linear(s["last_conv"]["out"], s["head"]["out"]), act())
        self.classifier = nn.Linear(s["head"]["out"], s["num_classes"])

    def forward(self, x):
        return self.classifier(self.head(self.last(x).mean((2, 3))))


class Fixed(nn.Module):  # the table's fixed entry: front on images, back on stand-in features
    def __init__(self, s):
        super().__init__()
        self.front, self.back = Front(s), Back(s)

    def forward(self, images, features):
        return self.front(images), self.back(features)


class Network(nn.Module):
    def __init__(self, desc):
        super().__init__()
        self.front, self.back = Front(desc["space"]), Back(desc["space"])
        self.blocks = nn.Sequential(*[Block(b) for b in desc["blocks"]])

    def forward(self, x):
        return self.back(self.blocks(self.front(x)))


def final_size(s):
    h = s["image_size"]
    for stride in [s["stem"]["stride"], s["stage0"]["stride"]] + [st["stride"] for st in s["stages"]]:
        h = (h - 1) // stride + 1
    return h


def fixed_inputs(s, batch):
    hf = final_size(s)
    return (torch.rand(batch, s["in_channels"], s["image_size"], s["image_size"]),
            torch.rand(batch, s["stages"][-1]["out"], hf, hf))


def block_input(d, batch):
    return (torch.rand(batch, d["in"], d["input_size"], d["input_size"]),)


def time_interleaved(fns, inputs, batch, repeats, warmup, threads, seed=0, sync=None):
    """fns[i](*inputs[i]) timed with the protocol above; returns [(median, mean, iqr)] ms per image."""
    clock = time.thread_time_ns if threads == 1 and sync is None else time.perf_counter_ns
    for _ in range(warmup):
        for f, x in zip(fns, inputs):
            f(*x)
    if sync:
        sync()
    rng = random.Random(seed)
    order = list(range(len(fns)))
    ms = [[] for _ in fns]
    for _ in range(repeats):
        rng.shuffle(order)
        for i in order:
            for t in inputs[i]:
                float(t.sum()) if hasattr(t, "sum") else None  # read the input first
            t0 = clock()
            fns[i](*inputs[i])
            if sync:
                sync()
            ms[i].append((clock() - t0) / 1e6 / batch)
    out = []
    for v in ms:
        q = statistics.quantiles(v, n=4, method="inclusive") if len(v) > 1 else [v[0]] * 3
        out.append((statistics.median(v), statistics.fmean(v), q[2] - q[0]))
    return out


HEADER = ["key", "input_size", "in", "out", "stride", "expansion", "kernel", "se", "act", "median_ms", "mean_ms",
          "iqr_ms"]


def write_csv(path, blocks, block_stats, fixed_stats):
    """The CSV table schema of docs/latency.md; `iqnas lut --import` turns it into a table."""
    with open(path + ".tmp", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(HEADER)
        w.writerow(["fixed"] + [""] * 8 + [repr(x) for x in fixed_stats])
        for d, st in zip(blocks, block_stats):
            w.writerow([d["key"], d["input_size"], d["in"], d["out"], d["stride"], d["expansion"], d["kernel"],
                        int(d["se"]), d["act"]] + [repr(x) for x in st])
    import os
    os.replace(path + ".tmp", path)
