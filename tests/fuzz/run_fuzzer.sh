#!/usr/bin/env bash
# Runs the capture fuzzer for SECONDS on a working copy of the seeds and prints its figures.
# usage: run_fuzzer.sh FUZZER WORKDIR SECONDS SEEDS REGRESSIONS [extra libFuzzer flags...]
# New corpus entries go to WORKDIR/corpus (never into the source tree); a crash leaves its
# input in WORKDIR/crash-* and fails: copy it to REGRESSIONS once fixed (replayed by fuzz.replay*).
# -malloc_limit_mb: one allocation above 256 MiB counts as a crash: the reader must check every
# size in the file against the format's limits and the bytes left (memray #1005).
set -euo pipefail
fuzzer=$1 work=$2 seconds=$3 seeds=$4 regressions=$5
shift 5
mkdir -p "$work/corpus"
log=$work/fuzz.log
status=0
"$fuzzer" "$work/corpus" "$seeds" "$regressions" \
    -max_total_time="$seconds" -malloc_limit_mb=256 -rss_limit_mb=2048 -timeout=20 \
    -max_len=65536 -print_final_stats=1 -artifact_prefix="$work/" "$@" >"$log" 2>&1 || status=$?
grep -E '^(stat::|#[0-9]+ +DONE)|cov:' "$log" | tail -8
if [ "$status" -ne 0 ]; then
    echo "run_fuzzer: the fuzzer failed (status $status); input in $work/crash-* (or leak-*, oom-*, timeout-*):"
    tail -40 "$log"
    exit 1
fi
