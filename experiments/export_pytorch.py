#!/usr/bin/env python3
"""Rebuilds a network written by `iqnas export` in plain PyTorch, loads its weights and checks that it
reproduces iqnas's logits on the export's check batch (docs/export.md). With --onnx it also exports
the PyTorch module to ONNX and checks ONNX Runtime's logits the same way.

The modules below mirror iqnas's own (supernet/network.cpp: stem, stage 0, stage 6 and head;
supernet/subnet.cpp and supernet/inverted_residual.cpp: the blocks) layer for layer and name for
name, so the export's state dict loads as it is: batch norms are kept (not folded into the
convolutions), widths are computed here from the space with timm's make_divisible, as iqnas does.

A check passes when max |ours - theirs| <= rtol * max |ours| over all logits of the batch.

Usage: export_pytorch.py EXPORT_DIR [--onnx OUT.onnx] [--rtol 1e-4]
Exit status: 0 when every check passes, 1 when one fails or a file is wrong, 2 for bad usage or a
missing package (torch; onnxruntime with --onnx).
Works with torch 1.13 and 2.x.
"""
import argparse
import inspect
import json
import os
import re
import struct
import sys


def fail(msg):
    print("export_pytorch.py: " + msg, file=sys.stderr)
    sys.exit(1)


try:
    import torch
    from torch import nn
except ImportError as e:
    print("export_pytorch.py needs PyTorch (%s)" % e, file=sys.stderr)
    sys.exit(2)

ACTS = {"relu": nn.ReLU, "hswish": nn.Hardswish, "hsigmoid": nn.Hardsigmoid, "sigmoid": nn.Sigmoid}


def read_safetensors(path):
    """{name: float32 tensor}, metadata. Only what `iqnas export` writes: F32, little-endian."""
    if sys.byteorder != "little":
        fail("this reader assumes a little-endian machine, as the file is")
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 8:
        fail(path + ": not a safetensors file (shorter than its 8-byte header length)")
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n].decode("utf-8"))
    meta = header.pop("__metadata__", {})
    tensors = {}
    for name, e in header.items():
        if e["dtype"] != "F32":
            fail("%s: tensor %s has dtype %s, expected F32" % (path, name, e["dtype"]))
        begin, end = e["data_offsets"]
        flat = torch.frombuffer(bytearray(data[8 + n + begin:8 + n + end]), dtype=torch.float32)
        tensors[name] = flat.reshape(e["shape"])
    return tensors, meta


def fnv1a64(t):
    """The checksum of model.json: FNV-1a (64 bit) over the float32 values' little-endian bytes."""
    h = 1469598103934665603
    values = t.reshape(-1).tolist()
    for byte in struct.pack("<%df" % len(values), *values):
        h = ((h ^ byte) * 1099511628211) & 0xFFFFFFFFFFFFFFFF
    return "%016x" % h


def make_divisible(v, divisor):
    """timm's channel rounding: nearest multiple (ties up), at least divisor, one more when < 90% of v."""
    r = max(divisor, int(v + divisor / 2) // divisor * divisor)
    return r + divisor if r < 0.9 * v else r


def conv(cin, cout, k, stride=1, groups=1):  # iqnas convolutions: padding k // 2, no bias (a BN follows)
    return nn.Conv2d(cin, cout, k, stride, k // 2, groups=groups, bias=False)


class FixedParts(nn.Module):
    """Stem, stage 0 (depthwise-separable), stage 6 (1x1 conv) and the head, as supernet/network.cpp."""

    def __init__(self, s):
        super().__init__()
        st, s0 = s["stem"], s["stage0"]
        self.stem = conv(s["in_channels"], st["out"], st["kernel"], st["stride"])
        self.stem_bn = nn.BatchNorm2d(st["out"])
        self.stage0_dw = conv(st["out"], st["out"], s0["kernel"], s0["stride"], groups=st["out"])
        self.stage0_dw_bn = nn.BatchNorm2d(st["out"])
        self.stage0_pw = conv(st["out"], s0["out"], 1)
        self.stage0_pw_bn = nn.BatchNorm2d(s0["out"])
        c5, last, head = s["stages"][-1]["out"], s["last_conv"]["out"], s["head"]["out"]
        self.last = conv(c5, last, 1)
        self.last_bn = nn.BatchNorm2d(last)
        self.head = nn.Linear(last, head)  # on the pooled features: a 1x1 conv with bias
        self.classifier = nn.Linear(head, s["num_classes"])
        self.stem_act, self.stage0_act = ACTS[st["act"]](), ACTS[s0["act"]]()
        self.last_act, self.head_act = ACTS[s["last_conv"]["act"]](), ACTS[s["last_conv"]["act"]]()
        self.dropout = nn.Dropout(s["head"]["dropout"])
        self.stage0_residual = s0["stride"] == 1 and st["out"] == s0["out"]

    def front(self, images):
        x = self.stem_act(self.stem_bn(self.stem(images)))
        y = self.stage0_pw_bn(self.stage0_pw(self.stage0_act(self.stage0_dw_bn(self.stage0_dw(x)))))
        return y + x if self.stage0_residual else y

    def back(self, x):
        f = self.last_act(self.last_bn(self.last(x)))
        h = self.head_act(self.head(f.mean((2, 3))))
        return self.classifier(self.dropout(h))


class Block(nn.Module):
    """expand 1x1 + BN + act, depthwise k (stride) + BN + act, [SE], project 1x1 + BN [+ x]."""

    def __init__(self, s, cin, cout, stride, act, expansion, kernel, se):
        super().__init__()
        mid = make_divisible(expansion * cin, 8)
        self.expand, self.expand_bn = conv(cin, mid, 1), nn.BatchNorm2d(mid)
        self.dw, self.dw_bn = conv(mid, mid, kernel, stride, groups=mid), nn.BatchNorm2d(mid)
        if se:  # SE on the pooled features: Linear layers, ReLU inside, h-sigmoid gate
            hidden = make_divisible(s["choices"]["se_ratio"] * mid, s["choices"].get("se_divisor", 8))
            self.se_reduce, self.se_expand = nn.Linear(mid, hidden), nn.Linear(hidden, mid)
        self.se = se
        self.project, self.project_bn = conv(mid, cout, 1), nn.BatchNorm2d(cout)
        self.act = ACTS[act]()
        self.residual = stride == 1 and cin == cout

    def forward(self, x):
        d = self.act(self.dw_bn(self.dw(self.act(self.expand_bn(self.expand(x))))))
        if self.se:
            gate = nn.functional.hardsigmoid(self.se_expand(torch.relu(self.se_reduce(d.mean((2, 3))))))
            d = d * gate[:, :, None, None]
        y = self.project_bn(self.project(d))
        return y + x if self.residual else y


BLOCK = re.compile(r"^e(\d+)_k(\d+)_se([01])$")


class Network(nn.Module):
    """The standalone network of supernet/subnet.cpp: `net` (fixed parts), `stage<i>.block<j>`."""

    def __init__(self, space, arch):
        super().__init__()
        self.net = FixedParts(space)
        self.stage_names = []
        cin = space["stage0"]["out"]
        for i, (st, a) in enumerate(zip(space["stages"], arch["stages"])):
            blocks = nn.ModuleDict()
            for j, name in enumerate(a["blocks"]):
                m = BLOCK.match(name)
                if not m:
                    fail("architecture: unknown block configuration '%s'" % name)
                e, k, se = int(m.group(1)), int(m.group(2)), m.group(3) == "1"
                blocks["block%d" % (j + 1)] = Block(space, cin if j == 0 else st["out"], st["out"],
                                                     st["stride"] if j == 0 else 1, st["act"], e, k, se)
            self.add_module("stage%d" % (i + 1), blocks)
            self.stage_names.append("stage%d" % (i + 1))
            cin = st["out"]

    def forward(self, images):
        x = self.net.front(images)
        for name in self.stage_names:
            for block in getattr(self, name).values():
                x = block(x)
        return self.net.back(x)


def compare(what, ours, theirs, rtol):
    diff = (theirs - ours).abs().max().item()
    scale = ours.abs().max().item()
    ok = diff <= rtol * scale
    same_top1 = bool((theirs.argmax(1) == ours.argmax(1)).all())
    print("%s: max |diff| %.3g, largest |logit| %.4g, relative %.3g (tolerance %.3g), same top-1: %s -> %s"
          % (what, diff, scale, diff / scale if scale > 0 else float("inf"), rtol, same_top1,
             "OK" if ok else "MISMATCH"))
    return ok


def export_onnx(model, images, path):
    kwargs = {}
    if "dynamo" in inspect.signature(torch.onnx.export).parameters:
        kwargs["dynamo"] = False  # the TorchScript exporter: no onnxscript needed, as in torch 1.13
    tmp = path + ".tmp"
    torch.onnx.export(model, (images,), tmp, input_names=["images"], output_names=["logits"],
                      dynamic_axes={"images": {0: "batch"}, "logits": {0: "batch"}}, opset_version=14, **kwargs)
    os.replace(tmp, path)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("export_dir", help="folder written by `iqnas export`")
    p.add_argument("--onnx", metavar="OUT.onnx", help="also export to ONNX and check it with ONNX Runtime")
    p.add_argument("--rtol", type=float, default=1e-4, help="tolerance relative to the largest |logit| (1e-4)")
    a = p.parse_args()
    if not 0 < a.rtol < 1:
        p.error("--rtol must be in (0, 1)")
    ort = None
    if a.onnx:
        try:
            import onnxruntime as ort
        except ImportError as e:
            print("export_pytorch.py --onnx needs onnxruntime (%s)" % e, file=sys.stderr)
            sys.exit(2)

    d = a.export_dir
    with open(os.path.join(d, "model.json")) as f:
        desc = json.load(f)
    if desc.get("format") != "iqnas-export":
        fail(os.path.join(d, "model.json") + ": not an iqnas export (format %r)" % desc.get("format"))
    weights, _ = read_safetensors(os.path.join(d, desc["weights"]["file"]))
    check, _ = read_safetensors(os.path.join(d, desc["check"]["file"]))
    images, ours = check["images"], check["logits"]
    if fnv1a64(ours) != desc["check"]["logits_fnv1a64"]:
        fail("%s: the logits do not match model.json's checksum" % desc["check"]["file"])
    if list(images.shape[1:]) != desc["input"]["shape"][1:]:
        fail("check images have shape %s, model.json's input is %s" % (list(images.shape), desc["input"]["shape"]))

    torch.manual_seed(0)
    model = Network(desc["space"], desc["architecture"]).eval()
    try:  # strict: every tensor must be there with its shape (BN's num_batches_tracked, absent, defaults to 0)
        model.load_state_dict(weights)
    except RuntimeError as e:  # a missing, unexpected or differently shaped tensor: not the exported network
        fail("the weights do not fit the rebuilt network: %s" % e)
    print("rebuilt %s network: %d parameters, %d tensors loaded; timm arch_def %s"
          % (desc["space"]["name"], sum(t.numel() for t in model.parameters()), len(weights),
             json.dumps(desc.get("timm_arch_def"))))

    with torch.no_grad():
        theirs = model(images)
    ok = compare("pytorch %s" % torch.__version__, ours, theirs, a.rtol)
    if a.onnx:
        export_onnx(model, images, a.onnx)
        sess = ort.InferenceSession(a.onnx, providers=["CPUExecutionProvider"])
        onnx_logits = torch.from_numpy(sess.run(["logits"], {"images": images.numpy()})[0])
        ok = compare("onnxruntime %s (%s)" % (ort.__version__, a.onnx), ours, onnx_logits, a.rtol) and ok
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
