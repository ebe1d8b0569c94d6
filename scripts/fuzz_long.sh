#!/usr/bin/env bash
# The long fuzzing run of the capture reader (not part of CI, which runs 25 s per target in sanitize.sh).
# Builds the ASan+UBSan libFuzzer targets (scripts/sanitize.sh asan-build), then fuzzes each
# (file-level, then chunk payload) for SECONDS (default 1800) at nice 19, on a persistent
# corpus in $MEMTRACE_ASAN_BUILD/fuzz-long-<target>.
# Prints the figures docs/RELIABILITY.md records: executions, coverage, corpus, crashes.
# usage: scripts/fuzz_long.sh [SECONDS] [extra libFuzzer flags, e.g. -jobs=2 -workers=2]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-1800}
shift || true
asan_dir=${MEMTRACE_ASAN_BUILD:-build/asan}
scripts/sanitize.sh asan-build
fuzz=tests/fuzz
for target in capture payload; do
    suffix=$([ $target = payload ] && echo -payload || true)
    work=$asan_dir/fuzz-long-$target
    start=$(date +%s)
    echo "fuzz_long: $target target, $seconds s"
    nice -n 19 $fuzz/run_fuzzer.sh "$asan_dir/tests/fuzz/memtrace_${target}_fuzzer" "$work" "$seconds" \
        "$fuzz/corpus$suffix" "$fuzz/regressions$suffix" "$@"
    echo "fuzz_long: $target: $(( $(date +%s) - start )) s, corpus $(ls "$work/corpus" | wc -l) inputs" \
         "($(du -sk "$work/corpus" | cut -f1) KiB), log $work/fuzz.log"
done
