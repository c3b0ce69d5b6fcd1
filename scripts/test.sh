#!/usr/bin/env bash
# Installs what is missing, builds, and runs every test: the release build (with the CUDA backend
# compiled when nvcc is present; GPU tests skip without a device), a bounded fuzzing run
# (scripts/fuzz.sh), then the AddressSanitizer + UndefinedBehaviorSanitizer build.
# Usage: scripts/test.sh [--no-sanitizers]
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
jobs=$(nproc)

cmake --preset default >/dev/null
cmake --build --preset default -j"$jobs"
ctest --preset default -j"$jobs" --timeout 1200
# A bounded fuzzing run of every input reader (about 3 minutes; skips without clang's libFuzzer).
IQNAS_JOBS=$jobs bash scripts/fuzz.sh 25

if [[ "${1:-}" != "--no-sanitizers" ]]; then
  cmake --preset asan >/dev/null
  cmake --build --preset asan -j"$jobs"
  ctest --preset asan -j"$jobs" --timeout 1800
fi
