#!/usr/bin/env bash
# Soak mode over a long, busy run (docs/SOAK.md, "Measured"). Not part of CI: it takes
# MINUTES (default 30) of wall time, at nice 19.
#
#   bench/soak_long.sh BUILD_DIR [OUT_DIR]
#
# Runs examples/soak/soak_service (one slowly growing cache, noisy bounded caches, CHURN
# short-lived allocations per millisecond) under `memtrace run --soak=INTERVAL` for MINUTES,
# then records the capture size, the events the shim folded into snapshots, the snapshot
# count and the `memtrace growth` output into OUT_DIR/result.txt. For scale it also records
# FULL_SECONDS (default 20) of the same workload as a full capture and prints its bytes per
# event, i.e. what a full capture of the long run would have taken.
set -euo pipefail

BUILD=${1:?usage: bench/soak_long.sh BUILD_DIR [OUT_DIR]}
OUT=${2:-/tmp/memtrace-soak-long}
MINUTES=${MINUTES:-30}
CHURN=${CHURN:-50}
INTERVAL=${INTERVAL:-10s}
FULL_SECONDS=${FULL_SECONDS:-20}
MEMTRACE="$BUILD/cli/memtrace"
SERVICE="$BUILD/examples/soak_service"

mkdir -p "$OUT"
result="$OUT/result.txt"
: > "$result"
say() { echo "$*" | tee -a "$result"; }

ms=$((MINUTES * 60 * 1000))
say "command: nice -n 19 $MEMTRACE run --force --soak=$INTERVAL -o $OUT/soak.mtrace -- $SERVICE $ms $CHURN 0 timed"
say "started: $(date -u +%FT%TZ)"
start=$(date +%s)
nice -n 19 "$MEMTRACE" run --force --soak="$INTERVAL" -o "$OUT/soak.mtrace" -- "$SERVICE" "$ms" "$CHURN" 0 timed \
    > "$OUT/service.out" 2> "$OUT/run.err"
end=$(date +%s)
say "finished: $(date -u +%FT%TZ) ($((end - start)) s wall)"
cat "$OUT/service.out" | tee -a "$result"

events_of() { "$MEMTRACE" dump "$1" | sed -n 's/.* end reason=[0-9]* written=\([0-9]*\).*/\1/p' | tail -1; }
soak_bytes=$(stat -c %s "$OUT/soak.mtrace")
soak_events=$(events_of "$OUT/soak.mtrace")
snapshots=$("$MEMTRACE" dump --stats "$OUT/soak.mtrace" | awk '$1 == "Snapshot" { print $2 }')
say "soak capture: $soak_bytes bytes, $soak_events events aggregated, $snapshots Snapshot records"
say ""
say "memtrace summary:"
"$MEMTRACE" summary "$OUT/soak.mtrace" 2>&1 | head -12 | tee -a "$result"
say ""
say "memtrace growth --skip 1m --top 3:"
"$MEMTRACE" growth --skip 1m --top 3 "$OUT/soak.mtrace" 2>&1 | tee -a "$result"

# The same workload as a full capture, for the bytes per event a full capture costs.
full_ms=$((FULL_SECONDS * 1000))
nice -n 19 "$MEMTRACE" run --force -o "$OUT/full.mtrace" -- "$SERVICE" "$full_ms" "$CHURN" 0 timed > /dev/null 2>&1
full_bytes=$(stat -c %s "$OUT/full.mtrace")
full_events=$(events_of "$OUT/full.mtrace")
say ""
say "full capture of ${FULL_SECONDS} s of the same workload: $full_bytes bytes, $full_events events"
if [ -n "$full_events" ] && [ "$full_events" -gt 0 ] && [ -n "$soak_events" ]; then
    estimate=$(awk -v b="$full_bytes" -v e="$full_events" -v n="$soak_events" 'BEGIN { printf "%.0f", b / e * n }')
    say "a full capture of the soak run would take about $estimate bytes ($soak_events events x $((full_bytes / (full_events > 0 ? full_events : 1))) B/event approx.)"
fi
rm -f "$OUT/full.mtrace"
