#!/usr/bin/env bash
# CPU training throughput of the supernet against PyTorch, side by side, in one run: bench_supernet
# (bench/supernet: cifar heaviest, multipath + distillation, single path + distillation, tiny
# heaviest; batch 64; each with OpenMP threads inside the ops and, BM_*Threads, with worker threads
# that each run the whole step on their rows) and bench/reference/torch_cifar_heaviest.py (the same
# heaviest networks and the multipath step in PyTorch), both with the same thread count, alternating for ROUNDS rounds, for
# each thread count of THREADS; prints a table per thread count with ratio = ours / PyTorch images/s
# (> 1: we are faster) and the multipath step's cost relative to the heaviest network's step, then
# the speed-ups of the last thread count over 1 thread. Builds nothing.
#
#   scripts/bench-supernet.sh [BUILD_DIR]          default build/default
#
# Environment: THREADS (thread counts, default "1 2"), ROUNDS (default 2; each case takes its best round),
# MIN_TIME (seconds of timed steps per case on our side, default 4), TORCH_REPEATS (default 7),
# FILTER (bench_supernet --benchmark_filter, default all), TORCH_PRESETS and TORCH_MULTIPATH (the
# PyTorch cases: --presets, default "cifar,tiny", and --multipath, default "cifar"; "" for none), OUT_DIR (default BUILD_DIR/bench-supernet),
# REFERENCE (the PyTorch interpreter, default .venv-reference: scripts/reference-python.sh),
# REFERENCE2 (a second PyTorch, e.g. /usr/bin/python3 for Debian's 1.13: a second column).
# Writes T/ours-N.json, T/torch-N.json (T/torch2-N.json), T/table.md and T/table.json for each thread
# count T, and table.md (all tables and the speed-ups) to OUT_DIR.
# The machine should be otherwise idle: with more runnable threads than cores
# OpenMP's spin-waiting makes both sides' numbers meaningless (the load average is printed); on a
# loaded machine run with OMP_WAIT_POLICY=passive (passed through to both sides, both use libgomp).
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${1:-build/default}
THREADS_LIST=${THREADS:-1 2}
ROUNDS=${ROUNDS:-2}
MIN_TIME=${MIN_TIME:-4}
TORCH_REPEATS=${TORCH_REPEATS:-7}
FILTER=${FILTER:-.}
TORCH_PRESETS=${TORCH_PRESETS-cifar,tiny}
TORCH_MULTIPATH=${TORCH_MULTIPATH-cifar}
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
CPU=$(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //')
load() { cut -d' ' -f1-3 /proc/loadavg; }
torch_round() {  # interpreter, output file
  OMP_NUM_THREADS=$THREADS "$1" bench/reference/torch_cifar_heaviest.py --threads "$THREADS" \
    --presets "$TORCH_PRESETS" --multipath "$TORCH_MULTIPATH" --repeats "$TORCH_REPEATS" --out "$2"
}
mkdir -p "$OUT_DIR"
: > "$OUT_DIR/table.md.new"
for THREADS in $THREADS_LIST; do
  DIR="$OUT_DIR/$THREADS"
  mkdir -p "$DIR"
  rm -f "$DIR"/ours-*.json "$DIR"/torch-*.json "$DIR"/torch2-*.json
  LOADS="$(load)"
  ours=() theirs=() theirs2=()
  F=$FILTER  # one worker thread is the plain step: the BM_*Threads cases only with more threads
  [ "$THREADS" = 1 ] && [ "$F" = . ] && F='Heaviest/|Multipath/|SinglePath/'
  for r in $(seq 1 "$ROUNDS"); do
    echo "== $THREADS thread(s), round $r/$ROUNDS: iqnas bench_supernet (load $(load))" >&2
    OMP_NUM_THREADS=$THREADS "$BENCH" --benchmark_filter="$F" --benchmark_min_time="$MIN_TIME" \
      --benchmark_out="$DIR/ours-$r.json" --benchmark_out_format=json >&2
    echo "== $THREADS thread(s), round $r/$ROUNDS: PyTorch (load $(load))" >&2
    torch_round "$PY" "$DIR/torch-$r.json"
    ours+=("$DIR/ours-$r.json") theirs+=("$DIR/torch-$r.json")
    if [ -n "$PY2" ]; then
      echo "== $THREADS thread(s), round $r/$ROUNDS: second PyTorch (load $(load))" >&2
      torch_round "$PY2" "$DIR/torch2-$r.json"
      theirs2+=("$DIR/torch2-$r.json")
    fi
    LOADS="$LOADS; $(load)"
  done
  echo "### $THREADS thread(s)" >> "$OUT_DIR/table.md.new"
  "$PY" bench/reference/torch_cifar_heaviest.py --compare "${ours[@]}" --torch "${theirs[@]}" \
    ${PY2:+--torch2 "${theirs2[@]}"} --md "$DIR/table.md" --json "$DIR/table.json" \
    --note "CPU: $CPU ($(nproc) cores visible), OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-default}. Load average (1/5/15 min) at the start and after each round: $LOADS."
  cat "$DIR/table.md" >> "$OUT_DIR/table.md.new"
  LAST=$THREADS
done
if [ -f "$OUT_DIR/1/table.json" ] && [ "$LAST" != 1 ]; then
  "$PY" bench/reference/torch_cifar_heaviest.py --speedup "$OUT_DIR/1/table.json" "$OUT_DIR/$LAST/table.json" \
    --speedup-threads "$LAST" --md "$OUT_DIR/table.md.new"
fi
mv "$OUT_DIR/table.md.new" "$OUT_DIR/table.md"
echo "(written to $OUT_DIR/table.md)" >&2
