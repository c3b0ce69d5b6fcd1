#!/usr/bin/env bash
# Fuzzes every reader of outside input (docs/reliability.md). Each target of tests/fuzz is one
# reader: its harness and the reader's own sources are compiled by clang with libFuzzer's coverage
# and AddressSanitizer + UndefinedBehaviorSanitizer, and linked against the libraries of an
# ordinary (GCC) build for everything else, so no second build of the project is needed. Each
# target runs for SECONDS (default 25) from its seed corpus tests/fuzz/corpus/<target>; inputs that
# reach new code are kept in BUILD/fuzz/corpus/<target> (later runs continue from them); a crashing
# or hanging input is written to BUILD/fuzz/findings/<target>/ and the script fails. Without
# clang's libFuzzer it says so and exits 0.
# Usage: scripts/fuzz.sh [SECONDS] [TARGET...]   (targets: problem space arch run_config
#        latency_table checkpoint image; default all). IQNAS_BUILD: the build folder (default
#        build/default, configured with its preset when absent).
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-25}
shift || true
targets=("$@")
[[ ${#targets[@]} -gt 0 ]] || targets=(problem space arch run_config latency_table checkpoint image)
build=${IQNAS_BUILD:-build/default}

probe=$(mktemp -d)
trap 'rm -rf "$probe"' EXIT
echo 'extern "C" int LLVMFuzzerTestOneInput(const unsigned char*, unsigned long) { return 0; }' > "$probe/p.cpp"
if ! command -v clang++ >/dev/null || ! clang++ -fsanitize=fuzzer "$probe/p.cpp" -o "$probe/p" 2>/dev/null; then
  echo "SKIP: fuzzing needs clang++ with libFuzzer (Debian: apt-get install clang)"
  exit 0
fi

# The reader sources each target instruments (the rest comes from the libraries).
declare -A sources=(
  [problem]="solver/problem_io.cpp solver/problem.cpp"
  [space]="supernet/space.cpp supernet/arch.cpp"
  [arch]="supernet/arch.cpp supernet/space.cpp"
  [run_config]="supernet/run_config.cpp util/json_reader.cpp"
  [latency_table]="predictor/latency_table.cpp util/number.cpp"
  [checkpoint]="nn/checkpoint.cpp"
  [image]="nn/data/image_codec.cpp"
)
[[ -f $build/CMakeCache.txt ]] || cmake --preset "$(basename "$build")" >/dev/null
cmake --build "$build" -j"${IQNAS_JOBS:-2}" --target iqnas_predictor iqnas_data
libs=(predictor/libiqnas_predictor.a solver/libiqnas_solver.a supernet/libiqnas_supernet.a nn/train/libiqnas_train.a
      dist/libiqnas_dist.a nn/data/libiqnas_data.a nn/libiqnas_nn.a kernels/libiqnas_kernels.a util/libiqnas_util.a)
# The MPI libraries, when the build found MPI (libiqnas_dist calls them; docs/distributed.md).
mpi=()
for v in MPI_mpi_cxx_LIBRARY MPI_mpi_LIBRARY; do
  f=$(sed -n "s/^$v:FILEPATH=//p" "$build/CMakeCache.txt")
  [[ -f $f ]] && mpi+=("$f")
done
mkdir -p "$build/fuzz"
flags=(-std=c++17 -O1 -g -fno-omit-frame-pointer -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined
       -I. -I"$build/supernet" -isystem /usr/include/eigen3)
for t in "${targets[@]}"; do
  [[ -n ${sources[$t]:-} ]] || { echo "unknown fuzz target '$t'"; exit 2; }
  exe=$build/fuzz/fuzz_$t
  # shellcheck disable=SC2086
  if [[ ! -x $exe || -n $(find tests/fuzz/fuzz_$t.cpp tests/fuzz/fuzz_util.h ${sources[$t]} "${libs[@]/#/$build/}" -newer "$exe") ]]; then
    echo "building $exe"
    clang++ "${flags[@]}" tests/fuzz/fuzz_$t.cpp ${sources[$t]} "${libs[@]/#/$build/}" \
      "${mpi[@]}" -ljpeg -lpng -lz "$(g++ -print-file-name=libgomp.so)" -lpthread -ldl -o "$exe"
  fi
done

status=0
printf '%-14s %10s %8s %8s %8s  %s\n' target inputs seconds corpus findings result
for t in "${targets[@]}"; do
  corpus=$build/fuzz/corpus/$t findings=$build/fuzz/findings/$t log=$build/fuzz/$t.log
  mkdir -p "$corpus" "$findings"
  # Only the readers are instrumented, so ASan's container-overflow check (which needs every user
  # of a container instrumented) is off; leaks are not findings here.
  if ASAN_OPTIONS=detect_leaks=0:detect_container_overflow=0:allocator_may_return_null=1 \
     UBSAN_OPTIONS=print_stacktrace=1 "$build/fuzz/fuzz_$t" "$corpus" "tests/fuzz/corpus/$t" -max_total_time="$secs" \
     -timeout=10 -rss_limit_mb=4096 -max_len=65536 -artifact_prefix="$findings/" -print_final_stats=1 > "$log" 2>&1; then
    result=ok
  else
    result="FINDING (see $log and $findings/)"
    status=1
  fi
  runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo '?')
  took=$(grep -o 'Done [0-9]* runs in [0-9]* second' "$log" | grep -o 'in [0-9]*' | grep -o '[0-9]*' || echo "$secs")
  printf '%-14s %10s %8s %8s %8s  %s\n' "$t" "$runs" "$took" "$(ls "$corpus" | wc -l)" "$(ls "$findings" | wc -l)" "$result"
done
exit $status
