#!/usr/bin/env bash
# iqnas links no CUDA library, and with the CUDA module absent the program and CPU test suites run.
#   no_cuda_link.sh IQNAS PROBLEM.json CPU_TEST_BINARY...
set -uo pipefail
iqnas="$1" problem="$2"
shift 2
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

cuda_libs='libcuda\.|libcudart|libcublas|libcublasLt|libnvrtc|libcudnn'
needed="$(readelf -d "$iqnas" | grep NEEDED)"
grep -Eq "$cuda_libs" <<<"$needed" && fail "iqnas needs a CUDA library: $needed"
deps="$(ldd "$iqnas" 2>&1)" || fail "ldd $iqnas: $deps"
grep -Eq "$cuda_libs" <<<"$deps" && fail "ldd iqnas lists a CUDA library: $deps"

export IQNAS_CUDA_MODULE=/nonexistent/libiqnas_cuda.so
"$iqnas" --help >/dev/null || fail "iqnas --help without the module"
"$iqnas" solve --problem "$problem" --out "$work/r.json" >/dev/null || fail "iqnas solve without the module"
grep -q '"status": *"optimal"' "$work/r.json" || fail "iqnas solve: no optimal result: $(head -c 300 "$work/r.json")"
for t in "$@"; do
  "$t" --gtest_brief=1 >"$work/out" 2>&1 || fail "$(basename "$t") without the module: $(tail -n 20 "$work/out")"
done
[[ $fails == 0 ]] && echo "PASS: no CUDA library linked; CPU paths run without the module" || exit 1
