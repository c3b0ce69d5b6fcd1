#!/usr/bin/env bash
# CPU training throughput of the supernet against PyTorch, side by side, in one run: bench_supernet
# (bench/supernet: cifar heaviest, multipath + distillation, single path + distillation, tiny
# heaviest; batch 64) and bench/reference/torch_cifar_heaviest.py (the same heaviest networks in
# PyTorch), both with the same thread count, alternating for ROUNDS rounds; prints a table with
# ratio = ours / PyTorch images/s (> 1: we are faster) and the multipath step's cost relative to
# the heaviest network's step. Builds nothing.
#
#   scripts/bench-supernet.sh [BUILD_DIR]          default build/default
#
# Environment: THREADS (default 2), ROUNDS (default 2; each case takes its best round),
# MIN_TIME (seconds of timed steps per case on our side, default 4), TORCH_REPEATS (default 7),
# FILTER (bench_supernet --benchmark_filter, default all), OUT_DIR (default BUILD_DIR/bench-supernet),
# REFERENCE (the PyTorch interpreter, default .venv-reference: scripts/reference-python.sh),
# REFERENCE2 (a second PyTorch, e.g. /usr/bin/python3 for Debian's 1.13: a second column).
# Writes ours-N.json, torch-N.json (torch2-N.json), table.md and table.json to OUT_DIR.
# The machine should be otherwise idle: with more runnable threads than cores
# OpenMP's spin-waiting makes both sides' numbers meaningless (the load average is printed); on a
# loaded machine run with OMP_WAIT_POLICY=passive (passed through to both sides, both use libgomp).
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${1:-build/default}
THREADS=${THREADS:-2}
ROUNDS=${ROUNDS:-2}
MIN_TIME=${MIN_TIME:-4}
TORCH_REPEATS=${TORCH_REPEATS:-7}
FILTER=${FILTER:-.}
OUT_DIR=${OUT_DIR:-$BUILD_DIR/bench-supernet}

BENCH=$(find "$BUILD_DIR" -type f -name bench_supernet -perm -u+x 2>/dev/null | head -n1 || true)
if [ -z "$BENCH" ]; then
  echo "bench-supernet.sh: no bench_supernet under $BUILD_DIR; build it first, e.g." >&2
  echo "  cmake -S . -B $BUILD_DIR -G Ninja -DIQNAS_CUDA=OFF -DCMAKE_BUILD_TYPE=Release && cmake --build $BUILD_DIR --target bench_supernet" >&2
  exit 2
fi
PY=$(scripts/reference-python.sh)
PY2=""
[ -n "${REFERENCE2:-}" ] && PY2=$(REFERENCE=$REFERENCE2 scripts/reference-python.sh)
mkdir -p "$OUT_DIR"
rm -f "$OUT_DIR"/ours-*.json "$OUT_DIR"/torch-*.json "$OUT_DIR"/torch2-*.json
CPU=$(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //')
load() { cut -d' ' -f1-3 /proc/loadavg; }
LOADS="$(load)"
ours=() theirs=() theirs2=()
torch_round() {  # interpreter, output file
  OMP_NUM_THREADS=$THREADS "$1" bench/reference/torch_cifar_heaviest.py --threads "$THREADS" \
    --repeats "$TORCH_REPEATS" --out "$2"
}
for r in $(seq 1 "$ROUNDS"); do
  echo "== round $r/$ROUNDS: iqnas bench_supernet ($THREADS threads, load $(load))" >&2
  OMP_NUM_THREADS=$THREADS "$BENCH" --benchmark_filter="$FILTER" --benchmark_min_time="$MIN_TIME" \
    --benchmark_out="$OUT_DIR/ours-$r.json" --benchmark_out_format=json >&2
  echo "== round $r/$ROUNDS: PyTorch ($THREADS threads, load $(load))" >&2
  torch_round "$PY" "$OUT_DIR/torch-$r.json"
  ours+=("$OUT_DIR/ours-$r.json") theirs+=("$OUT_DIR/torch-$r.json")
  if [ -n "$PY2" ]; then
    echo "== round $r/$ROUNDS: second PyTorch ($THREADS threads, load $(load))" >&2
    torch_round "$PY2" "$OUT_DIR/torch2-$r.json"
    theirs2+=("$OUT_DIR/torch2-$r.json")
  fi
  LOADS="$LOADS; $(load)"
done
"$PY" bench/reference/torch_cifar_heaviest.py --compare "${ours[@]}" --torch "${theirs[@]}" \
  ${PY2:+--torch2 "${theirs2[@]}"} --md "$OUT_DIR/table.md" --json "$OUT_DIR/table.json" \
  --note "CPU: $CPU ($(nproc) cores visible), OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-default}. Load average (1/5/15 min) at the start and after each round: $LOADS."
echo "(written to $OUT_DIR/table.md)" >&2
