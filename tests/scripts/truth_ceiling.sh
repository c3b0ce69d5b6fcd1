#!/usr/bin/env bash
# scripts/truth-ceiling.py on four sub-networks whose halves are known: first half 1 2 3 4,
# second half 2 1 4 3 (Pearson 0.6, Kendall 1/3; Spearman-Brown 0.75, ceiling
# (2/pi) asin(sqrt(0.75)) = 2/3; differences -1 1 -1 1: noise SD of a half sqrt(4/3)/sqrt(2)),
# and its refusals.
set -uo pipefail
command -v python3 >/dev/null || { echo "SKIP: no python3"; exit 77; }
script="$1/scripts/truth-ceiling.py"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

head="index,selection,depths,accuracy,accuracy_recalibrated"
printf '%s\n0,0-1,1-1,1.5,9\n1,1-1,1-2,1.5,8\n2,1-0,2-2,3.5,7\n3,0-0,2-1,3.5,6\n' "$head" >"$work/full.csv"
printf '%s\n0,0-1,1-1,1,9\n1,1-1,1-2,2,8\n2,1-0,2-2,3,7\n3,0-0,2-1,4,6\n' "$head" >"$work/half.csv"

out="$(python3 "$script" --scale 3 "$work/full.csv" "$work/half.csv" 2>&1)" || fail "refused: $out"
grep -qF "halves: pearson 0.600, kendall 0.333," <<<"$out" || fail "halves: $out"
grep -qF "full: reliability 0.7500, tau ceiling 0.667" <<<"$out" || fail "full: $out"
# x3 images: 3 x 0.75 / (1 + 2 x 0.75) = 0.9
grep -qF "x3 images: reliability 0.9000," <<<"$out" || fail "scale: $out"
grep -qF "noise SD of one measurement 0.577 (of one half: 0.816)" <<<"$out" || fail "noise: $out"
# The recalibrated column: equal halves (2 x full - half = half), a perfect ceiling.
out="$(python3 "$script" --recalibrated "$work/full.csv" "$work/full.csv" 2>&1)" || fail "refused: $out"
grep -qF "full: reliability 1.0000, tau ceiling 1.000" <<<"$out" || fail "recalibrated: $out"

# expect PATTERN args...: refused (non-zero exit) with PATTERN in the message.
expect() {
  local pattern="$1" err
  shift
  if err="$(python3 "$script" "$@" 2>&1)"; then fail "accepted $*"; return; fi
  grep -qF -- "$pattern" <<<"$err" || fail "$*: no '$pattern' in: $err"
}
sed 's/^2,1-0,/2,1-1,/' "$work/half.csv" >"$work/other.csv"
expect "row 2 is not the same architecture" "$work/full.csv" "$work/other.csv"
printf '%s\n0,0-1,1-1,1,\n' "$head" >"$work/empty.csv"
expect "empty.csv: line 2 has no 'accuracy_recalibrated' value" --recalibrated "$work/empty.csv" "$work/half.csv"
expect "missing.csv: No such file" "$work/full.csv" "$work/missing.csv"
expect "not a sample-eval file" "$work/full.csv" "$0"
expect "--scale must be in [1, 1000]" --scale 0 "$work/full.csv" "$work/half.csv"

[[ $fails == 0 ]] && echo "PASS: truth-ceiling" || exit 1
