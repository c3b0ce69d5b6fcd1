#!/usr/bin/env bash
# The output convention (json_quiet.sh) for the commands that work on a trained run folder:
# `iqnas run` builds one from a small generated data set (every stage, the `tiny` space, a few
# steps and images), then contrib, explain, sample-eval, predictor-eval, search, measure and export are
# checked on it, each finding its measurements done; and that the commands measuring several networks
# load the supernet once (counted with strace where it is installed). Usage: json_quiet_run.sh IQNAS
set -uo pipefail
iqnas="$1"
# shellcheck source=check_lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/check_lib.sh"

make_data "$work/fm"
data=(--dataset fashion-mnist --root "$work/fm")
echo '{"epochs": 1, "train_images": 64, "batch_size": 32, "checkpoint_every": 1, "log_every": 1}' >"$work/cfg.json"
cat >"$work/pipe.json" <<JSON
{"space": "tiny", "threads": 1, "data": {"dataset": "fashion-mnist", "root": "$work/fm"},
 "heaviest": "cfg.json", "supernet": "cfg.json", "finetune": "cfg.json",
 "lut": {"threads": 1, "batch": 1, "repeats": 2}, "contrib": {"passes": 1, "images": 10, "context": "uniform"},
 "sample_eval": {"count": 16}, "predictor_eval": {"test": 4, "mlp_epochs": 2},
 "search": {"resource": "params_m", "fractions": [0.3, 0.7], "method": "exact"}}
JSON
r="$work/run"
check run "run stages.0.stage stages.0.seconds written.1" run "$work/pipe.json" --run "$r"
# Several networks from one load of the supernet: `measure --arch A,B,C`, and the run's measure stage
# (one measure and one sample-eval call for all found networks, one row each in found.heldout.csv).
n_arch=$(ls "$r"/search/*.arch.json | wc -l)
[[ $(($(wc -l <"$r/measure/found.heldout.csv") - 1)) == "$n_arch" ]] ||
  fail "measure/found.heldout.csv does not hold one row per found network ($n_arch)"
grep -q "## Against random sub-networks" "$r/report.md" || fail "the report lacks the comparison with random sub-networks"
if command -v strace >/dev/null; then
  loads() {  # the times `iqnas ARGS` opens the supernet's weights
    strace -f -qq -e trace=openat -o "$work/trace" "$iqnas" "$@" --quiet >/dev/null 2>&1 || fail "$1 under strace exited $?"
    grep -c 'supernet\.safetensors"' "$work/trace"
  }
  n=$(loads measure --run "$r" --arch "heaviest,smallest,$(ls "$r"/search/*.arch.json | head -1)" --no-latency "${data[@]}")
  [[ $n == 1 ]] || fail "measure of 3 networks loaded the supernet $n times"
  rm -f "$r"/measure/*.arch.json "$r"/measure/*.heldout.csv
  n=$(loads run "$work/pipe.json" --run "$r" --only measure)
  [[ $n == 2 ]] || fail "the measure stage loaded the supernet $n times for $n_arch networks (want 2: measure, sample-eval)"
  [[ $(ls "$r"/measure/*.arch.json | wc -l) == "$n_arch" && -s $r/measure/found.heldout.csv ]] ||
    fail "the measure stage did not measure again what was removed"
else
  echo "note: strace not found, the supernet loads are not counted"
fi
check contrib "measurements base_accuracy.mean written.1" contrib --run "$r" --passes 1 --images 10 "${data[@]}"
check explain "markdown written.0" explain --run "$r"
check sample-eval "architectures accuracy.min written.0" sample-eval --run "$r" --count 16 --images 10 "${data[@]}"
check predictor-eval "test_rows predictors.0.predictor predictors.0.kendall_tau written.2" \
  predictor-eval --run "$r" --test 4 --mlp-epochs 2
check search "method results.0.tag results.0.outcome.solver infeasible written.1" search --run "$r" --budget params_m=0.3
arch=$(ls "$r"/search/*.arch.json | head -1)
check measure "measurement.test_accuracy measurement.latency.median_ms written.0" \
  measure --run "$r" --arch "$arch" --out "$work/m.json" "${data[@]}"
check export "export.architecture export.check.logits_fnv1a64 written.2" \
  export --run "$r" --arch "$arch" --out "$work/export" --images 2 "${data[@]}"
[[ $fails == 0 ]] && echo "PASS: --json and --quiet of the run-folder commands" || exit 1
