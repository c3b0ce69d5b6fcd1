#!/usr/bin/env bash
# The output convention of every command that prints results (experiments/output.h, docs/cli.md):
# with --json one JSON document on stdout holding the documented keys (every path under "written"
# exists) and the human text on stderr; with --quiet --json the document alone; with --quiet
# nothing on stdout or stderr. Progress lines go to stderr as plain lines in a log, rewritten in
# place on a terminal, and --quiet silences them. Runs the commands that take seconds here: arch,
# solve, sweep, lut, lut-check, tabular, tabular-eval, and data, train and the supernet stages on
# a small generated data set. Usage: json_quiet.sh IQNAS SOURCE_DIR
set -uo pipefail
iqnas="$1" src="$2"
# shellcheck source=check_lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/check_lib.sh"

# arch --arch prints its result (the architecture) whatever --quiet says; --json replaces it.
"$iqnas" arch --space tiny --arch heaviest --json >"$work/out" 2>"$work/err" || fail "arch --json exited $?"
why=$(keys "$work/out" space arch timm onehot.alpha onehot.beta 2>&1) || fail "arch --json: $why"
grep -qF '"beta": "001001001001001"' "$work/out" || fail "arch --json: not the heaviest network's one-hot"
[[ ! -s "$work/err" ]] || fail "arch --json wrote to stderr: $(cat "$work/err")"
"$iqnas" arch --space tiny --arch heaviest --timm --quiet >"$work/out" 2>"$work/err" || fail "arch --timm --quiet exited $?"
grep -q "ds_r1_k3_s1_e1_c8" "$work/out" || fail "arch --timm --quiet did not print the arch_def"
check "arch --random" "written.1" arch --space tiny --random 2 --out-prefix "$work/a"

problem="$src/solver/examples/paper_1budget.json"
check solve "method result.status result.objective result.selection written.0" \
  solve --problem "$problem" --out "$work/r.json"
grep -qF '"status"' "$work/r.json" || fail "solve: the result file lacks the status"
check sweep "constraint method points.2.budget points.2.status points.2.objective feasible solve_s written.1" \
  sweep --problem "$problem" --constraint latency_ms --range 10:30:3 --out "$work/front.csv"

check lut "space device blocks fixed_ms slowest_block_ms written.0" \
  lut --space tiny --out "$work/lut.json" --repeats 2 --warmup 0 --min-seconds 0
grep -q "ETA" "$work/plain.err" || fail "lut: no progress line with an ETA on stderr: $(head -c 300 "$work/plain.err")"
grep -q $'\r' "$work/plain.err" && fail "lut: progress in a log rewrites lines"
check lut-check "table networks raw.mape_pct raw.kendall_tau corrected.slope written.0" \
  lut-check --lut "$work/lut.json" --samples 4 --repeats 2 --warmup 0 --csv "$work/check.csv"
if command -v script >/dev/null; then  # a terminal: the progress line is rewritten in place
  script -qec "'$iqnas' lut --space tiny --out '$work/lut2.json' --repeats 2 --warmup 0 --min-seconds 0" /dev/null >"$work/tty" 2>&1 </dev/null
  grep -q $'\r\033\\[K.*ETA' "$work/tty" || fail "lut on a terminal: no rewritten progress line: $(head -c 300 "$work/tty" | od -c | head -5)"
else
  echo "script (util-linux) not found: the terminal progress line is not checked"
fi

ops=(none skip_connect nor_conv_1x1 nor_conv_3x3 avg_pool_3x3)
{
  echo "arch,acc,lat"
  for a in 0 1 2 3 4; do for b in 0 1 2 3 4; do for c in 0 1 2 3 4; do
    echo "|nor_conv_3x3~0|+|skip_connect~0|nor_conv_1x1~1|+|${ops[a]}~0|${ops[b]}~1|${ops[c]}~2|,$((80 + a + 2 * b + c)).5,$((1 + a + b + c))"
  done; done; done
} >"$work/t.csv"
check tabular "status arch true_accuracy meets_budget regret written.0" \
  tabular --csv "$work/t.csv" --accuracy-column acc --cost-column lat --samples 40 --budget 6 --out "$work/tab.json"
check tabular-eval "runs summary.0.accuracy summary.0.median_regret written.1" \
  tabular-eval --csv "$work/t.csv" --costs lat --accuracies acc --quantiles 0.5 --seeds 2 --samples 40 --out "$work/te"
grep -q "tabular-eval 2/2 (100%).*ETA" "$work/plain.err" || fail "tabular-eval: no final progress line in the log"

# An error is still reported with --quiet, on stderr, with the exit code of bad input.
"$iqnas" solve --problem "$work/absent.json" --out "$work/x.json" --quiet --json >"$work/out" 2>"$work/err"
rc=$?
[[ $rc == 1 && ! -s "$work/out" && -s "$work/err" ]] || fail "solve --quiet of an absent problem: exit $rc, stdout '$(cat "$work/out")'"

make_data "$work/fm"
data=(--dataset fashion-mnist --root "$work/fm")
check data "dataset splits.test.images splits.train.per_class loader.images_per_s" data "${data[@]}" --batches 2 --batch 16
cfg="$work/cfg.json"
echo '{"epochs": 1, "train_images": 64, "batch_size": 32, "checkpoint_every": 1, "log_every": 1}' >"$cfg"
check "supernet heaviest" "stage training.status training.steps test_accuracy.raw written.1" \
  supernet heaviest --run "$work/run" --space tiny --config "$cfg" "${data[@]}"
check "supernet reorder" "stage max_logit_change written.0" supernet reorder --run "$work/run" --config "$cfg" "${data[@]}"
check "supernet train" "stage training.status training.total_steps written.1" \
  supernet train --run "$work/run" --config "$cfg" "${data[@]}"
check "supernet eval" "stage arch accuracy images parameters" \
  supernet eval --run "$work/run" --config "$cfg" --arch smallest "${data[@]}"
check "supernet extract" "stage parameters written.0" \
  supernet extract --run "$work/run" --config "$cfg" --arch smallest --out "$work/small.safetensors" "${data[@]}"
check "supernet finetune" "stage training.status test_accuracy written.0" \
  supernet finetune --run "$work/run" --config "$cfg" --arch smallest "${data[@]}"
check train "results.test_accuracy written.2" train "${data[@]}" --epochs 1 --batch-size 32 --out "$work/train"
[[ $fails == 0 ]] && echo "PASS: --json and --quiet" || exit 1
