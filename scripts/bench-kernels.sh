#!/usr/bin/env bash
# Times the CPU kernels (bench/kernels) and the same ops in PyTorch on the same shapes and thread
# count, and prints them side by side with ratio = PyTorch / iqnas (> 1: iqnas is faster).
#
#   scripts/bench-kernels.sh [THREADS] [FILTER]        e.g. scripts/bench-kernels.sh 2 'dw/|pw/'
#
# Environment: BUILD_DIR (default build/kernels), OUT_DIR (default $BUILD_DIR/bench-kernels),
# PASSES (alternating runs of both programs, default 3), CALLS (timed single calls per benchmark
# and pass on each side, after a warm-up, default 30), STAT (min or
# median over the calls, default min: the least disturbed by other processes on a shared machine),
# CLOCK (wall, default, or cpu: CPU time, meaningful with THREADS=1 on a loaded machine).
# REFERENCE (the PyTorch interpreter, default .venv-reference: scripts/reference-python.sh),
# REFERENCE2 (a second PyTorch, e.g. REFERENCE2=/usr/bin/python3 for Debian's 1.13: a second column).
# Writes ours.N.json, torch.N.json (and torch2.N.json) per pass N and table.md to OUT_DIR.
set -euo pipefail
cd "$(dirname "$0")/.."
THREADS=${1:-2}
FILTER=${2:-.}
BUILD_DIR=${BUILD_DIR:-build/kernels}
OUT_DIR=${OUT_DIR:-$BUILD_DIR/bench-kernels}
CALLS=${CALLS:-30}
PASSES=${PASSES:-3}
STAT=${STAT:-min}
CLOCK=${CLOCK:-wall}
TORCH_CLOCK=()
[ "$CLOCK" = cpu ] && TORCH_CLOCK=(--cpu-time)
PY=$(scripts/reference-python.sh)
PY2=""
[ -n "${REFERENCE2:-}" ] && PY2=$(REFERENCE=$REFERENCE2 scripts/reference-python.sh)

if [ ! -f "$BUILD_DIR/build.ninja" ]; then
  cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release -DIQNAS_CUDA=OFF >/dev/null
fi
cmake --build "$BUILD_DIR" --target bench_kernels >/dev/null
BENCH=$(find "$BUILD_DIR" -type f -name bench_kernels -perm -u+x | head -n1)
mkdir -p "$OUT_DIR"

# Passes alternate between the two programs, so both see the same background load; the
# comparison takes the minimum (or median) over all calls of all passes.
OURS=() THEIRS=() THEIRS2=()
torch_pass() {  # interpreter, output file
  OMP_NUM_THREADS=$THREADS "$1" bench/reference/torch_kernels.py --threads "$THREADS" \
    --filter "$FILTER" --min-time 0 --min-repeats "$CALLS" --warmup 1 \
    "${TORCH_CLOCK[@]}" --out "$2" 2>/dev/null
}
for pass in $(seq 1 "$PASSES"); do
  echo "== pass $pass/$PASSES: iqnas bench_kernels ($THREADS threads)" >&2
  IQNAS_BENCH_SINGLE_CALLS=1 OMP_NUM_THREADS=$THREADS "$BENCH" --benchmark_filter="$FILTER" \
    --benchmark_repetitions="$CALLS" --benchmark_format=json \
    --benchmark_out="$OUT_DIR/ours.$pass.json" --benchmark_out_format=json >/dev/null
  echo "== pass $pass/$PASSES: PyTorch reference ($THREADS threads)" >&2
  torch_pass "$PY" "$OUT_DIR/torch.$pass.json"
  OURS+=("$OUT_DIR/ours.$pass.json") THEIRS+=("$OUT_DIR/torch.$pass.json")
  if [ -n "$PY2" ]; then
    echo "== pass $pass/$PASSES: second PyTorch reference ($THREADS threads)" >&2
    torch_pass "$PY2" "$OUT_DIR/torch2.$pass.json"
    THEIRS2+=("$OUT_DIR/torch2.$pass.json")
  fi
done

"$PY" bench/reference/compare.py --ours "${OURS[@]}" --torch "${THEIRS[@]}" \
  ${PY2:+--torch2 "${THEIRS2[@]}"} --stat "$STAT" --markdown "$OUT_DIR/table.md"
