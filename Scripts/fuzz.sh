#!/usr/bin/env bash
# Runs the libFuzzer targets (built by `make fuzz-build`) for SECONDS each and prints, per
# target, the executions, the corpus size and the crashes found; exit 1 when any target found
# a crash (the input is in .build-fuzz/fuzz/crashes/<target>/: fix the bug, then add the input to
# Fuzz/regressions/<target>/ so FuzzingTests replays it).
#
#   Scripts/fuzz.sh SECONDS [TARGET ...]     (targets: onnx workload npy baseline body)
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:?usage: Scripts/fuzz.sh SECONDS [TARGET ...]}
shift
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(onnx workload npy baseline body)
bin=.build-fuzz/release/deploy-advisor-fuzz
[ -x "$bin" ] || { echo "fuzz.sh: $bin is not built (make fuzz-build)" >&2; exit 2; }

# Not under .build-fuzz/artifacts: SwiftPM owns that directory and empties it when it builds.
work=.build-fuzz/fuzz
mkdir -p "$work"
summary=$work/summary.txt
printf '%-9s %12s %8s %8s %7s\n' target executions exec/s corpus crashes | tee "$summary"
failed=0
for t in "${targets[@]}"; do
  corpus=$work/corpus/$t
  artifacts=$work/crashes/$t
  mkdir -p "$corpus" "$artifacts"
  # Seeds (Fuzz/seeds.txt) and the regressions, copied into the working corpus.
  while read -r target pattern; do
    [ "$target" = "$t" ] || continue
    for f in $pattern; do [ -f "$f" ] && cp "$f" "$corpus/seed-$(basename "$f")"; done
  done < <(grep -v '^#' Fuzz/seeds.txt)
  for f in Fuzz/regressions/$t/*; do [ -f "$f" ] && cp "$f" "$corpus/"; done
  case $t in onnx) max_len=16384 ;; *) max_len=4096 ;; esac
  log=$work/$t.log
  status=0
  # Crashes of this run only (earlier ones stay in the directory until dealt with).
  marker=$work/$t.started
  touch "$marker"
  # One thread for OpenBLAS (the fuzzer is one process); Swift's backtracer off (libFuzzer
  # and AddressSanitizer report the crash); LeakSanitizer off: the Swift runtime's caches
  # of metadata are reported as leaks at exit.
  env SWIFT_BACKTRACE=enable=no OPENBLAS_NUM_THREADS=1 ASAN_OPTIONS=detect_leaks=0 \
    DEPLOY_ADVISOR_FUZZ_TARGET="$t" "$bin" "$corpus" -max_total_time="$seconds" -timeout=10 \
    -rss_limit_mb=2048 -max_len=$max_len -artifact_prefix="$artifacts/" -print_final_stats=1 \
    > "$log" 2>&1 || status=$?
  execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo 0)
  rate=$(grep -o 'stat::average_exec_per_sec: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo 0)
  crashes=$(find "$artifacts" -type f -newer "$marker" 2>/dev/null | wc -l)
  printf '%-9s %12s %8s %8s %7s\n' "$t" "${execs:-0}" "${rate:-0}" "$(ls "$corpus" | wc -l)" "$crashes" | tee -a "$summary"
  if [ "$status" -ne 0 ] || [ "$crashes" -ne 0 ]; then
    failed=1
    echo "fuzz.sh: $t: exit $status, see $log and $artifacts/" >&2
    grep -E 'ERROR|Fatal error|Deadly signal|SUMMARY|==[0-9]+==' "$log" | head -5 >&2 || true
  fi
done
exit $failed
