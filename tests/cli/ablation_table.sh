#!/usr/bin/env bash
# `iqnas experiment ablations` on variant folders whose change (ablation.txt, the jq filters of
# experiments/ablations/run.sh) holds '|' and quotes: every markdown row keeps its columns and every
# CSV line parses back to the change as written. Takes a second (no training).
# Usage: ablation_table.sh IQNAS
set -uo pipefail
iqnas=$1
dir=$(mktemp -d); trap 'rm -rf "$dir"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
command -v python3 >/dev/null || { echo "SKIP: python3 is needed to parse the tables"; exit 0; }
change='supernet: .kd_kl_weight = 0 | .kd_features = false; pipeline: .weights = "raw", from supernet'
for v in base no-distill 'odd|name'; do mkdir -p "$dir/$v" && echo '{}' > "$dir/$v/space.json"; done
printf '%s\n' "$change" > "$dir/no-distill/ablation.txt"
"$iqnas" experiment ablations --run "$dir" > "$dir/log" 2>&1 || fail "experiment ablations failed: $(cat "$dir/log")"
python3 - "$dir" "$change" <<'PY' || fail "the ablation tables do not hold the change as written"
import csv, re, sys
d, change = sys.argv[1], sys.argv[2]
rows = [l for l in open(d + "/ablations.md") if l.startswith("| ")]
header = len(re.split(r"(?<!\\)\|", rows[0].strip())) - 2
for r in rows:
    cells = [c.strip() for c in re.split(r"(?<!\\)\|", r.strip())[1:-1]]
    assert len(cells) == header, (header, r)
cells = {c[0]: c for c in ([c.strip() for c in re.split(r"(?<!\\)\|", r.strip())[1:-1]] for r in rows)}
assert cells["no-distill"][1].replace("\\|", "|") == change, cells["no-distill"]
assert "odd\\|name" in cells, cells.keys()
lines = list(csv.reader(open(d + "/ablations.csv")))
assert all(len(l) == len(lines[0]) for l in lines), lines
assert {l[0]: l[1] for l in lines[1:]}["no-distill"] == change, lines
PY
echo "PASS: ablation tables keep free text in its cell"
