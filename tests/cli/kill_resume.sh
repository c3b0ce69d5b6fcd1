#!/usr/bin/env bash
# A training run killed with SIGKILL and started again resumes from its last checkpoint and ends
# with a checkpoint byte-identical to that of an uninterrupted run (CPU, fixed seed).
set -euo pipefail
iqnas="$1"
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
export OMP_NUM_THREADS=2
if [[ ! -f /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz ]]; then
  echo "SKIP: Fashion-MNIST not installed"; exit 0
fi
echo '{"epochs": 2, "batch_size": 32, "train_images": 1600, "checkpoint_every": 10, "log_every": 10, "seed": 5}' > "$dir/cfg.json"
args=(supernet heaviest --space tiny --config "$dir/cfg.json" --threads 1)

"$iqnas" "${args[@]}" --run "$dir/a" > "$dir/a.log" 2>&1

step_of() { head -c 4096 "$1" 2>/dev/null | grep -ao '"run.step":"[0-9]*"' | grep -o '[0-9]*' || echo 0; }
"$iqnas" "${args[@]}" --run "$dir/b" > "$dir/b1.log" 2>&1 &
pid=$!  # the iqnas process itself (not a subshell), so SIGKILL reaches it
for _ in $(seq 1 2000); do
  [[ $(step_of "$dir/b/heaviest.safetensors") -ge 20 ]] && break
  kill -0 "$pid" 2>/dev/null || break
  sleep 0.01
done
kill -9 "$pid" 2>/dev/null || true
wait "$pid" 2>/dev/null || true
if kill -0 "$pid" 2>/dev/null; then echo "FAIL: the run survived SIGKILL"; exit 1; fi
killed_at=$(step_of "$dir/b/heaviest.safetensors")
echo "killed with the last checkpoint at step $killed_at of 100"
if [[ "$killed_at" -ge 100 || "$killed_at" -lt 10 ]]; then
  echo "FAIL: the run was not interrupted mid-way (checkpoint step $killed_at)"; exit 1
fi

"$iqnas" "${args[@]}" --run "$dir/b" > "$dir/b2.log" 2>&1
grep -q "resuming from .* at step $killed_at of 100" "$dir/b2.log" || { echo "FAIL: no resume message"; cat "$dir/b2.log"; exit 1; }
if cmp -s "$dir/a/heaviest.safetensors" "$dir/b/heaviest.safetensors"; then
  echo "PASS: the resumed run's checkpoint is byte-identical to the uninterrupted run's"
else
  echo "FAIL: checkpoints differ"; exit 1
fi
