#!/usr/bin/env bash
# --json: one JSON document on stdout and the human text on stderr; --quiet: no human text.
set -uo pipefail
iqnas="$1"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
# is_json FILE: a JSON document (checked by Python when it is installed, else by its braces).
is_json() {
  if command -v python3 >/dev/null; then
    python3 -c 'import json, sys; json.load(open(sys.argv[1]))' "$1" 2>/dev/null
  else
    [[ "$(head -c1 "$1")" == "{" && "$(tail -c2 "$1")" == "}"$'\n' ]]
  fi
}

"$iqnas" arch --space tiny --arch heaviest --json >"$work/out" 2>"$work/err" || fail "arch --json exited $?"
is_json "$work/out" || fail "arch --json: stdout is not one JSON document: $(head -c 200 "$work/out")"
for key in '"space": "tiny"' '"arch":' '"timm":' '"alpha": "' '"beta": "001001001001001"'; do
  grep -qF "$key" "$work/out" || fail "arch --json: no $key"
done
[[ ! -s "$work/err" ]] || fail "arch --json wrote to stderr: $(cat "$work/err")"

"$iqnas" arch --space tiny --random 2 --out-prefix "$work/a" --json >"$work/out" 2>"$work/err" || fail "arch --random --json"
is_json "$work/out" && grep -qF "$work/a1.json" "$work/out" || fail "arch --random --json: $(cat "$work/out")"
grep -qF "wrote 2 architectures" "$work/err" || fail "arch --random --json: the human line is not on stderr"
"$iqnas" arch --space tiny --random 2 --out-prefix "$work/b" --quiet >"$work/out" 2>"$work/err" || fail "arch --quiet"
[[ ! -s "$work/out" && ! -s "$work/err" && -f "$work/b1.json" ]] || fail "arch --random --quiet printed text or wrote nothing"

if [[ -f /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz || -n "${IQNAS_DATA:-}" && -f "$IQNAS_DATA/fashion-mnist/train-images-idx3-ubyte.gz" ]]; then
  "$iqnas" data --dataset fashion-mnist --batches 2 --json >"$work/out" 2>"$work/err" || fail "data --json exited $?"
  is_json "$work/out" || fail "data --json: stdout is not one JSON document"
  for key in '"images": 10000' '"images_per_s":' '"per_class":'; do
    grep -qF "$key" "$work/out" || fail "data --json: no $key"
  done
  grep -qF "loader throughput" "$work/err" || fail "data --json: the human text is not on stderr"
  "$iqnas" data --dataset fashion-mnist --batches 2 --quiet >"$work/out" 2>"$work/err" || fail "data --quiet exited $?"
  [[ ! -s "$work/out" && ! -s "$work/err" ]] || fail "data --quiet printed: $(head -c 200 "$work/out" "$work/err")"
else
  echo "Fashion-MNIST not found: iqnas data not checked"
fi
[[ $fails == 0 ]] && echo "PASS: --json and --quiet" || exit 1
