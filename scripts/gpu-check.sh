#!/usr/bin/env bash
# One-shot check of the CUDA backend on a GPU machine (issue 3): device info, the gpu-labelled
# tests, the GPU benchmarks, their PyTorch reference and the ratios, a short GPU training run when
# the CLI has one. Writes RESULTS_DIR/summary.json and RESULTS_DIR/summary.md plus one log per step.
# Every step has its own timeout; failures are recorded and the script goes on; the whole run stays
# under IQNAS_GPU_CHECK_BUDGET seconds (default 300).
#
# The GPU machine has no package registry and no compiler toolchain for this project's
# dependencies, so the project is built elsewhere and the build folder carried over:
#   here:  cmake --preset cuda && cmake --build build/cuda -j2 --target test_cuda test_nn_train_gpu bench_cuda
#          scripts/gpu-check.sh --prepare      # bundles the non-system libraries into build/cuda/gpu-libs
#   there: scripts/gpu-check.sh RESULTS_DIR    # from the repository root
# Environment: IQNAS_BUILD (default build/cuda), IQNAS_GPU_CHECK_BUDGET (seconds), PYTHON (python3).
# A GPU check must not pass by skipping: IQNAS_REQUIRE_GPU=1 turns every skipped GPU test and an
# empty benchmark into a failure that names the CUDA error, and the summary fails a test step that
# skipped anything. TF32 stays off (the tests' tolerances are fp32's).
set -u
export IQNAS_REQUIRE_GPU=1
unset IQNAS_CUDA_TF32
BUILD=${IQNAS_BUILD:-build/cuda}
PY=${PYTHON:-python3}

BINS=("$BUILD/tests/cuda/test_cuda" "$BUILD/tests/nn_train/test_nn_train_gpu" "$BUILD/bench/cuda/bench_cuda")

if [ "${1:-}" = "--prepare" ]; then
  mkdir -p "$BUILD/gpu-libs"
  for bin in "${BINS[@]}"; do
    [ -x "$bin" ] || { echo "gpu-check --prepare: $bin not built" >&2; continue; }
    # Every library a stock Ubuntu + CUDA image may lack (Debian sonames such as libbenchmark's,
    # the OpenMP runtime): all that ldd resolves except glibc, the C++ runtime and CUDA's own.
    ldd "$bin" | awk '$3 ~ /^\// && $1 !~ /^(libc\.so|libm\.so|libmvec|libstdc\+\+|libgcc_s|libcuda|libcublas|ld-linux|libdl\.so|libpthread|librt\.so)/ {print $3}' |
      while read -r lib; do cp -L "$lib" "$BUILD/gpu-libs/"; done
  done
  ls -l "$BUILD/gpu-libs"
  du -sh "$BUILD"
  exit 0
fi

if [ $# -ne 1 ]; then
  echo "usage: scripts/gpu-check.sh RESULTS_DIR   (or --prepare, on the build machine)" >&2
  exit 2
fi
mkdir -p "$1" || exit 2
RES=$(cd "$1" && pwd)
ROOT=$(pwd)
BUDGET=${IQNAS_GPU_CHECK_BUDGET:-300}
START=$(date +%s)
STEPS="$RES/steps.tsv"
: > "$STEPS"

# Shared libraries: bundled ones first, then cuBLAS from the CUDA toolkit or from PyTorch's wheels.
LIBS="$ROOT/$BUILD/gpu-libs"
for d in /usr/local/cuda/lib64 /usr/local/cuda/lib /usr/local/cuda/targets/x86_64-linux/lib; do [ -d "$d" ] && LIBS="$LIBS:$d"; done
PYLIBS=$($PY - 2>/dev/null <<'PYEOF'
import glob, os, site
dirs = []
for base in site.getsitepackages():
    dirs += glob.glob(os.path.join(base, "nvidia", "*", "lib")) + glob.glob(os.path.join(base, "nvidia", "cu13", "lib"))
    dirs += glob.glob(os.path.join(base, "torch", "lib"))
print(":".join(d for d in dirs if os.path.isdir(d)))
PYEOF
)
[ -n "$PYLIBS" ] && LIBS="$LIBS:$PYLIBS"
# Only our programs get this path (PyTorch keeps its own libraries).
OURS=(env "LD_LIBRARY_PATH=$LIBS${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}")

# run_step NAME TIMEOUT_S NOTE CMD...: runs CMD with a timeout (capped by what is left of the
# budget), output in RES/NAME.log; records name, status, exit code, seconds and note.
run_step() {
  local name=$1 limit=$2 note=$3
  shift 3
  local left=$((BUDGET - ($(date +%s) - START) - 10))
  [ "$limit" -gt "$left" ] && limit=$left
  if [ "$limit" -lt 5 ]; then
    printf '%s\tskipped\t-\t0\tno time left in the %ss budget\n' "$name" "$BUDGET" >> "$STEPS"
    echo "== $name: skipped (budget)"
    return 0
  fi
  echo "== $name (timeout ${limit}s)"
  local t0=$(date +%s) rc status
  timeout -k 5 "$limit" "$@" > "$RES/$name.log" 2>&1
  rc=$?
  case $rc in
    0) status=ok ;;
    124 | 137) status=timeout ;;
    *) status=failed ;;
  esac
  printf '%s\t%s\t%s\t%s\t%s\n' "$name" "$status" "$rc" "$(($(date +%s) - t0))" "$note" >> "$STEPS"
  tail -n 5 "$RES/$name.log"
  return 0
}
skip_step() { printf '%s\tskipped\t-\t0\t%s\n' "$1" "$2" >> "$STEPS"; echo "== $1: skipped ($2)"; }

# First what costs nothing and explains a failure to start: the device, and what each program loads.
run_step nvidia-smi 15 "device, driver, memory" nvidia-smi
chmod +x "${BINS[@]}" 2> /dev/null
run_step ldd 5 "shared libraries of each program, in ldd.log" \
  "${OURS[@]}" bash -c 'rc=0; for b in "$@"; do echo "== $b"; ldd "$b" || rc=1; ldd "$b" | grep -q "not found" && rc=1; done; exit $rc' ldd "${BINS[@]}"

# gpu-labelled tests: through ctest when the build folder sits at the path it was configured at,
# else the test programs directly (ctest's files hold absolute paths).
CONF_ROOT=$(sed -n 's/^CMAKE_HOME_DIRECTORY:INTERNAL=//p' "$BUILD/CMakeCache.txt" 2>/dev/null)
if [ "$CONF_ROOT" = "$ROOT" ] && command -v ctest > /dev/null; then
  run_step gpu-tests 90 "ctest -L gpu, junit in gpu-tests.xml" \
    "${OURS[@]}" CUDA_LAUNCH_BLOCKING=1 ctest --test-dir "$BUILD" -L gpu -j 8 --output-on-failure --timeout 60 --output-junit "$RES/gpu-tests.xml"
else
  run_step gpu-tests 90 "test programs run directly (build configured at '$CONF_ROOT', here '$ROOT'); xml per program" \
    "${OURS[@]}" CUDA_LAUNCH_BLOCKING=1 bash -c "rc=0; for t in tests/cuda/test_cuda tests/nn_train/test_nn_train_gpu; do
               [ -x '$BUILD/'\$t ] || { echo missing \$t; rc=1; continue; }
               '$BUILD/'\$t --gtest_output=xml:'$RES/'\$(basename \$t).xml || rc=1; done; exit \$rc"
fi

# The two benchmark groups run as separate programs with their own JSON, so that a crash or a
# timeout in one keeps the other's results; bench_cuda.json merges what parsed.
run_step bench-depthwise 40 "bench_cuda depthwise group, JSON in bench_depthwise.json" \
  "${OURS[@]}" "$BUILD/bench/cuda/bench_cuda" --benchmark_filter=BM_Depthwise \
  --benchmark_out="$RES/bench_depthwise.json" --benchmark_out_format=json
run_step bench-train-step 40 "bench_cuda training-step group, JSON in bench_train_step.json" \
  "${OURS[@]}" "$BUILD/bench/cuda/bench_cuda" --benchmark_filter=BM_TrainStep \
  --benchmark_out="$RES/bench_train_step.json" --benchmark_out_format=json
$PY - "$RES" <<'PYEOF'
import json, os, sys
res, merged, context = sys.argv[1], [], None
for part in ("bench_depthwise.json", "bench_train_step.json"):
    try:
        d = json.load(open(os.path.join(res, part)))
    except Exception as e:
        print(f"gpu-check: {part} unusable ({e})")
        continue
    context = context or d.get("context")
    merged += d.get("benchmarks", [])
if merged:
    json.dump({"context": context, "benchmarks": merged}, open(os.path.join(res, "bench_cuda.json"), "w"), indent=1)
PYEOF

run_step torch-reference 90 "PyTorch twin, JSON in torch_cuda.json" \
  env PYTHONUNBUFFERED=1 $PY bench/reference/torch_cuda.py --out "$RES/torch_cuda.json"

if [ -s "$RES/bench_cuda.json" ] && [ -s "$RES/torch_cuda.json" ]; then
  run_step compare 15 "ratios in comparison.md / comparison.json" \
    $PY bench/reference/torch_cuda.py --compare "$RES/bench_cuda.json" --torch "$RES/torch_cuda.json" \
    --md "$RES/comparison.md" --json "$RES/comparison.json"
else
  skip_step compare "bench_cuda.json or torch_cuda.json missing"
fi

IQNAS="$BUILD/experiments/iqnas"
if [ -x "$IQNAS" ] && "${OURS[@]}" "$IQNAS" train --help 2>/dev/null | grep -q -- "--device"; then
  run_step train-gpu 45 "short GPU training run" \
    "${OURS[@]}" "$IQNAS" train --device cuda --epochs 1 --train-images 2048 --out "$RES/train-run"
else
  skip_step train-gpu "iqnas train has no --device option yet (or iqnas not built)"
fi

# Summary: JSON and markdown.
$PY - "$RES" "$BUDGET" "$(($(date +%s) - START))" <<'PYEOF'
import glob, json, os, sys
import xml.etree.ElementTree as ET
res, budget, total = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
steps = []
for line in open(os.path.join(res, "steps.tsv")):
    name, status, rc, sec, note = (line.rstrip("\n").split("\t") + [""] * 5)[:5]
    steps.append({"step": name, "status": status, "exit_code": rc, "seconds": int(sec or 0), "note": note})
tests = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0, "failed": []}
for x in glob.glob(os.path.join(res, "*.xml")):
    try:
        root = ET.parse(x).getroot()
    except ET.ParseError:
        continue
    for case in root.iter("testcase"):
        tests["tests"] += 1
        if case.find("failure") is not None:
            tests["failures"] += 1
            tests["failed"].append(case.get("classname", "") + "." + case.get("name", ""))
        elif case.find("error") is not None:
            tests["errors"] += 1
            tests["failed"].append(case.get("classname", "") + "." + case.get("name", ""))
        elif case.find("skipped") is not None or case.get("status") in ("notrun", "skipped"):
            tests["skipped"] += 1
# A skipped GPU test on the GPU machine is lost coverage: the test step fails.
for s in steps:
    if s["step"] == "gpu-tests" and tests["skipped"] > 0:
        s["status"] = "failed"
        s["note"] += f"; {tests['skipped']} tests skipped"
    if s["step"] == "gpu-tests" and tests["tests"] == 0:
        s["status"] = "failed"
        s["note"] += "; no test results found"
device = ""
try:
    device = json.load(open(os.path.join(res, "torch_cuda.json"))).get("device", "")
except Exception:
    pass
summary = {"device": device, "seconds": total, "budget_seconds": budget, "steps": steps, "tests": tests,
           "files": sorted(os.path.basename(f) for f in glob.glob(os.path.join(res, "*")))}
json.dump(summary, open(os.path.join(res, "summary.json"), "w"), indent=1)
md = ["# gpu-check", "", f"Device: {device or 'see nvidia-smi.log'}; {total} s of a {budget} s budget.", "",
      "| step | status | exit | seconds | note |", "|---|---|---|---|---|"]
md += [f"| {s['step']} | {s['status']} | {s['exit_code']} | {s['seconds']} | {s['note']} |" for s in steps]
md += ["", f"Tests: {tests['tests']} run, {tests['failures']} failed, {tests['errors']} errors, {tests['skipped']} skipped."]
md += [f"- FAILED {n}" for n in tests["failed"]]
cmp = os.path.join(res, "comparison.md")
if os.path.exists(cmp):
    md += ["", "## Ours vs PyTorch", "", open(cmp).read()]
open(os.path.join(res, "summary.md"), "w").write("\n".join(md) + "\n")
print("\n".join(md))
PYEOF
echo "gpu-check: results in $RES (summary.md, summary.json)"
