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
grep -q '"correction"' "$r/lut.json" && [[ -s $r/lut-check.csv ]] || fail "the table was not corrected to whole networks (lut.correction)"
[[ $(ls "$r"/measure/*.finetuned.json | wc -l) -eq $n_arch ]] || fail "not every found network was fine-tuned and measured"
[[ $(ls "$r"/export/*/model.json "$r"/export/*/model.safetensors "$r"/export/*/check.safetensors | wc -l) -eq $((3 * n_arch)) ]] ||
  fail "not every found network was exported"
grep -q "## Networks found" "$r/report.md" || fail "report lacks the networks"
grep -q "measured latency at the table's speed (ms) | raw median (ms) | within budget" "$r/report.md" || fail "report does not say which latency it judges"
grep -q "| contributions (paper) |" "$r/report.md" || fail "report lacks the predictor table"
[[ $(($(wc -l < "$r/measure/found.heldout.csv") - 1)) -eq $n_arch ]] || fail "not every found network was measured on the held-out images"
grep -q "## Against random sub-networks" "$r/report.md" || fail "report lacks the comparison with random sub-networks"
# Every found network's predicted latency is within its budget (the solver's constraint).
python3 - "$r" <<'PY' || fail "a found network breaks its budget"
import json, glob, sys
for f in glob.glob(sys.argv[1] + "/search/*[0-9].json"):
    j = json.load(open(f))
    if j["architecture"] is None: continue
    assert j["predicted_resources"]["latency_ms"] <= j["budgets"]["latency_ms"] * (1 + 1e-9), f
PY
# The search measured what it found (smoke.json keeps search.fit_measured at its default): every
# round logged, one network kept, within the budget when the search says it fits, and each later
# round's solver budget below the network before it.
python3 - "$r" <<'PY' || fail "the search's measured fit is inconsistent"
import json, glob, sys
for f in glob.glob(sys.argv[1] + "/search/*[0-9].json"):
    j = json.load(open(f))
    if j["architecture"] is None: continue
    fit, budget = j["measured_fit"], j["budgets"]["latency_ms"]
    rounds = fit["rounds"]
    assert 1 <= len(rounds) <= 4 and sum(r["chosen"] for r in rounds) == 1, (f, fit)
    kept = next(r for r in rounds if r["chosen"])
    assert abs(kept["predicted_ms"] - j["predicted_resources"]["latency_ms"]) < 1e-9, (f, kept)
    assert fit["fits"] == (kept["measured_ms"] <= budget), (f, fit)
    assert rounds[0]["solver_budget_ms"] == budget, (f, rounds[0])
    for a, b in zip(rounds, rounds[1:]):
        assert a["measured_ms"] > budget and b["solver_budget_ms"] < a["predicted_ms"], (f, a, b)
PY
"$iqnas" search --run "$r" --budget latency_ms=1 --fit-measured 21 > "$dir/m.log" 2>&1 && fail "search accepted --fit-measured 21"
grep -q -- "--fit-measured" "$dir/m.log" || fail "the refusal does not name --fit-measured: $(cat "$dir/m.log")"
"$iqnas" search --run "$r" --budget params_m=1 --fit-measured 2 > "$dir/m.log" 2>&1 && fail "search accepted --fit-measured without a latency budget"
grep -q "latency_ms" "$dir/m.log" || fail "the refusal does not name the latency budget: $(cat "$dir/m.log")"

# Several networks measured in one call: timed in the same rounds, one result each; the same
# network twice measures within 25% of itself; an --out that does not name one file per network is refused.
a1=$dir/one.json
cp "$(ls "$r"/search/*.arch.json | head -1)" "$a1"
"$iqnas" measure --run "$r" --arch "$a1,smallest" --out "$dir/x.json" > "$dir/m.log" 2>&1 && fail "measure accepted --out with two networks"
grep -q -- "--out" "$dir/m.log" || fail "the refusal does not name --out: $(cat "$dir/m.log")"
cp "$a1" "$dir/twin.json"
"$iqnas" measure --run "$r" --arch "$a1,$dir/twin.json,smallest" --repeats 50 > "$dir/m.log" 2>&1 || fail "measure of three networks failed: $(tail -5 "$dir/m.log")"
python3 - "$r/measure" one <<'PY' || fail "the networks measured together are inconsistent"
import json, sys
d, name = sys.argv[1], sys.argv[2]
a, b, s = (json.load(open(f"{d}/{n}.json")) for n in (name, "twin", "smallest"))
for j in (a, b, s): assert j["latency"]["timed_with"] == 3 and j["latency"]["median_ms"] > 0 and j["latency"]["same_run_table_ms"] > 0, j
for k in ("median_ms", "same_run_ms"): assert abs(a["latency"][k] / b["latency"][k] - 1) < 0.25, (a["latency"], b["latency"])
assert a["test_accuracy"] == b["test_accuracy"], (a["test_accuracy"], b["test_accuracy"])
PY
rm -f "$r/measure/one.json" "$r/measure/twin.json" "$r/measure/smallest.json"
"$iqnas" sample-eval --run "$r" --arch "$a1" > "$dir/m.log" 2>&1 && fail "sample-eval --arch without --out was accepted"
grep -q -- "--out" "$dir/m.log" || fail "the refusal does not name --out: $(cat "$dir/m.log")"

# The recalibrated column alone (the pipeline's sample-eval when it recalibrates): the inherited
# cells stay empty, predictor-eval then needs --recalibrated, and a resumed file keeps its columns.
"$iqnas" sample-eval --run "$r" --columns recalibrated --count 2 --images 20 --out "$dir/x.csv" > "$dir/m.log" 2>&1 &&
  fail "sample-eval --columns recalibrated without --recalibrate was accepted"
grep -q -- "--recalibrate" "$dir/m.log" || fail "the refusal does not name --recalibrate: $(cat "$dir/m.log")"
"$iqnas" sample-eval --run "$r" --columns inherited --count 2 --images 20 --out "$dir/x.csv" > "$dir/m.log" 2>&1
[[ $? -eq 2 ]] || fail "sample-eval --columns inherited did not exit 2 (bad usage)"
grep -q -- "--columns must be all or recalibrated, not 'inherited'" "$dir/m.log" || fail "the refusal does not list the columns: $(cat "$dir/m.log")"
"$iqnas" sample-eval --run "$r" --columns recalibrated --recalibrate 1 --count 3 --images 20 --out "$dir/recal.csv" > "$dir/m.log" 2>&1 ||
  fail "sample-eval --columns recalibrated failed: $(tail -5 "$dir/m.log")"
[[ $(awk -F, 'NR > 1 && $4 == "" && $5 != ""' "$dir/recal.csv" | wc -l) -eq 3 ]] ||
  fail "--columns recalibrated did not leave the inherited column empty: $(cat "$dir/recal.csv")"
"$iqnas" predictor-eval --run "$r" --samples "$dir/recal.csv" --test 2 --no-mlp > "$dir/m.log" 2>&1 &&
  fail "predictor-eval judged a recalibrated-only file on the inherited column"
grep -q -- "--recalibrated" "$dir/m.log" || fail "the refusal does not name --recalibrated: $(cat "$dir/m.log")"
"$iqnas" sample-eval --run "$r" --recalibrate 1 --count 4 --images 20 --out "$dir/recal.csv" > "$dir/m.log" 2>&1 &&
  fail "a recalibrated-only file was resumed with both columns"
grep -q -- "--columns recalibrated" "$dir/m.log" || fail "the refusal does not name --columns: $(cat "$dir/m.log")"
"$iqnas" sample-eval --run "$r" --recalibrate 1 --count 1 --images 20 --out "$dir/both.csv" > "$dir/m.log" 2>&1 &&
  "$iqnas" sample-eval --run "$r" --columns recalibrated --recalibrate 1 --count 2 --images 20 --out "$dir/both.csv" > "$dir/m.log" 2>&1 ||
  fail "sample-eval resuming a file of both columns failed: $(tail -5 "$dir/m.log")"
[[ $(awk -F, 'NR > 1 && $4 != "" && $5 != ""' "$dir/both.csv" | wc -l) -eq 2 ]] ||
  fail "a file of both columns resumed with --columns recalibrated lost its inherited column: $(cat "$dir/both.csv")"

# The interpretability report of the same run.
"$iqnas" explain --run "$r" > "$dir/explain.log" 2>&1 || fail "iqnas explain failed: $(cat "$dir/explain.log")"
grep -q "depth effect" "$r/explain.md" || fail "explain.md lacks the per-stage effects"
# smoke.json measures the contributions in one pass: there is no standard error to print.
grep -q "+-n/a, 1 pass of" "$r/explain.md" && ! grep -q -- "+-0\.0" "$r/explain.md" ||
  fail "explain.md prints a standard error of one pass: $(grep -- "+-" "$r/explain.md" | head -3)"
[[ -s $r/contributions.svg ]] || fail "no contribution heatmap"

# The paper's tables from the same run (iqnas experiment), 2 budgets each.
"$iqnas" experiment all --run "$r" --budgets 2 --time-limit 5 > "$dir/exp.log" 2>&1 || { tail -20 "$dir/exp.log"; fail "iqnas experiment all failed"; }
e=$r/experiments
for f in t1 t2 t3 t4 f1; do [[ -s $e/$f.csv && -s $e/$f.md ]] || fail "experiment $f wrote no table"; done
python3 - "$e" <<'PY' || fail "the experiment tables are inconsistent"
import csv, glob, json, sys
e = sys.argv[1]
t1 = list(csv.DictReader(open(e + "/t1.csv")))
methods = {r["method"] for r in t1}
assert {"exact", "relax", "binas-bcfw", "evo", "random"} <= methods, methods
for r in t1:
    assert len([x for x in t1 if x["method"] == r["method"]]) == 2, r
    if r["method"] == "exact":
        assert r["status"] == "optimal" and float(r["table_latency_ms"]) <= float(r["budget_ms"]) * (1 + 1e-9), r
        assert 0 < float(r["test_accuracy"]) <= 100, r
# T1 times every distinct network found in the same rounds (one measure call).
ms = [json.load(open(f)) for f in glob.glob(e + "/t1/*/*.measure.json")]
assert ms and all(m["latency"]["timed_with"] == len(ms) for m in ms), [m["latency"]["timed_with"] for m in ms]
t4 = list(csv.DictReader(open(e + "/t4.csv")))
for r in t4:  # no method beats the proven optimum while it keeps the budget
    if r["gap"] != "-": assert float(r["gap"]) >= -1e-6, r
assert all(r["gap"] == "0.000000" for r in t4 if r["method"] == "exact"), t4
t3 = list(csv.DictReader(open(e + "/t3.csv")))
assert [int(r["networks"]) for r in t3] == [1, 4, 10, 100, 1000]
assert float(t3[-1]["iqnas_search_s"]) < float(t3[-1]["train_each_s"]), t3[-1]
assert any(r["predictor"].startswith("contributions") for r in csv.DictReader(open(e + "/t2.csv")))
assert sum(1 for r in csv.DictReader(open(e + "/f1.csv")) if r["kind"] == "depth") > 0
PY

# One ablation (contributions from 1 pass) from the same run, and the summary beside the base.
if command -v jq >/dev/null; then
  PIPELINE="$src/experiments/pipelines/smoke.json" IQNAS="$iqnas" bash "$src/experiments/ablations/run.sh" "$r" "$dir/abl" passes-1 \
    > "$dir/abl.log" 2>&1 || { tail -20 "$dir/abl.log"; fail "the ablation run failed"; }
  grep -q "^| base |" "$dir/abl/ablations.md" && grep -q "^| passes-1 |" "$dir/abl/ablations.md" ||
    fail "the ablation summary lacks the base or the variant: $(cat "$dir/abl/ablations.md")"
  [[ $(jq .contrib.passes "$dir/abl/passes-1/pipeline.json") == 1 ]] || fail "the variant's pipeline was not patched"
else
  echo "note: jq missing, ablation script not checked (scripts/install-deps.sh installs it)"
fi

# Run again: every stage finds its work done.
start=$(date +%s)
"$iqnas" run "$src/experiments/pipelines/smoke.json" --run "$dir/run" > "$dir/log2" 2>&1 || fail "second run failed"
grep -q "already complete" "$dir/log2" || fail "the second run retrained"
(( $(date +%s) - start < 120 )) || fail "the second run took $(( $(date +%s) - start )) s: it redid work"

# A configuration with an unknown key is refused, naming the key.
printf '{"space": "tiny", "heaviest": "a", "supernet": "b", "finetune": "c", "bogus": 1, "search": {"fractions": [0.5]}}' > "$dir/bad.json"
"$iqnas" run "$dir/bad.json" --run "$dir/bad" > "$dir/log3" 2>&1 && fail "a bad configuration was accepted"
grep -q "bogus" "$dir/log3" || fail "the error does not name the unknown key: $(cat "$dir/log3")"
for bad in '"weights": "fp16"' '"contrib": {"metric": "top5"}' '"contrib": {"context": "grouped"}'; do
  printf '{"space": "tiny", "heaviest": "a", "supernet": "b", "finetune": "c", %s, "search": {"fractions": [0.5]}}' "$bad" > "$dir/bad.json"
  "$iqnas" run "$dir/bad.json" --run "$dir/bad" > "$dir/log3" 2>&1 && fail "a bad configuration ($bad) was accepted"
  grep -q "${bad:1:7}" "$dir/log3" || fail "the error does not name the field of $bad: $(cat "$dir/log3")"
done
echo "PASS: smoke pipeline ($n_arch networks)"
