#!/usr/bin/env bash
# Installs what is missing, builds, and runs the main job: the whole method on the default data set
# (Fashion-MNIST from the Debian package) with the `tiny` search space, in the run folder runs/tiny:
# heaviest network, one-shot supernet, latency table of this machine, accuracy contributions and
# the bilinear predictor, random sub-networks and predictor quality, the search for four latency
# budgets, measurement, fine-tuning, and runs/tiny/report.md (docs/pipeline.md).
# Every stage resumes from its files when the script is run again.
# Usage: scripts/run.sh [RUN_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
if [[ -z "${IQNAS:-}" ]]; then  # IQNAS=path/to/iqnas uses an existing build instead
  # Only what the main job runs, which is the CPU (its configurations train on the CPU): no CUDA
  # module, no tests or benchmarks (scripts/test.sh builds those in build/default).
  cmake --preset cpu >/dev/null
  cmake --build --preset cpu -j"$(nproc)" --target iqnas
fi
iqnas=${IQNAS:-build/cpu/experiments/iqnas}
# Idle OpenMP threads sleep instead of spinning: on a machine with other work, spinning threads
# of many small parallel regions starve each other.
export OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-PASSIVE}
run=${1:-runs/tiny}
"$iqnas" run experiments/pipelines/tiny.json --run "$run"
echo "report: $run/report.md"
