#!/usr/bin/env bash
# Start-up cost of the `iqnas` program: wall time and peak memory (max RSS) of `iqnas --help` and
# of `iqnas solve` on a paper-size problem (solver/examples/paper_1budget.json, 255 binaries, one
# latency budget), for one or more builds, runs interleaved, medians reported. `solve` writes its
# result durably (temporary file, fsync, rename, fsync of the folder) next to the other temporary
# files; the last column writes it to /dev/shm (tmpfs, where a flush costs nothing), so the
# difference is the price of the durable write on this machine's disk.
#
#   scripts/bench-startup.sh [-n RUNS] IQNAS [IQNAS ...]      (e.g. a build before and after a change)
#
# Needs GNU time (/usr/bin/time, Debian package `time`). The first row is /bin/true under the same
# harness: the machine's floor for starting a process. On a loaded machine compare builds measured
# in the same run, not absolute numbers.
set -euo pipefail
runs=20
if [[ "${1:-}" == "-n" ]]; then
  runs="$2"
  shift 2
fi
[[ "$runs" =~ ^[0-9]+$ && "$runs" -ge 1 && "$runs" -le 1000 ]] || { echo "bench-startup: -n expects 1..1000" >&2; exit 2; }
[[ $# -ge 1 ]] || { echo "usage: scripts/bench-startup.sh [-n RUNS] IQNAS [IQNAS ...]" >&2; exit 2; }
[[ -x /usr/bin/time ]] || { echo "bench-startup: needs GNU time (apt-get install time)" >&2; exit 1; }
set -- /bin/true "$@"
for b in "$@"; do [[ -x "$b" ]] || { echo "bench-startup: $b is not an executable" >&2; exit 1; }; done
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
problem="$repo/solver/examples/paper_1budget.json"
work="$(mktemp -d)"
shm="$(mktemp -d -p /dev/shm 2>/dev/null || mktemp -d)"
trap 'rm -rf "$work" "$shm"' EXIT

# one BUILD_INDEX CASE: appends "ms kb" to $work/<index>.<case>.
one() {
  local i="$1" case="$2" bin="${@:$i+2:1}" t0 t1
  local args=(--help)
  [[ "$case" == solve ]] && args=(solve --problem "$problem" --out "$work/result.json")
  [[ "$case" == solve-shm ]] && args=(solve --problem "$problem" --out "$shm/result.json")
  [[ "$bin" == /bin/true ]] && args=()
  t0=$(date +%s%N)
  /usr/bin/time -f %M -o "$work/rss" "$bin" "${args[@]}" >/dev/null 2>"$work/err" ||
    { echo "bench-startup: $bin ${args[*]} failed: $(cat "$work/err")" >&2; exit 1; }
  t1=$(date +%s%N)
  echo "$(( (t1 - t0) / 1000 )) $(tail -n1 "$work/rss")" >>"$work/$i.$case"
}

for ((r = 0; r < runs; ++r)); do
  for ((i = 1; i <= $#; ++i)); do
    one "$i" help "$@"
    one "$i" solve "$@"
    one "$i" solve-shm "$@"
  done
done

median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
echo "| build | iqnas --help: ms | MB | iqnas solve (paper, 1 budget): ms | MB | solve, result on tmpfs: ms | MB |"
echo "|---|---|---|---|---|---|---|"
for ((i = 1; i <= $#; ++i)); do
  row="| ${!i} "
  for case in help solve solve-shm; do
    ms=$(cut -d' ' -f1 "$work/$i.$case" | median)
    kb=$(cut -d' ' -f2 "$work/$i.$case" | median)
    row+="| $(awk -v u="$ms" 'BEGIN { printf "%.1f", u / 1000 }') | $(awk -v k="$kb" 'BEGIN { printf "%.1f", k / 1024 }') "
  done
  echo "$row|"
done
echo "(medians of $runs interleaved runs; wall time includes process start-up; MB = peak RSS)"
