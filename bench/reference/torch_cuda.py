#!/usr/bin/env python3
"""PyTorch twin of bench/cuda/bench_cuda.cpp, for side-by-side ratios on the same GPU.

* depthwise: the same paper-preset shapes at batch 256 (channels_last, cudnn.benchmark on):
  forward (F.conv2d, groups=C), backward data and backward weight
  (aten.convolution_backward), and all three together; median ms per call over CUDA events, and
  the effective GB/s over the same minimal traffic bench_cuda counts.
* train step: the heaviest paper network (bench/cuda/mbv3.h, built here layer by layer) at
  224x224, batch 256, forward + backward + SGD (nesterov, momentum 0.9, wd 4e-5, label smoothing
  0.1), eager, channels_last, in fp32 (PyTorch defaults: TF32 in cuDNN convolutions, not in
  matmuls) and in bf16 autocast; images/s.

Usage:
  torch_cuda.py --out torch_cuda.json                 # measure
  torch_cuda.py --compare bench_cuda.json --torch torch_cuda.json [--md table.md]
                                                      # print ratios (ours vs PyTorch)
"""
import argparse
import json
import statistics
import sys
import time

SHAPES = [  # name, C, H, K, stride: must match kDwShapes in bench/cuda/bench_cuda.cpp
    ("144x56x56_k3_s1", 144, 56, 3, 1), ("144x56x56_k5_s1", 144, 56, 5, 1), ("144x56x56_k5_s2", 144, 56, 5, 2),
    ("240x28x28_k5_s1", 240, 28, 5, 1), ("240x28x28_k3_s2", 240, 28, 3, 2), ("480x14x14_k3_s1", 480, 14, 3, 1),
    ("480x14x14_k5_s1", 480, 14, 5, 1), ("672x14x14_k5_s1", 672, 14, 5, 1), ("672x14x14_k5_s2", 672, 14, 5, 2),
    ("960x7x7_k5_s1", 960, 7, 5, 1), ("1152x7x7_k5_s1", 1152, 7, 5, 1), ("96x112x112_k3_s2", 96, 112, 3, 2),
]
MODES = ["all", "fwd", "bwd_data", "bwd_weight"]


def time_cuda(torch, fn, min_time=0.2, min_reps=5, warmup=3):
    for _ in range(warmup):
        fn()
    torch.cuda.synchronize()
    times, t_end = [], time.time() + min_time
    a, b = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
    while len(times) < min_reps or time.time() < t_end:
        a.record()
        fn()
        b.record()
        b.synchronize()
        times.append(a.elapsed_time(b))
    return statistics.median(times)


def bench_depthwise(torch, batch, min_time):
    import torch.nn.functional as F
    cl = torch.channels_last
    out = []
    for name, C, H, K, S in SHAPES:
        x = torch.randn(batch, C, H, H, device="cuda").to(memory_format=cl)
        w = torch.randn(C, 1, K, K, device="cuda")
        p = K // 2
        y = F.conv2d(x, w, stride=S, padding=p, groups=C)
        gy = torch.randn_like(y).to(memory_format=cl)
        nx, ny = x.numel(), y.numel()

        def fwd():
            F.conv2d(x, w, stride=S, padding=p, groups=C)

        def bwd(mask):
            return lambda: torch.ops.aten.convolution_backward(gy, x, w, None, [S, S], [p, p], [1, 1], False, [0, 0], C, mask)

        fns = {"fwd": fwd, "bwd_data": bwd([True, False, False]), "bwd_weight": bwd([False, True, False])}

        def all3():
            fwd()
            fns["bwd_data"]()
            fns["bwd_weight"]()

        fns["all"] = all3
        for mode in MODES:
            ms = time_cuda(torch, fns[mode], min_time)
            traffic = 4.0 * (3 * (nx + ny) if mode == "all" else (nx + ny))
            out.append({"label": f"{name}/{mode}", "ms": ms, "GB/s": traffic / (ms * 1e-3) / 1e9})
            print(f"depthwise {name:18s} {mode:10s} {ms:8.3f} ms {out[-1]['GB/s']:8.1f} GB/s", flush=True)
        del x, w, y, gy
    return out


def mbv3_heaviest(torch, classes=1000, e=6, k=5, depth=4):
    nn = torch.nn

    def act(name):
        return nn.ReLU(inplace=True) if name == "relu" else nn.Hardswish(inplace=True)

    def cba(conv, ch, a):
        layers = [conv, nn.BatchNorm2d(ch)]
        if a:
            layers.append(act(a))
        return nn.Sequential(*layers)

    class SE(nn.Module):
        def __init__(self, ch, hidden):
            super().__init__()
            self.reduce, self.expand = nn.Conv2d(ch, hidden, 1), nn.Conv2d(hidden, ch, 1)

        def forward(self, x):
            g = x.mean((2, 3), keepdim=True)
            return x * torch.nn.functional.hardsigmoid(self.expand(torch.relu(self.reduce(g))))

    class IR(nn.Module):
        def __init__(self, cin, cout, stride, a):
            super().__init__()
            mid = cin * e
            self.res = stride == 1 and cin == cout
            self.body = nn.Sequential(
                cba(nn.Conv2d(cin, mid, 1, bias=False), mid, a),
                cba(nn.Conv2d(mid, mid, k, stride, k // 2, groups=mid, bias=False), mid, a),
                SE(mid, int(round(0.25 * mid))),
                cba(nn.Conv2d(mid, cout, 1, bias=False), cout, None))

        def forward(self, x):
            y = self.body(x)
            return y + x if self.res else y

    class DwSep(nn.Module):
        def __init__(self, cin, cout):
            super().__init__()
            self.res = cin == cout
            self.body = nn.Sequential(cba(nn.Conv2d(cin, cin, 3, 1, 1, groups=cin, bias=False), cin, "relu"),
                                      cba(nn.Conv2d(cin, cout, 1, bias=False), cout, None))

        def forward(self, x):
            y = self.body(x)
            return y + x if self.res else y

    layers = [cba(nn.Conv2d(3, 32, 3, 2, 1, bias=False), 32, "hswish"), DwSep(32, 16)]
    cin = 16
    for out, stride, a in [(24, 2, "relu"), (40, 2, "relu"), (80, 2, "hswish"), (112, 1, "hswish"), (192, 2, "hswish")]:
        for b in range(depth):
            layers.append(IR(cin, out, stride if b == 0 else 1, a))
            cin = out
    layers += [cba(nn.Conv2d(cin, 960, 1, bias=False), 960, "hswish"), nn.AdaptiveAvgPool2d(1),
               nn.Conv2d(960, 1280, 1), nn.Hardswish(inplace=True), nn.Flatten(), nn.Linear(1280, classes)]
    return nn.Sequential(*layers)


def bench_step(torch, batch, steps, bf16):
    model = mbv3_heaviest(torch).cuda().to(memory_format=torch.channels_last).train()
    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, nesterov=True, weight_decay=4e-5)
    crit = torch.nn.CrossEntropyLoss(label_smoothing=0.1)
    x = torch.randn(batch, 3, 224, 224, device="cuda").to(memory_format=torch.channels_last)
    y = torch.randint(0, 1000, (batch,), device="cuda")

    def step():
        opt.zero_grad(set_to_none=True)
        with torch.autocast("cuda", dtype=torch.bfloat16, enabled=bf16):
            loss = crit(model(x), y)
        loss.backward()
        opt.step()
        return loss

    for _ in range(3):
        step()
    torch.cuda.synchronize()
    a, b = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
    a.record()
    for _ in range(steps):
        loss = step()
    b.record()
    b.synchronize()
    ms = a.elapsed_time(b) / steps
    res = {"label": f"mbv3_heaviest_224/b{batch}/{'bf16' if bf16 else 'fp32'}", "ms": ms, "img/s": batch / (ms * 1e-3),
           "loss": float(loss), "peak_mem_gib": torch.cuda.max_memory_allocated() / 2**30}
    print(f"train step {res['label']}: {ms:.1f} ms, {res['img/s']:.0f} img/s", flush=True)
    del model, opt, x
    torch.cuda.empty_cache()
    return res


def measure(args):
    import torch
    if not torch.cuda.is_available():
        print("torch_cuda.py: no CUDA device", file=sys.stderr)
        return 2
    torch.backends.cudnn.benchmark = True
    res = {"device": torch.cuda.get_device_name(0), "torch": torch.__version__,
           "cudnn": torch.backends.cudnn.version(), "batch": args.batch,
           "cudnn_allow_tf32": torch.backends.cudnn.allow_tf32,
           "matmul_allow_tf32": torch.backends.cuda.matmul.allow_tf32, "depthwise": [], "train_step": []}
    if not args.skip_depthwise:
        res["depthwise"] = bench_depthwise(torch, args.batch, args.min_time)
    if not args.skip_step:
        for bf16 in (False, True):
            try:
                res["train_step"].append(bench_step(torch, args.batch, args.steps, bf16))
            except RuntimeError as e:  # e.g. out of memory: record and go on
                res["train_step"].append({"label": f"mbv3_heaviest_224/b{args.batch}/{'bf16' if bf16 else 'fp32'}",
                                          "error": str(e)[:300]})
                torch.cuda.empty_cache()
    with open(args.out, "w") as f:
        json.dump(res, f, indent=1)
    return 0


def compare(args):
    with open(args.compare) as f:
        ours = {b.get("label", b["name"]): b for b in json.load(f).get("benchmarks", [])}
    with open(args.torch) as f:
        ref = json.load(f)
    lines = [f"Device: {ref.get('device')}, PyTorch {ref.get('torch')}, cuDNN {ref.get('cudnn')}", "",
             "| depthwise (batch %d) | mode | ours ms | ours GB/s | PyTorch ms | PyTorch GB/s | speed-up |" % ref.get("batch", 256),
             "|---|---|---|---|---|---|---|"]
    rows = []
    for r in ref.get("depthwise", []):
        o = ours.get(r["label"])
        shape, mode = r["label"].rsplit("/", 1)
        if o is None or "ms" not in o:
            why = "error" if o is not None and o.get("error_occurred") else "-"
            lines.append(f"| {shape} | {mode} | {why} | - | {r['ms']:.3f} | {r['GB/s']:.0f} | - |")
            continue
        ratio = r["ms"] / o["ms"]
        rows.append({"label": r["label"], "ours_ms": o["ms"], "torch_ms": r["ms"], "speedup": ratio})
        lines.append(f"| {shape} | {mode} | {o['ms']:.3f} | {o['GB/s']:.0f} | {r['ms']:.3f} | {r['GB/s']:.0f} | {ratio:.2f}x |")
    lines += ["", "| train step | ours img/s | PyTorch img/s (fp32) | PyTorch img/s (bf16) | ours / fp32 | ours / bf16 |",
              "|---|---|---|---|---|---|"]
    tref = {r["label"].rsplit("/", 1)[1]: r for r in ref.get("train_step", [])}
    for label, o in ours.items():
        if not label.startswith("mbv3_heaviest"):
            continue
        ips = o.get("img/s")
        if o.get("error_occurred"):
            lines.append(f"| {label} | error: {o.get('error_message', '')[:80]} | | | | |")
            continue
        f32, b16 = tref.get("fp32", {}).get("img/s"), tref.get("bf16", {}).get("img/s")
        fmt = lambda v: f"{v:.0f}" if v else "-"
        rat = lambda a, b: f"{a / b:.2f}x" if a and b else "-"
        lines.append(f"| {label} | {fmt(ips)} | {fmt(f32)} | {fmt(b16)} | {rat(ips, f32)} | {rat(ips, b16)} |")
        rows.append({"label": label, "ours_img_s": ips, "torch_fp32_img_s": f32, "torch_bf16_img_s": b16})
    text = "\n".join(lines) + "\n"
    print(text)
    if args.md:
        with open(args.md, "w") as f:
            f.write(text)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(rows, f, indent=1)
    return 0


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--out", default="torch_cuda.json")
    p.add_argument("--batch", type=int, default=256)
    p.add_argument("--steps", type=int, default=8)
    p.add_argument("--min-time", type=float, default=0.2)
    p.add_argument("--skip-depthwise", action="store_true")
    p.add_argument("--skip-step", action="store_true")
    p.add_argument("--compare", help="bench_cuda JSON (Google Benchmark format)")
    p.add_argument("--torch", help="this script's JSON, for --compare")
    p.add_argument("--md", help="write the comparison table here")
    p.add_argument("--json", help="write the comparison rows here")
    args = p.parse_args()
    return compare(args) if args.compare else measure(args)


if __name__ == "__main__":
    sys.exit(main())
