#!/usr/bin/env bash
# Hostile and careless command lines (docs/reliability.md): truncating integers, thread bombs, a
# config refused before the run folder exists, a run folder in use by another process, a stage
# started from an unfinished one, a resume with other settings, a corrupt checkpoint step.
# Usage: hostile_input.sh IQNAS
set -uo pipefail
iqnas=$1
dir=$(mktemp -d); trap 'kill $holder 2>/dev/null; rm -rf "$dir"' EXIT
holder=
fail() { echo "FAIL: $*"; exit 1; }
export OMP_NUM_THREADS=1 OMP_WAIT_POLICY=PASSIVE
# expect STATUS TEXT ARGS...: iqnas ARGS exits with STATUS and prints TEXT.
expect() {
  local want=$1 text=$2; shift 2
  out=$(timeout 60 "$iqnas" "$@" 2>&1); rc=$?
  [[ $rc -eq $want ]] || fail "iqnas $* exited $rc, not $want: $out"
  [[ $out == *"$text"* ]] || fail "iqnas $* did not say '$text': $out"
}

expect 2 "option --epochs expects an integer in [1, 100000], got '4294967297'" supernet heaviest --run "$dir/e" --epochs 4294967297
expect 2 "option --threads expects an integer in [1, 256]" supernet heaviest --run "$dir/e" --threads 10000000000
expect 2 "option --seed expects an integer" solve --problem /dev/null --out "$dir/r.json" --method random --seed 1e30
expect 2 "option --cache applies to --dataset folder only" data --dataset fashion-mnist --cache foo
[[ -e $dir/e ]] && fail "a refused command left a folder behind"

# A bad config is refused before the run folder is created (no space.json that would poison it).
echo '{"learning_rate": 0.1}' > "$dir/bad.json"
expect 1 "bad.json: unknown field 'learning_rate'" supernet heaviest --run "$dir/b" --config "$dir/bad.json"
[[ -e $dir/b ]] && fail "the refused config left $dir/b behind"
expect 2 "space.json does not exist" supernet train --run "$dir/none"
[[ -e $dir/none ]] && fail "a stage on a missing run folder created it"

# A run folder locked by another process is refused with that process named.
mkdir "$dir/l"
flock "$dir/l/.lock" sleep 30 & holder=$!
for _ in $(seq 1 100); do flock -n "$dir/l/.lock" true 2>/dev/null || break; sleep 0.05; done
expect 1 "$dir/l is in use by another iqnas process" supernet heaviest --run "$dir/l"
kill $holder; wait $holder 2>/dev/null; holder=

# IDX data whose test split has another image size, and images of another size than the space's.
python3 - "$dir" <<'PY' || fail "could not write the IDX files"
import os, struct, sys
def idx(folder, prefix, n, side):
    os.makedirs(folder, exist_ok=True)
    open(f"{folder}/{prefix}-images-idx3-ubyte", "wb").write(struct.pack(">IIII", 0x803, n, side, side) + bytes(n * side * side))
    open(f"{folder}/{prefix}-labels-idx1-ubyte", "wb").write(struct.pack(">II", 0x801, n) + bytes(i % 10 for i in range(n)))
idx(sys.argv[1] + "/idx14", "train", 64, 28); idx(sys.argv[1] + "/idx14", "t10k", 32, 14)
idx(sys.argv[1] + "/idx32", "train", 64, 32); idx(sys.argv[1] + "/idx32", "t10k", 32, 32)
PY
expect 1 "t10k-images-idx3-ubyte: its images are 14x14, those of the training split" train --dataset fashion-mnist --root "$dir/idx14" --epochs 1 --batch-size 8 --out "$dir/tr"
expect 1 "its images are 32x32, but the search space expects 28x28" supernet heaviest --run "$dir/s32" --dataset fashion-mnist --root "$dir/idx32"
[[ -e $dir/tr || -e $dir/s32 ]] && fail "a refused data set left a folder behind"

# A table measured elsewhere (imported) cannot be re-timed with the CPU inference path: named.
expect 0 "" lut --space tiny --repeats 1 --warmup 0 --min-seconds 0 --out "$dir/lut.json" --quiet
python3 -c 'import json, sys; f = sys.argv[1]; t = json.load(open(f)); t["device"] = "Titan RTX"; json.dump(t, open(f, "w"))' "$dir/lut.json"
expect 2 "lut.json: the table was measured on device 'Titan RTX'" lut-check --lut "$dir/lut.json" --samples 4

[[ -f /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz ]] || { echo "SKIP: the training checks need Fashion-MNIST"; exit 0; }
echo '{"epochs": 1, "batch_size": 32, "train_images": 64, "checkpoint_every": 1, "log_every": 1, "augment": false}' > "$dir/cfg.json"
run=(--run "$dir/u" --config "$dir/cfg.json" --threads 1)
expect 0 "stopped after 1 of 2 steps" supernet heaviest "${run[@]}" --stop-after 1
expect 2 "the heaviest network stopped at step 1 of 2" supernet train "${run[@]}"
expect 2 "option --recalibrate expects an integer in [0, 100000], got '-5'" supernet eval "${run[@]}" --arch heaviest --recalibrate -5
expect 2 "option --threads expects an integer in [1, 256]" train --threads 100000 --out "$dir/t"
[[ -e $dir/t ]] && fail "a refused train left its folder behind"
expect 1 "was written by a run with other settings (lr 0.1 -> 0.0123)" supernet heaviest "${run[@]}" --lr 0.0123
# A checkpoint whose step is not a number (or beyond the run) names the file and the field.
python3 - "$dir/u/heaviest.safetensors" <<'PY' || fail "could not edit the checkpoint"
import json, struct, sys
f = sys.argv[1]; d = open(f, 'rb').read(); n = struct.unpack('<Q', d[:8])[0]
h = json.loads(d[8:8 + n]); h['__metadata__']['run.step'] = 'abc'
t = json.dumps(h).encode(); t += b' ' * (-len(t) % 8)
open(f, 'wb').write(struct.pack('<Q', len(t)) + t + d[8 + n:])
PY
expect 1 "heaviest.safetensors: metadata 'run.step' expects an integer in [0, 2], got 'abc'" supernet heaviest "${run[@]}"
echo "PASS: hostile command lines refused with the option, file or field named"
