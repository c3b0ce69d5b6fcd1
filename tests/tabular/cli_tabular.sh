#!/usr/bin/env bash
# Bad input of `iqnas tabular`: each case must fail with a clear message naming the column, row or
# option and the right exit code (1: bad data, 2: bad flags); an infeasible budget is a result
# (status "infeasible", exit 0). Usage: cli_tabular.sh path/to/iqnas
set -u
IQNAS=$1
DIR=$(mktemp -d)
trap 'rm -rf "$DIR"' EXIT
fails=0
# expect CODE PATTERN args...: runs iqnas tabular, checks the exit code and that the output matches.
expect() {
  local code=$1 pattern=$2
  shift 2
  local out rc
  out=$("$IQNAS" tabular "$@" 2>&1)
  rc=$?
  if [[ $rc -ne $code ]] || ! grep -qE -- "$pattern" <<<"$out"; then
    echo "FAIL: tabular $* -> exit $rc (want $code), output: $out"
    fails=$((fails + 1))
  fi
}
# A 125-row NB201 table: the last three edges vary, cost grows with the convolutions.
ops=(none skip_connect nor_conv_1x1 nor_conv_3x3 avg_pool_3x3)
{
  echo "arch,acc,lat"
  for a in 0 1 2 3 4; do for b in 0 1 2 3 4; do for c in 0 1 2 3 4; do
    echo "|nor_conv_3x3~0|+|skip_connect~0|nor_conv_1x1~1|+|${ops[a]}~0|${ops[b]}~1|${ops[c]}~2|,$((80 + a + 2 * b + c)).5,$((1 + a + b + c))"
  done; done; done
} >"$DIR/t.csv"
gzip -k "$DIR/t.csv"
common=(--csv "$DIR/t.csv.gz" --accuracy-column acc --cost-column lat --samples 40)
expect 0 '"status": "ok"' "${common[@]}" --budget 6 --out "$DIR/r.json"
grep -q '"meets_budget"' "$DIR/r.json" || { echo "FAIL: --out file lacks the result"; fails=$((fails + 1)); }
expect 0 '"status": "infeasible"' "${common[@]}" --budget -100 --mode fit
expect 1 "no column 'accuracy' \(columns: arch, acc, lat\)" --csv "$DIR/t.csv" --accuracy-column accuracy --cost-column lat --budget 5
sed '3s/skip_connect~0/skip~0/' "$DIR/t.csv" >"$DIR/bad_arch.csv"
expect 1 "row 2 \(line 3\), column 'arch'.*unknown operation 'skip'" --csv "$DIR/bad_arch.csv" --accuracy-column acc --cost-column lat --budget 5
sed '2s/,80.5,/,n\/a,/' "$DIR/t.csv" >"$DIR/bad_num.csv"
expect 1 "row 1 \(line 2\), column 'acc' expects a finite number, got 'n/a'" --csv "$DIR/bad_num.csv" --accuracy-column acc --cost-column lat --budget 5
expect 1 "cannot open" --csv "$DIR/absent.csv" --accuracy-column acc --cost-column lat --budget 5
expect 2 "samples" "${common[@]}" --budget 5 --samples 5
expect 2 "exceeds the table's 125 rows" --csv "$DIR/t.csv" --accuracy-column acc --cost-column lat --budget 5 --samples 500
expect 2 "--mode must be active or fit" "${common[@]}" --budget 5 --mode greedy
expect 2 "--margin must be calibrated or none" "${common[@]}" --budget 5 --margin 90
expect 2 "--budget expects a finite number" "${common[@]}" --budget abc
expect 2 "missing required option --budget" "${common[@]}"
if [[ $fails -eq 0 ]]; then echo "PASS: iqnas tabular input checks"; fi
exit $((fails > 0))
