#!/usr/bin/env bash
# `iqnas export` + experiments/export_pytorch.py: a network of a tiny supernet with random weights,
# rebuilt in PyTorch (and, where onnxruntime imports, run by ONNX Runtime), reproduces our logits;
# and a rebuilt network that differs (one stage's activation changed) is reported as a mismatch.
# Exit 77 (skipped) without Fashion-MNIST or without a Python that imports torch.
# Usage: export_pytorch.sh IQNAS SOURCE_DIR   (IQNAS_PYTHON: the Python to use, else the first of
# SOURCE_DIR/.venv-reference/bin/python, python3 and /usr/bin/python3 that imports torch)
set -uo pipefail
iqnas=$1 src=$2
dir=$(mktemp -d); trap 'rm -rf "$dir"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-2} OMP_WAIT_POLICY=PASSIVE
[[ -d /usr/share/datasets/fashion-mnist ]] || { echo "SKIP: Fashion-MNIST (Debian package dataset-fashion-mnist) not installed"; exit 77; }
py=
for p in ${IQNAS_PYTHON:-} "$src/.venv-reference/bin/python" python3 /usr/bin/python3; do
  if command -v "$p" > /dev/null && timeout 120 "$p" -c "import torch" 2> /dev/null; then py=$p; break; fi
done
[[ -n $py ]] || { echo "SKIP: no Python with torch (set IQNAS_PYTHON, or scripts/install-deps.sh --with-reference)"; exit 77; }

# A tiny run whose supernet has weights of realistic magnitudes in every layer (a few training
# steps leave the SE and head layers near their N(0, 0.01) start, where e.g. the SE gate's shape
# would hardly show in the logits): one training step (one epoch) writes a checkpoint with the
# supernet's tensor names and shapes; then BN statistics and affine parameters and the linear
# layers are drawn at random (seeded); the convolutions keep their Kaiming initialisation.
r=$dir/run
"$iqnas" supernet heaviest --run "$r" --space tiny --train-images 64 --batch-size 64 --stop-after 1 --threads 1 > "$dir/heaviest.log" 2>&1 ||
  { cat "$dir/heaviest.log"; fail "iqnas supernet heaviest failed"; }
"$py" - "$r/heaviest.safetensors" "$r/supernet.safetensors" <<'PY' || fail "could not write the random supernet"
import json, math, random, struct, sys
data = open(sys.argv[1], "rb").read()
n = struct.unpack("<Q", data[:8])[0]
header = json.loads(data[8:8 + n])
meta = header.pop("__metadata__")
rng = random.Random(1)
out_header, blobs, offset = {"__metadata__": meta}, [], 0
for name, e in header.items():
    if name.startswith("__"):
        continue  # optimiser and EMA state: the export reads the raw weights
    begin, end = e["data_offsets"]
    values = list(struct.unpack("<%df" % ((end - begin) // 4), data[8 + n + begin:8 + n + end]))
    layer, field = name.rsplit(".", 1)
    layer = layer.rsplit(".", 1)[-1]
    if field == "running_mean" or (field == "bias" and "bn" in layer):
        values = [rng.gauss(0, 0.3) for _ in values]
    elif field == "running_var" or (field == "weight" and "bn" in layer):
        values = [rng.uniform(0.5, 2) for _ in values]
    elif layer.startswith("se_") or layer in ("head", "classifier"):  # linear layers
        std = 2 / math.sqrt(e["shape"][-1]) if field == "weight" else 0.5
        values = [rng.gauss(0, std) for _ in values]
    blob = struct.pack("<%df" % len(values), *values)
    out_header[name] = {"dtype": "F32", "shape": e["shape"], "data_offsets": [offset, offset + len(blob)]}
    blobs.append(blob)
    offset += len(blob)
h = json.dumps(out_header).encode()
h += b" " * (-len(h) % 8)
with open(sys.argv[2], "wb") as f:
    f.write(struct.pack("<Q", len(h)) + h + b"".join(blobs))
PY
# Every kind of block: SE on and off, both kernels and expansions, strides 1 and 2, with and
# without residual, ReLU and h-swish stages.
cat > "$dir/arch.json" <<'JSON'
{"space": "tiny", "stages": [
  {"depth": 2, "blocks": ["e4_k5_se1", "e2_k3_se0"]},
  {"depth": 3, "blocks": ["e2_k5_se1", "e4_k3_se1", "e2_k3_se0"]},
  {"depth": 1, "blocks": ["e4_k3_se1"]},
  {"depth": 2, "blocks": ["e2_k5_se0", "e4_k5_se1"]},
  {"depth": 3, "blocks": ["e2_k3_se1", "e4_k5_se0", "e2_k5_se1"]}]}
JSON
"$iqnas" export --run "$r" --arch "$dir/arch.json" --weights raw --images 16 --out "$dir/export" > "$dir/export.log" 2>&1 ||
  { cat "$dir/export.log"; fail "iqnas export failed"; }
cat "$dir/export.log"
for f in model.safetensors check.safetensors model.json; do [[ -s $dir/export/$f ]] || fail "$f not written"; done
grep -q '"ir_r1_k5_s2_e4_c12_nre_se0.25"' "$dir/export/model.json" || fail "model.json lacks the timm arch_def"

onnx=()
if timeout 120 "$py" -c "import onnxruntime" 2> /dev/null; then onnx=(--onnx "$dir/net.onnx"); fi
timeout 300 "$py" "$src/experiments/export_pytorch.py" "$dir/export" "${onnx[@]}" > "$dir/py.log" 2>&1
rc=$?
cat "$dir/py.log"
[[ $rc -eq 0 ]] || fail "export_pytorch.py did not reproduce our logits (exit $rc)"
[[ $(grep -c -- "-> OK" "$dir/py.log") -eq $((1 + ${#onnx[@]} / 2)) ]] || fail "a check is missing from the output"

# The comparison can fail: the same weights in a network whose first searched stage uses h-swish.
cp -r "$dir/export" "$dir/broken"
"$py" - "$dir/broken/model.json" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
j["space"]["stages"][0]["act"] = "hswish"
json.dump(j, open(sys.argv[1], "w"))
PY
timeout 300 "$py" "$src/experiments/export_pytorch.py" "$dir/broken" > "$dir/broken.log" 2>&1
rc=$?
[[ $rc -eq 1 ]] && grep -q MISMATCH "$dir/broken.log" || { cat "$dir/broken.log"; fail "a different network passed the check (exit $rc)"; }
echo "PASS: export reproduced in PyTorch${onnx:+ and ONNX Runtime} ($py)"
