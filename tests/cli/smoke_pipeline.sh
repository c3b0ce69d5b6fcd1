#!/usr/bin/env bash
# The whole chain on the smoke configuration: `iqnas run` from training to report, then a second
# invocation that must find every stage done, and refusals of a bad configuration.
# Usage: smoke_pipeline.sh IQNAS SOURCE_DIR
set -uo pipefail
iqnas=$1 src=$2
dir=$(mktemp -d); trap 'rm -rf "$dir"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
[[ -d /usr/share/datasets/fashion-mnist ]] || { echo "SKIP: Fashion-MNIST (Debian package dataset-fashion-mnist) not installed"; exit 0; }
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-2} OMP_WAIT_POLICY=PASSIVE

"$iqnas" run "$src/experiments/pipelines/smoke.json" --run "$dir/run" > "$dir/log" 2>&1 || { tail -30 "$dir/log"; fail "iqnas run failed"; }
r=$dir/run
for f in space.json heaviest.safetensors supernet.safetensors lut.json contrib.json predictor.json subnets.csv \
         predictor-eval.md report.md timings.json; do
  [[ -s $r/$f ]] || fail "$f missing after the run"
done
n_arch=$(ls "$r"/search/*.arch.json 2>/dev/null | wc -l)
[[ $n_arch -ge 1 ]] || fail "no architecture found"
grep -q '"status": "optimal"' "$r"/search/*.json || fail "no proven optimum"
[[ $(ls "$r"/measure/*.finetuned.json | wc -l) -eq $n_arch ]] || fail "not every found network was fine-tuned and measured"
[[ $(ls "$r"/export/*/model.json "$r"/export/*/model.safetensors "$r"/export/*/check.safetensors | wc -l) -eq $((3 * n_arch)) ]] ||
  fail "not every found network was exported"
grep -q "## Networks found" "$r/report.md" || fail "report lacks the networks"
grep -q "| contributions (paper) |" "$r/report.md" || fail "report lacks the predictor table"
# Every found network's predicted latency is within its budget (the solver's constraint).
python3 - "$r" <<'PY' || fail "a found network breaks its budget"
import json, glob, sys
for f in glob.glob(sys.argv[1] + "/search/*[0-9].json"):
    j = json.load(open(f))
    if j["architecture"] is None: continue
    assert j["predicted_resources"]["latency_ms"] <= j["budgets"]["latency_ms"] * (1 + 1e-9), f
PY

# The interpretability report of the same run.
"$iqnas" explain --run "$r" > "$dir/explain.log" 2>&1 || fail "iqnas explain failed: $(cat "$dir/explain.log")"
grep -q "depth effect" "$r/explain.md" || fail "explain.md lacks the per-stage effects"
[[ -s $r/contributions.svg ]] || fail "no contribution heatmap"

# Run again: every stage finds its work done.
start=$(date +%s)
"$iqnas" run "$src/experiments/pipelines/smoke.json" --run "$dir/run" > "$dir/log2" 2>&1 || fail "second run failed"
grep -q "already complete" "$dir/log2" || fail "the second run retrained"
(( $(date +%s) - start < 120 )) || fail "the second run took $(( $(date +%s) - start )) s: it redid work"

# A configuration with an unknown key is refused, naming the key.
printf '{"space": "tiny", "heaviest": "a", "supernet": "b", "finetune": "c", "bogus": 1, "search": {"fractions": [0.5]}}' > "$dir/bad.json"
"$iqnas" run "$dir/bad.json" --run "$dir/bad" > "$dir/log3" 2>&1 && fail "a bad configuration was accepted"
grep -q "bogus" "$dir/log3" || fail "the error does not name the unknown key: $(cat "$dir/log3")"
echo "PASS: smoke pipeline ($n_arch networks)"
