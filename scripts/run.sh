#!/usr/bin/env bash
# Installs what is missing, builds, and runs the main job on the default data set (Fashion-MNIST
# from the Debian package): trains a network and writes a run folder under runs/.
# Usage: scripts/run.sh [extra options for `iqnas train`]
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
cmake --preset default >/dev/null
cmake --build --preset default -j"$(nproc)"
iqnas=build/default/experiments/iqnas

echo "== training on Fashion-MNIST (runs/fashion-mnist)"
"$iqnas" train --dataset fashion-mnist --epochs 3 --out runs/fashion-mnist "$@"
