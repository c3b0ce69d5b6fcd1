#!/usr/bin/env bash
# Fuzzes every reader of outside input (docs/reliability.md): builds the libFuzzer targets of
# tests/fuzz with clang, AddressSanitizer and UndefinedBehaviorSanitizer (the `fuzz` preset), then
# runs each for SECONDS (default 25) from its seed corpus tests/fuzz/corpus/<target>. Inputs that
# reach new code are kept in build/fuzz/corpus/<target> (so later runs continue from them); a
# crashing or hanging input is written to build/fuzz/findings/<target>/ and the script fails.
# Without clang's libFuzzer it says so and exits 0.
# Usage: scripts/fuzz.sh [SECONDS] [TARGET...]   (targets: problem space arch run_config
#        latency_table checkpoint image; default all)
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-25}
shift || true
targets=("$@")
[[ ${#targets[@]} -gt 0 ]] || targets=(problem space arch run_config latency_table checkpoint image)

probe=$(mktemp -d)
trap 'rm -rf "$probe"' EXIT
echo 'extern "C" int LLVMFuzzerTestOneInput(const unsigned char*, unsigned long) { return 0; }' > "$probe/p.cpp"
if ! command -v clang++ >/dev/null || ! clang++ -fsanitize=fuzzer "$probe/p.cpp" -o "$probe/p" 2>/dev/null; then
  echo "SKIP: fuzzing needs clang++ with libFuzzer (Debian: apt-get install clang)"
  exit 0
fi

jobs=$(( $(nproc) < 2 ? 1 : 2 ))
cmake --preset fuzz >/dev/null
cmake --build --preset fuzz -j"${IQNAS_JOBS:-$jobs}" --target "${targets[@]/#/fuzz_}"

status=0
printf '%-14s %10s %8s %8s %8s  %s\n' target inputs seconds corpus findings result
for t in "${targets[@]}"; do
  corpus=build/fuzz/corpus/$t findings=build/fuzz/findings/$t
  mkdir -p "$corpus" "$findings"
  log=build/fuzz/$t.log
  # detect_leaks=0: a refused input may leave a parser's static state behind; leaks are not a finding here.
  if ASAN_OPTIONS=detect_leaks=0:allocator_may_return_null=1 UBSAN_OPTIONS=print_stacktrace=1 \
     "build/fuzz/tests/fuzz/fuzz_$t" "$corpus" "tests/fuzz/corpus/$t" -max_total_time="$secs" -timeout=10 \
     -rss_limit_mb=4096 -max_len=65536 -artifact_prefix="$findings/" -print_final_stats=1 > "$log" 2>&1; then
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
