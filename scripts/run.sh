#!/usr/bin/env bash
# Installs what is missing, builds, and runs the main job on the default data set (Fashion-MNIST
# from the Debian package) with the `tiny` search space, in the run folder runs/tiny:
#   1. train the heaviest network, 2. train the one-shot supernet from it (multipath, in-place
#   distillation), 3. evaluate the heaviest and smallest architectures with inherited weights,
#   4. solve an example search problem exactly and sweep its latency budget.
# Every stage resumes from its checkpoint when the script is run again.
# Usage: scripts/run.sh [RUN_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
if [[ -z "${IQNAS:-}" ]]; then  # IQNAS=path/to/iqnas uses an existing build instead
  cmake --preset default >/dev/null
  cmake --build --preset default -j"$(nproc)"
fi
iqnas=${IQNAS:-build/default/experiments/iqnas}
# Idle OpenMP threads sleep instead of spinning: on a machine with other work, spinning threads
# of many small parallel regions starve each other.
export OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-PASSIVE}
run=${1:-runs/tiny}
mkdir -p "$run"

echo "== 1/4 heaviest network of the tiny space on Fashion-MNIST ($run)"
"$iqnas" supernet heaviest --run "$run" --space tiny --config experiments/configs/tiny-heaviest.json
echo "== 2/4 one-shot supernet with in-place distillation"
"$iqnas" supernet train --run "$run" --config experiments/configs/tiny-supernet.json
echo "== 3/4 architectures with inherited weights (BN recalibrated), test set"
for arch in heaviest smallest; do
  printf '%-9s ' "$arch"; "$iqnas" supernet eval --run "$run" --arch "$arch"
done
echo "== 4/4 the search step: exact IQP solve and a 100-budget sweep of an example problem"
echo "   (the latency table and accuracy predictor that will connect the supernet to it are the next stage)"
"$iqnas" solve --problem solver/examples/paper_3budget.json --out "$run/example-solution.json"
"$iqnas" sweep --problem solver/examples/paper_3budget.json --constraint latency_ms --range 30:110:100 \
  --out "$run/example-front.csv"
echo "results in $run"
