#!/usr/bin/env python3
"""PyTorch twin of bench/supernet/bench_supernet.cpp (BM_CifarHeaviest, BM_TinyHeaviest): the
heaviest network of a search-space preset, read from supernet/spaces/<preset>.json (max depth,
max expansion, max kernel, SE on), and one CPU training step per iteration at batch 64.

The network is built op for op like supernet/network.cpp + supernet/inverted_residual.cpp:
  stem conv KxK (stride, pad K//2, no bias) + BN + act
  stage 0: depthwise KxK + BN + act, pointwise + BN (+ x when the shapes match)
  per searched stage, max-depth blocks (the first one has the stage's stride), each
    expand 1x1 + BN + act, depthwise k (pad k//2) + BN + act (expanded width make_divisible(e * in, 8)),
    SE (hidden width make_divisible(se_ratio * expanded, se_divisor)): global mean -> linear (+bias) -> ReLU -> linear (+bias) -> h-sigmoid -> channel scale,
    project 1x1 + BN (+ x when stride 1 and in == out)
  last 1x1 + BN + act, global average pool, linear (+bias) + act, dropout, linear (+bias).
Convolutions have no bias; BN momentum 0.1, eps 1e-5. Activations are channels_last.
Step: zero_grad(set_to_none) -> forward -> CrossEntropyLoss(label_smoothing=0.1) -> backward ->
SGD(lr 0.01, momentum 0.9, nesterov, weight decay 4e-5 on parameters of rank > 1).
Random N(0,1) images and random labels, fixed seeds. Warm-up steps, then the median over repeats
of the mean step time of a few steps each (wall clock; cpu_ms: process CPU time, all threads).

Usage:
  torch_cifar_heaviest.py --threads 2 [--presets cifar,tiny] [--out torch.json]     # measure
  torch_cifar_heaviest.py --compare ours.json [ours2.json ...] --torch torch.json [torch2.json ...]
      [--torch2 other.json ...] [--md table.md] [--note TEXT]
      # side-by-side table: bench_supernet's Google Benchmark JSON against this script's JSON;
      # with several files per side (rounds), each case takes its best round (the least disturbed
      # by other processes), and every round is listed too; --torch2: a second PyTorch (e.g. Debian's
      # 1.13 next to a current one) as two more columns
Runs under PyTorch 1.13 and 2.x; scripts/bench-supernet.sh picks the interpreter.
"""
import argparse
import json
import os
import statistics
import sys
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def load_space(name):
    with open(os.path.join(ROOT, "supernet", "spaces", name + ".json")) as f:
        return json.load(f)


def make_divisible(v, divisor):
    """supernet/space.cpp's make_divisible (timm's rounding of channel counts)."""
    r = max(divisor, int(v + divisor / 2) // divisor * divisor)
    return r + divisor if r < 0.9 * v else r


def heaviest_network(torch, sp):
    nn = torch.nn
    F = torch.nn.functional

    def act(name):
        return {"relu": nn.ReLU(inplace=True), "hswish": nn.Hardswish(inplace=True)}[name]

    class SE(nn.Module):
        def __init__(self, ch, hidden):
            super().__init__()
            self.reduce, self.expand = nn.Linear(ch, hidden), nn.Linear(hidden, ch)

        def forward(self, x):
            g = x.mean((2, 3))
            g = F.hardsigmoid(self.expand(F.relu(self.reduce(g))))
            return x * g[:, :, None, None]

    class InvertedResidual(nn.Module):
        def __init__(self, cin, cout, e, k, stride, a, ch):
            super().__init__()
            mid = make_divisible(e * cin, 8)  # SearchSpace::expanded, se_hidden
            self.residual = stride == 1 and cin == cout
            self.expand = nn.Sequential(nn.Conv2d(cin, mid, 1, bias=False), nn.BatchNorm2d(mid), act(a))
            self.dw = nn.Sequential(nn.Conv2d(mid, mid, k, stride, k // 2, groups=mid, bias=False),
                                    nn.BatchNorm2d(mid), act(a))
            self.se = SE(mid, make_divisible(ch["se_ratio"] * mid, ch.get("se_divisor", 8)))
            self.project = nn.Sequential(nn.Conv2d(mid, cout, 1, bias=False), nn.BatchNorm2d(cout))

        def forward(self, x):
            y = self.project(self.se(self.dw(self.expand(x))))
            return y + x if self.residual else y

    class Stage0(nn.Module):
        def __init__(self, cin, cout, k, stride, a):
            super().__init__()
            self.residual = stride == 1 and cin == cout
            self.dw = nn.Sequential(nn.Conv2d(cin, cin, k, stride, k // 2, groups=cin, bias=False),
                                    nn.BatchNorm2d(cin), act(a))
            self.pw = nn.Sequential(nn.Conv2d(cin, cout, 1, bias=False), nn.BatchNorm2d(cout))

        def forward(self, x):
            y = self.pw(self.dw(x))
            return y + x if self.residual else y

    st, s0, ch = sp["stem"], sp["stage0"], sp["choices"]
    e, k = max(ch["expansions"]), max(ch["kernels"])
    layers = [nn.Conv2d(sp["in_channels"], st["out"], st["kernel"], st["stride"], st["kernel"] // 2, bias=False),
              nn.BatchNorm2d(st["out"]), act(st["act"]),
              Stage0(st["out"], s0["out"], s0["kernel"], s0["stride"], s0["act"])]
    cin = s0["out"]
    for stage in sp["stages"]:
        for b in range(max(stage["depths"])):
            layers.append(InvertedResidual(cin, stage["out"], e, k, stage["stride"] if b == 0 else 1, stage["act"],
                                           ch))
            cin = stage["out"]
    lc, hd = sp["last_conv"], sp["head"]
    layers += [nn.Conv2d(cin, lc["out"], 1, bias=False), nn.BatchNorm2d(lc["out"]), act(lc["act"]),
               nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(lc["out"], hd["out"]), act(lc["act"]),
               nn.Dropout(hd["dropout"]), nn.Linear(hd["out"], sp["num_classes"])]
    return nn.Sequential(*layers)


def bench_preset(torch, name, batch, warmup, repeats, steps_per_repeat):
    sp = load_space(name)
    torch.manual_seed(0)
    model = heaviest_network(torch, sp).to(memory_format=torch.channels_last).train()
    params = sum(p.numel() for p in model.parameters())
    decay = [p for p in model.parameters() if p.dim() > 1]
    no_decay = [p for p in model.parameters() if p.dim() <= 1]
    opt = torch.optim.SGD([{"params": decay, "weight_decay": 4e-5}, {"params": no_decay, "weight_decay": 0.0}],
                          lr=0.01, momentum=0.9, nesterov=True)
    crit = torch.nn.CrossEntropyLoss(label_smoothing=0.1)
    g = torch.Generator().manual_seed(1)
    size, cin = sp["image_size"], sp["in_channels"]
    x = torch.randn(batch, cin, size, size, generator=g).contiguous(memory_format=torch.channels_last)
    y = torch.randint(0, sp["num_classes"], (batch,), generator=g)

    def step():
        opt.zero_grad(set_to_none=True)
        loss = crit(model(x), y)
        loss.backward()
        opt.step()
        return loss.item()

    for _ in range(warmup):
        step()
    times, cpu = [], []
    for _ in range(repeats):
        t0, c0 = time.perf_counter(), time.process_time()
        for _ in range(steps_per_repeat):
            loss = step()
        times.append((time.perf_counter() - t0) / steps_per_repeat)
        cpu.append((time.process_time() - c0) / steps_per_repeat)
    ms = 1e3 * statistics.median(times)
    res = {"name": f"{name}_heaviest", "batch": batch, "ms": ms, "images_per_second": batch / (ms * 1e-3),
           "ms_min": 1e3 * min(times), "cpu_ms": 1e3 * statistics.median(cpu), "images_per_second_best": batch / min(times), "repeats": repeats,
           "steps_per_repeat": steps_per_repeat, "params": params, "loss": loss}
    print(f"torch {res['name']:16s} b{batch}: {ms:8.2f} ms/step  {res['images_per_second']:8.1f} img/s  "
          f"params {params}", file=sys.stderr, flush=True)
    return res


OURS_CASES = [  # bench_supernet benchmark, our label, the PyTorch result it is compared with
    ("BM_CifarHeaviest", "(a) cifar heaviest", "cifar_heaviest"),
    ("BM_CifarMultipath", "(b) cifar supernet multipath + KD", None),
    ("BM_CifarSinglePath", "(c) cifar supernet single path (random arch) + KD", None),
    ("BM_TinyHeaviest", "(d) tiny heaviest", "tiny_heaviest"),
    # Worker threads as ranks: each of OMP_NUM_THREADS threads runs the whole step on its rows.
    ("BM_CifarHeaviestThreads", "(a) cifar heaviest, worker threads", "cifar_heaviest"),
    ("BM_CifarMultipathThreads", "(b) cifar multipath + KD, worker threads", None),
    ("BM_TinyHeaviestThreads", "(d) tiny heaviest, worker threads", "tiny_heaviest"),
]


def load_ours(path):
    with open(path) as f:
        doc = json.load(f)
    out = {}
    for b in doc.get("benchmarks", []):
        name = b.get("run_name", b["name"]).split("/")[0]
        if b.get("error_occurred"):
            out[name] = {"error": b.get("error_message", "error")}
        elif b.get("run_type", "iteration") == "iteration":
            out[name] = {"ms": b["ms"], "cpu_ms": b.get("cpu_ms"), "ms_mean": b.get("ms_mean"), "ms_min": b.get("ms_min"),
                         "teacher_ms": b.get("teacher_ms"), "params": b.get("params"),
                         "iterations": b.get("iterations"), "batch": 64}
    return out, doc.get("context", {})


def load_json(paths):
    out = []
    for p in paths or []:
        with open(p) as f:
            out.append(json.load(f))
    return out


def best_torch_of(torch_rounds, name):
    runs = [x for t in torch_rounds for x in t["results"] if x["name"] == name]
    return min(runs, key=lambda o: o["ms"]) if runs else None


def compare(args):
    ours_rounds = [load_ours(p) for p in args.compare]
    torch_rounds, torch2_rounds = load_json(args.torch), load_json(args.torch2)

    def best_ours(name):
        runs = [r[0][name] for r in ours_rounds if name in r[0] and "ms" in r[0][name]]
        return min(runs, key=lambda o: o["ms"]) if runs else None

    ctx = ours_rounds[0][1]
    t0 = torch_rounds[0]
    lines = []
    if args.note:
        lines += [args.note, ""]
    v2 = f"PyTorch {torch2_rounds[0]['torch']}" if torch2_rounds else ""
    lines += [f"Batch {t0['batch']}, {t0['threads']} threads (OMP_NUM_THREADS / torch.set_num_threads), "
              f"PyTorch {t0['torch']}" + (f" (second reference: {v2})" if v2 else "") + ", channels_last. "
              f"Step time = median over steps; {len(ours_rounds)} round(s), best round per case.", "",
              "| case | ours ms/step | ours img/s | PyTorch ms/step | PyTorch img/s | ours / PyTorch "
              "| CPU ms/step ours / PyTorch | params ours / PyTorch |"
              + (f" {v2} ms/step | ours / {v2} |" if v2 else ""),
              "|---|---|---|---|---|---|---|---|" + ("---|---|" if v2 else "")]
    heavy = best_ours("BM_CifarHeaviest")
    rows = []
    for bench, label, tname in OURS_CASES:
        o, t = best_ours(bench), best_torch_of(torch_rounds, tname) if tname else None
        t2 = best_torch_of(torch2_rounds, tname) if tname else None
        if o is None and bench.endswith("Threads"):
            continue  # worker threads run only with more than one thread
        if o is None:
            lines.append(f"| {label} | missing | | | | | | |" + (" | |" if v2 else ""))
            continue
        ips = 64 / (o["ms"] * 1e-3)
        row = {"case": label, "ours_ms": o["ms"], "ours_img_s": ips}
        second = ""
        if v2:
            second = " - | - |"
            if t2:
                row.update(torch2_ms=t2["ms"], ratio2=ips / t2["images_per_second"])
                second = f" {t2['ms']:.1f} | {row['ratio2']:.2f}x |"
        if t:
            ratio = ips / t["images_per_second"]
            row.update(torch_ms=t["ms"], torch_img_s=t["images_per_second"], ratio=ratio)
            p = f"{int(o['params'])} / {t['params']}" + ("" if int(o["params"]) == t["params"] else " MISMATCH")
            cpu = f"{o['cpu_ms']:.0f} / {t['cpu_ms']:.0f}" if o.get("cpu_ms") and t.get("cpu_ms") else "-"
            lines.append(f"| {label} | {o['ms']:.1f} | {ips:.1f} | {t['ms']:.1f} | {t['images_per_second']:.1f} | "
                         f"**{ratio:.2f}x** | {cpu} | {p} |{second}")
        else:
            extra = f"teacher fwd {o['teacher_ms']:.1f} ms" if o.get("teacher_ms") else ""
            cpu = f"{o['cpu_ms']:.0f} / -" if o.get("cpu_ms") else "-"
            lines.append(f"| {label} | {o['ms']:.1f} | {ips:.1f} | - | - | - | {cpu} | {extra} |{second}")
        row["bench"] = bench
        rows.append(row)
    mp, sp = best_ours("BM_CifarMultipath"), best_ours("BM_CifarSinglePath")
    lines.append("")
    if heavy and mp:
        lines.append(f"Multipath supernet step (with the teacher forward) costs **{mp['ms'] / heavy['ms']:.2f}x** the "
                     f"heaviest network's step ({mp['ms']:.1f} vs {heavy['ms']:.1f} ms); without the teacher forward "
                     f"{(mp['ms'] - (mp.get('teacher_ms') or 0)) / heavy['ms']:.2f}x.")
    if heavy and sp:
        lines.append(f"Single-path supernet step (random architecture, with the teacher forward) costs "
                     f"{sp['ms'] / heavy['ms']:.2f}x the heaviest step.")
    if len(ours_rounds) > 1 or len(torch_rounds) > 1:
        refs = [("torch", torch_rounds)] + ([("torch2", torch2_rounds)] if v2 else [])
        lines += ["", "Every round (ms/step, median over steps):", "",
                  "| round | " + " | ".join(b for b, _, _ in OURS_CASES) + " | "
                  + " | ".join(f"{n} {c}" for n, _ in refs for c in ("cifar", "tiny")) + " |",
                  "|---|" + "---|" * (len(OURS_CASES) + 2 * len(refs))]
        for i in range(max(len(ours_rounds), len(torch_rounds))):
            cells = []
            for b, _, _ in OURS_CASES:
                o = ours_rounds[i][0].get(b) if i < len(ours_rounds) else None
                cells.append(f"{o['ms']:.1f}" if o and "ms" in o else "-")
            for _, rounds in refs:
                for tn in ("cifar_heaviest", "tiny_heaviest"):
                    x = [r for r in rounds[i]["results"] if r["name"] == tn] if i < len(rounds) else []
                    cells.append(f"{x[0]['ms']:.1f}" if x else "-")
            lines.append(f"| {i + 1} | " + " | ".join(cells) + " |")
    text = "\n".join(lines) + "\n"
    print(text)
    if args.md:
        with open(args.md, "w") as f:
            f.write(text)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(rows, f, indent=1)
    return 0


def speedup(args):
    """The 2-thread speed-ups from the table.json files of a 1-thread and an N-thread run."""
    one, many = ({r["bench"]: r for r in load_json([p])[0] if "bench" in r} for p in args.speedup)
    lines = ["", f"Speed-up of {args.speedup_threads} threads over 1 thread (ours: best 1-thread step, OpenMP "
             "inside the ops, against the same case with OpenMP inside the ops and with worker threads; "
             "PyTorch: its own threads):", "",
             "| case | 1 thread ms | OpenMP threads ms (speed-up) | worker threads ms (speed-up) | PyTorch 1 / N ms (speed-up) |",
             "|---|---:|---:|---:|---:|"]
    for bench, label, _ in OURS_CASES:
        if bench.endswith("Threads") or bench not in one:
            continue
        o1, on, ow = one[bench], many.get(bench), many.get(bench + "Threads")
        cell = lambda r: f"{r['ours_ms']:.1f} ({o1['ours_ms'] / r['ours_ms']:.2f}x)" if r else "-"
        t1, tn = o1.get("torch_ms"), (on or {}).get("torch_ms")
        torch = f"{t1:.1f} / {tn:.1f} ({t1 / tn:.2f}x)" if t1 and tn else "-"
        lines.append(f"| {label} | {o1['ours_ms']:.1f} | {cell(on)} | {cell(ow)} | {torch} |")
    text = "\n".join(lines) + "\n"
    print(text)
    if args.md:
        with open(args.md, "a") as f:
            f.write(text)
    return 0


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--presets", default="cifar,tiny")
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--warmup", type=int, default=3)
    p.add_argument("--repeats", type=int, default=7)
    p.add_argument("--steps", type=int, default=3, help="steps per repeat")
    p.add_argument("--out", default="-")
    p.add_argument("--compare", nargs="+", help="bench_supernet JSON file(s) (Google Benchmark format)")
    p.add_argument("--torch", nargs="+", help="this script's JSON file(s), for --compare")
    p.add_argument("--torch2", nargs="+", help="this script's JSON file(s) of a second PyTorch, for --compare")
    p.add_argument("--md", help="write the comparison table here (markdown)")
    p.add_argument("--json", help="write the comparison rows here")
    p.add_argument("--note", help="a line put above the table (CPU, load average)")
    p.add_argument("--speedup", nargs=2, metavar=("ONE", "MANY"),
                   help="the table.json of a 1-thread and of an N-thread comparison: print (and append to --md) the speed-ups")
    p.add_argument("--speedup-threads", type=int, default=2, help="N of --speedup")
    args = p.parse_args()
    if args.speedup:
        return speedup(args)
    if args.compare:
        return compare(args)
    import torch
    torch.set_num_threads(args.threads)
    res = {"torch": torch.__version__, "threads": torch.get_num_threads(), "batch": args.batch, "results": []}
    for name in args.presets.split(","):
        res["results"].append(bench_preset(torch, name, args.batch, args.warmup, args.repeats, args.steps))
    text = json.dumps(res, indent=1)
    if args.out == "-":
        print(text)
    else:
        with open(args.out, "w") as f:
            f.write(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
