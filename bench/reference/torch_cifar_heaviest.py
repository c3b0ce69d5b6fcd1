#!/usr/bin/env python3
"""PyTorch twin of bench/supernet/bench_supernet.cpp (BM_CifarHeaviest, BM_TinyHeaviest,
BM_CifarMultipath): the heaviest network of a search-space preset, read from
supernet/spaces/<preset>.json (max depth, max expansion, max kernel, SE on), and the multipath
supernet step with in-place distillation; one CPU training step per iteration at batch 64.

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

Multipath step (--multipath cifar; result "cifar_multipath"), mirroring train_supernet's step as
BM_CifarMultipath runs it: one network builder (network()) with elastic blocks in every searched
position (supernet/elastic_block.cpp, batch norm statistics "shared", the default); per step
  sample_multipath: each of the 64 samples draws a configuration (expansion x kernel x SE) per block
    and a depth per stage, uniformly; masks and indicators are built from it inside the timed step;
  teacher: the heaviest network in eval mode under no_grad, giving logits and the 8 stage features
    (stem, stage 0, the 5 searched stages, last conv);
  student, per block: expansion at full width + BN + act; every depthwise kernel present in the
    batch over the whole batch (+ its own BN + act), each sample keeping its kernel's rows; the
    per-sample channel prefix mask; if any sample has SE: SE on the masked channels with a
    per-sample hidden-unit mask, gate 1 for samples without SE; projection at full width; every
    present projection BN (one per expansion x SE pair) over the whole batch, each sample keeping
    its pair's rows; residual. Per stage the blocks up to the deepest sampled depth, each sample
    leaving after its own depth (weighted sum of the outputs at the depths present);
  loss: cross-entropy (label smoothing 0.1) + MSE / 50 of each stage feature against the teacher's
    + KL(teacher || student) at T = 1 (weight 1); backward; the SGD step above.
The trained parameter counts agree (those with a gradient after the step: 7,806,370 for cifar).
Differences that remain: the random draws (torch.Generator, not util::Rng: the same distribution,
other samples; at batch 64 nearly every kernel and pair is present in every block on both sides);
ours runs a block on weight slices when all samples agree (never at batch 64, not mirrored); our
teacher is extract_subnetwork of the supernet, PyTorch's an independently initialised heaviest
network (the same ops and shapes); ours fuses BN + activation and the per-sample selection, PyTorch
composes them from its own ops (that is what is compared). Two threads: PyTorch runs the whole batch
with two intra-op threads; bench_supernet's BM_CifarMultipathThreads runs two worker threads with
32 samples each and per-worker batch norm statistics (its 2-thread figure, as for the heaviest).

Random N(0,1) images and random labels, fixed seeds. Warm-up steps, then the median over repeats
of the mean step time of a few steps each (wall clock; cpu_ms: process CPU time, all threads).

Usage:
  torch_cifar_heaviest.py --threads 2 [--presets cifar,tiny] [--multipath cifar] [--out torch.json]  # measure
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


def network(torch, sp, block):
    """The network of a preset with block(cin, cout, stride, act) in every searched position (max
    depth per stage). forward(x, features=None, path=None): features collects the stage features
    the distillation compares (supernet/network.cpp: stem, stage 0, each searched stage, last conv);
    path (multipath only) holds every block's per-sample configuration and every stage's per-sample
    depth."""
    nn = torch.nn

    class Network(nn.Module):
        def __init__(self):
            super().__init__()
            st, s0, lc, hd = sp["stem"], sp["stage0"], sp["last_conv"], sp["head"]
            self.stem = nn.Sequential(nn.Conv2d(sp["in_channels"], st["out"], st["kernel"], st["stride"],
                                                st["kernel"] // 2, bias=False), nn.BatchNorm2d(st["out"]), act(nn, st["act"]))
            self.stage0 = stage0(nn, st["out"], s0["out"], s0["kernel"], s0["stride"], s0["act"])
            self.stages, cin = nn.ModuleList(), s0["out"]
            for stage in sp["stages"]:
                blocks = nn.ModuleList()
                for b in range(max(stage["depths"])):
                    blocks.append(block(cin, stage["out"], stage["stride"] if b == 0 else 1, stage["act"]))
                    cin = stage["out"]
                self.stages.append(blocks)
            self.last = nn.Sequential(nn.Conv2d(cin, lc["out"], 1, bias=False), nn.BatchNorm2d(lc["out"]), act(nn, lc["act"]))
            self.head = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(lc["out"], hd["out"]),
                                      act(nn, lc["act"]), nn.Dropout(hd["dropout"]), nn.Linear(hd["out"], sp["num_classes"]))

        def forward(self, x, features=None, path=None):
            keep = features.append if features is not None else (lambda v: None)
            x = self.stem(x)
            keep(x)
            x = self.stage0(x)
            keep(x)
            for s, blocks in enumerate(self.stages):
                x = run_stage(x, blocks, path.stage(s)) if path else _sequential(x, blocks)
                keep(x)
            f = self.last(x)
            keep(f)
            return self.head(f)

    return Network()


def _sequential(x, blocks):
    for b in blocks:
        x = b(x)
    return x


def act(nn, name):
    return {"relu": nn.ReLU(inplace=True), "hswish": nn.Hardswish(inplace=True)}[name]


def stage0(nn, cin, cout, k, stride, a):
    class Stage0(nn.Module):
        def __init__(self):
            super().__init__()
            self.residual = stride == 1 and cin == cout
            self.dw = nn.Sequential(nn.Conv2d(cin, cin, k, stride, k // 2, groups=cin, bias=False),
                                    nn.BatchNorm2d(cin), act(nn, a))
            self.pw = nn.Sequential(nn.Conv2d(cin, cout, 1, bias=False), nn.BatchNorm2d(cout))

        def forward(self, x):
            y = self.pw(self.dw(x))
            return y + x if self.residual else y

    return Stage0()


def heaviest_network(torch, sp):
    nn = torch.nn
    F = torch.nn.functional
    ch = sp["choices"]
    e, k = max(ch["expansions"]), max(ch["kernels"])

    class SE(nn.Module):
        def __init__(self, c, hidden):
            super().__init__()
            self.reduce, self.expand = nn.Linear(c, hidden), nn.Linear(hidden, c)

        def forward(self, x):
            g = x.mean((2, 3))
            g = F.hardsigmoid(self.expand(F.relu(self.reduce(g))))
            return x * g[:, :, None, None]

    class InvertedResidual(nn.Module):
        def __init__(self, cin, cout, stride, a):
            super().__init__()
            mid = make_divisible(e * cin, 8)  # SearchSpace::expanded, se_hidden
            self.residual = stride == 1 and cin == cout
            self.expand = nn.Sequential(nn.Conv2d(cin, mid, 1, bias=False), nn.BatchNorm2d(mid), act(nn, a))
            self.dw = nn.Sequential(nn.Conv2d(mid, mid, k, stride, k // 2, groups=mid, bias=False),
                                    nn.BatchNorm2d(mid), act(nn, a))
            self.se = SE(mid, make_divisible(ch["se_ratio"] * mid, ch.get("se_divisor", 8)))
            self.project = nn.Sequential(nn.Conv2d(mid, cout, 1, bias=False), nn.BatchNorm2d(cout))

        def forward(self, x):
            y = self.project(self.se(self.dw(self.expand(x))))
            return y + x if self.residual else y

    return network(torch, sp, InvertedResidual)


def select_rows(branches, choice, present):
    """Each sample keeps the rows of its own branch (elastic_block.cpp's select_rows)."""
    if len(branches) == 1:
        return branches[0]
    return weighted_sum(branches, [(choice == b).float() for b in present])


def weighted_sum(parts, weights):
    """sum_i weights[i][n] * parts[i][n, ...] (nn/ops weighted_sum: the per-sample selection)."""
    out = parts[0] * weights[0][:, None, None, None]
    for p, w in zip(parts[1:], weights[1:]):
        out = out + p * w[:, None, None, None]
    return out


class Path:
    """sample_multipath (supernet/sampler.cpp): every sample draws, uniformly and independently, a
    configuration per block (expansion x kernel x SE, index order of SearchSpace::config) and a depth
    per stage. stage(s) gives each block's per-sample configuration columns and the depths."""

    def __init__(self, torch, sp, n, gen):
        ch = sp["choices"]
        self.ns, self.nk = len(ch["se"]), len(ch["kernels"])
        nconf = len(ch["expansions"]) * self.nk * self.ns
        self.configs, self.depths = [], []
        for stage in sp["stages"]:
            self.configs.append(torch.randint(0, nconf, (max(stage["depths"]), n), generator=gen))
            d = torch.tensor(stage["depths"])
            self.depths.append(d[torch.randint(0, len(d), (n,), generator=gen)])

    def stage(self, s):
        return self.configs[s], self.depths[s]


def run_stage(x, blocks, stage_path):
    """Supernet::forward's stage: the blocks up to the deepest sampled depth, each sample leaving
    after its own depth (a weighted sum of the block outputs at the depths present)."""
    configs, depth = stage_path
    deepest = int(depth.max())
    same = bool((depth == deepest).all())
    outs, weights = [], []
    for b in range(deepest):
        x = blocks[b](x, configs[b])
        if same:
            continue
        beta = (depth == b + 1).float()
        if bool(beta.any()):
            outs.append(x)
            weights.append(beta)
    return x if same else weighted_sum(outs, weights)


def multipath_supernet(torch, sp):
    """The weight-sharing supernet (supernet/elastic_block.cpp, bn_stats shared, the default) with
    every block in multipath form: the expansion and projection at full width once, a per-sample
    channel prefix mask, every present depthwise kernel over the whole batch, SE on the masked
    channels with a per-sample hidden mask and gate 1 where SE is off, and every present projection
    BN (one per expansion x SE pair) over the whole batch, each sample keeping its own rows."""
    nn = torch.nn
    F = torch.nn.functional
    ch = sp["choices"]
    expansions, kernels, se = ch["expansions"], ch["kernels"], ch["se"]
    ns, nk = len(se), len(kernels)
    ratio, divisor = ch["se_ratio"], ch.get("se_divisor", 8)

    class ElasticBlock(nn.Module):
        def __init__(self, cin, cout, stride, a):
            super().__init__()
            self.residual = stride == 1 and cin == cout
            self.mid = torch.tensor([make_divisible(e * cin, 8) for e in expansions])  # per expansion index
            self.hid = torch.tensor([make_divisible(ratio * m, divisor) for m in self.mid.tolist()])
            mid_max, hid_max = int(self.mid.max()), int(self.hid.max())
            self.expand = nn.Sequential(nn.Conv2d(cin, mid_max, 1, bias=False), nn.BatchNorm2d(mid_max), act(nn, a))
            self.dw = nn.ModuleList(nn.Sequential(nn.Conv2d(mid_max, mid_max, k, stride, k // 2, groups=mid_max, bias=False),
                                                  nn.BatchNorm2d(mid_max), act(nn, a)) for k in kernels)
            self.se_reduce, self.se_expand = nn.Linear(mid_max, hid_max), nn.Linear(hid_max, mid_max)
            self.project = nn.Conv2d(mid_max, cout, 1, bias=False)
            self.project_bn = nn.ModuleList(nn.BatchNorm2d(cout) for _ in range(len(expansions) * ns))

        def forward(self, x, configs):
            # configs: per-sample index into expansion x kernel x SE (SearchSpace::config's order)
            se_on = torch.tensor(se)[configs % ns].float()
            kernel = (configs // ns) % nk
            e_idx = configs // (ns * nk)
            pair = e_idx * ns + configs % ns
            mid_max, hid_max = self.se_expand.out_features, self.se_expand.in_features
            mask = (torch.arange(mid_max)[None, :] < self.mid[e_idx][:, None]).float()
            h = self.expand(x)
            present = torch.unique(kernel).tolist()
            d = select_rows([self.dw[k](h) for k in present], kernel, present)
            d = d * mask[:, :, None, None]
            if bool(se_on.any()):
                hmask = (torch.arange(hid_max)[None, :] < self.hid[e_idx][:, None]).float()
                hidden = F.relu(self.se_reduce(d.mean((2, 3))) * hmask)
                gate = F.hardsigmoid(self.se_expand(hidden))
                gate = gate * se_on[:, None] + torch.ones_like(gate) * (1 - se_on)[:, None]
                d = d * gate[:, :, None, None]
            y = self.project(d)
            present = torch.unique(pair).tolist()
            y = select_rows([self.project_bn[p](y) for p in present], pair, present)
            return y + x if self.residual else y

    return network(torch, sp, ElasticBlock)


def distillation_loss(torch, logits, features, teacher_logits, teacher_features, labels):
    """supernet/trainer.cpp's distillation_loss with a default RunConfig: cross-entropy (label
    smoothing 0.1) + every stage feature's MSE / 50 + KL(teacher || student) at T = 1, weight 1."""
    F = torch.nn.functional
    loss = F.cross_entropy(logits, labels, label_smoothing=0.1)
    for f, t in zip(features, teacher_features):
        loss = loss + F.mse_loss(f, t) / 50.0
    return loss + F.kl_div(F.log_softmax(logits, 1), F.log_softmax(teacher_logits, 1), reduction="batchmean",
                           log_target=True)


def bench_case(torch, name, mode, batch, warmup, repeats, steps_per_repeat):
    """mode "heaviest": BM_<Preset>Heaviest's step; "multipath": BM_CifarMultipath's (the path
    sampling and the teacher forward inside the timed step)."""
    sp = load_space(name)
    torch.manual_seed(0)
    cl = torch.channels_last
    model = (heaviest_network if mode == "heaviest" else multipath_supernet)(torch, sp).to(memory_format=cl).train()
    decay = [p for p in model.parameters() if p.dim() > 1]
    no_decay = [p for p in model.parameters() if p.dim() <= 1]
    opt = torch.optim.SGD([{"params": decay, "weight_decay": 4e-5}, {"params": no_decay, "weight_decay": 0.0}],
                          lr=0.01, momentum=0.9, nesterov=True)
    crit = torch.nn.CrossEntropyLoss(label_smoothing=0.1)
    g = torch.Generator().manual_seed(1)
    size, cin = sp["image_size"], sp["in_channels"]
    x = torch.randn(batch, cin, size, size, generator=g).contiguous(memory_format=cl)
    y = torch.randint(0, sp["num_classes"], (batch,), generator=g)
    teacher_times = []
    if mode == "multipath":
        # extract_subnetwork(heaviest) in eval mode: a network of its own, no gradients
        teacher = heaviest_network(torch, sp).to(memory_format=cl).eval().requires_grad_(False)
        path_gen = torch.Generator().manual_seed(7)

    def forward_loss():
        if mode == "heaviest":
            return crit(model(x), y)
        path = Path(torch, sp, batch, path_gen)
        t0 = time.perf_counter()
        with torch.no_grad():
            tf = []
            tl = teacher(x, tf)
        teacher_times.append(time.perf_counter() - t0)
        sf = []
        logits = model(x, sf, path)
        return distillation_loss(torch, logits, sf, tl, tf, y)

    def step():
        opt.zero_grad(set_to_none=True)
        loss = forward_loss()
        loss.backward()
        opt.step()
        return loss.item()

    for _ in range(warmup):
        step()
    teacher_times.clear()
    times, cpu = [], []
    for _ in range(repeats):
        t0, c0 = time.perf_counter(), time.process_time()
        for _ in range(steps_per_repeat):
            loss = step()
        times.append((time.perf_counter() - t0) / steps_per_repeat)
        cpu.append((time.process_time() - c0) / steps_per_repeat)
    params = sum(p.numel() for p in model.parameters() if p.grad is not None)  # as bench_supernet: trained ones
    ms = 1e3 * statistics.median(times)
    res = {"name": f"{name}_{mode}", "batch": batch, "ms": ms, "images_per_second": batch / (ms * 1e-3),
           "ms_min": 1e3 * min(times), "cpu_ms": 1e3 * statistics.median(cpu), "images_per_second_best": batch / min(times), "repeats": repeats,
           "steps_per_repeat": steps_per_repeat, "params": params, "loss": loss}
    if teacher_times:
        res["teacher_ms"] = 1e3 * statistics.median(teacher_times)
    print(f"torch {res['name']:16s} b{batch}: {ms:8.2f} ms/step  {res['images_per_second']:8.1f} img/s  "
          f"params {params}", file=sys.stderr, flush=True)
    return res


OURS_CASES = [  # bench_supernet benchmark, our label, the PyTorch result it is compared with
    ("BM_CifarHeaviest", "(a) cifar heaviest", "cifar_heaviest"),
    ("BM_CifarMultipath", "(b) cifar supernet multipath + KD", "cifar_multipath"),
    ("BM_CifarSinglePath", "(c) cifar supernet single path (random arch) + KD", None),
    ("BM_TinyHeaviest", "(d) tiny heaviest", "tiny_heaviest"),
    # Worker threads as ranks: each of OMP_NUM_THREADS threads runs the whole step on its rows.
    ("BM_CifarHeaviestThreads", "(a) cifar heaviest, worker threads", "cifar_heaviest"),
    ("BM_CifarMultipathThreads", "(b) cifar multipath + KD, worker threads", "cifar_multipath"),
    ("BM_TinyHeaviestThreads", "(d) tiny heaviest, worker threads", "tiny_heaviest"),
]

TORCH_CASES = ("cifar_heaviest", "tiny_heaviest", "cifar_multipath")


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
                  + " | ".join(f"{n} {c}" for n, _ in refs for c in TORCH_CASES) + " |",
                  "|---|" + "---|" * (len(OURS_CASES) + len(TORCH_CASES) * len(refs))]
        for i in range(max(len(ours_rounds), len(torch_rounds))):
            cells = []
            for b, _, _ in OURS_CASES:
                o = ours_rounds[i][0].get(b) if i < len(ours_rounds) else None
                cells.append(f"{o['ms']:.1f}" if o and "ms" in o else "-")
            for _, rounds in refs:
                for tn in TORCH_CASES:
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
    p.add_argument("--presets", default="cifar,tiny", help="heaviest networks to measure (comma list, may be empty)")
    p.add_argument("--multipath", default="cifar", help="multipath supernet steps to measure (comma list, may be empty)")
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
    for mode, names in (("heaviest", args.presets), ("multipath", args.multipath)):
        for name in filter(None, names.split(",")):
            res["results"].append(bench_case(torch, name, mode, args.batch, args.warmup, args.repeats, args.steps))
    text = json.dumps(res, indent=1)
    if args.out == "-":
        print(text)
    else:
        with open(args.out, "w") as f:
            f.write(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
