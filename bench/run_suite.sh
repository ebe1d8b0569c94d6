#!/usr/bin/env bash
# The benchmark suite of issue 6 (docs/PERFORMANCE.md): every workload and scaling mode,
# each through bench/run_bench.sh (untracked, memtrace, memtrace --unwind fp and heaptrack
# alternating, N repetitions). Prints Markdown ready for docs/PERFORMANCE.md; progress on stderr.
#
#   bench/run_suite.sh [-b BUILD_DIR] [-n REPETITIONS] [-x SCALE] [-m RUNS] [-r "MEMTRACE RUN OPTIONS"] MODE...
#
# MODE (several may be given, in any order):
#   workloads  alloc_bench 2 threads with the mixed (the target benchmark), small and large size
#              mixes; cpu_bench (fixed cost: much CPU, 1000 allocations); sqlite3 running
#              bench/sqlite_workload.sh's SQL (100000 orders); redis-server loaded by
#              redis-benchmark on loopback port 6399 (bench/redis_workload.sh, 10000 requests
#              per command), if installed
#   threads    alloc_bench with 1, 2, 4 and 8 threads (1 M iterations each): ratios side by side
#   paths      alloc_bench with 16, 4096 and 100000 distinct call paths: the program's VmHWM
#              with and without the trackers (heaptrack 1.4.0 fails or hangs with many paths)
#   long       a 20 M-event capture (alloc_bench 2 threads × 5 M iterations, recorded once with
#              --unwind fp): `memtrace summary` peak RSS and events/s, N times
#   long200    the same plus a 200 M-event capture (2 × 50 M): minutes, ~1 GB of disk
#   commands   every analysis command (summary, leaks, report, folded, exports, diff, growth) on
#              captures of alloc_bench with 16 and with 100000 distinct paths: wall time and
#              max RSS, N times (a capture with many deep stacks is where reports get costly)
#   all        workloads threads paths long
#
# -m RUNS picks the tracked runs (default "memtrace fp heaptrack", see run_bench.sh -m);
# -x SCALE multiplies every size (iterations, CPU work, SQL rows), e.g. -x 0.01 to try the
# script in seconds. Defaults: build/, 5 repetitions, scale 1. Captures go to $TMPDIR.
# Exit status 1 if a memtrace run failed anywhere (the suite still runs to the end).
set -uo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"
# shellcheck source=bench/lib.sh
. "$here/lib.sh"

usage() { awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; }
build="$root/build"
reps=5
scale=1
run_options=""
runs=""
modes=()
while [ $# -gt 0 ]; do
  case "$1" in
    -b) build="$(cd "$2" && pwd)" || exit 2; shift 2 ;;
    -n) reps="$2"; shift 2 ;;
    -x) scale="$2"; shift 2 ;;
    -r) run_options="$2"; shift 2 ;;
    -m) runs="$2"; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    all) modes+=(workloads threads paths long); shift ;;
    workloads|threads|paths|long|long200|commands) modes+=("$1"); shift ;;
    *) echo "run_suite.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done
[ ${#modes[@]} -gt 0 ] || { usage; exit 2; }
bench="$build/bench"
memtrace="$build/cli/memtrace"
for f in "$memtrace" "$bench/alloc_bench" "$bench/cpu_bench" "$bench/libbench_vmhwm.so"; do
  [ -e "$f" ] || { echo "run_suite.sh: $f not found; build first (cmake --build $build)" >&2; exit 2; }
done

work="$(mktemp -d "${TMPDIR:-/tmp}/memtrace-suite.XXXXXX")"
trap 'rm -rf "$work"' EXIT
tsv="$work/results.tsv"
status=0

scaled() { awk -v n="$1" -v x="$scale" 'BEGIN { v = int(n * x + 0.5); print (v < 1 ? 1 : v) }'; }

# bench ARGS...: bench/run_bench.sh with the suite's build, repetitions and TSV file.
bench() {
  "$here/run_bench.sh" -b "$build" -n "$reps" -r "$run_options" ${runs:+-m "$runs"} --tsv "$tsv" --rows "$@" || status=1
}

table_header() {
  echo "| workload | run | wall s | wall ratio | CPU s | CPU ratio | program VmHWM MiB | added MiB | capture MB | B/event | analysis s | events/s | analyzer RSS MiB |"
  echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|"
}

# tsv_cell LABEL RUN METRIC FORMAT [SCALE]: "median (min–max)" from run_bench.sh's TSV lines;
# "failed" when that run never succeeded (run_bench.sh's table row says why), "not run".
tsv_cell() {
  local line
  line=$(awk -F'\t' -v l="$1" -v r="$2" -v m="$3" -v d="${5:-1}" \
    '$1 == l && $2 == r && $3 == m { printf "%.15g %.15g %.15g\n", $4 / d, $5 / d, $6 / d }' "$tsv" | tail -n 1)
  has() { awk -F'\t' -v l="$1" -v r="$2" -v m="$3" '$1 == l && $2 == r && $3 == m { f = 1 } END { exit !f }' "$tsv"; }
  if [ -n "$line" ]; then fmt_range "$line" "$4"
  elif has "$1" "$2" wall; then echo "–"  # the run worked; this figure is undefined (e.g. untracked CPU time 0)
  elif has "$1" "$2" failed; then echo "failed"
  else echo "not run"; fi
}

notes_for_median() {
  echo
  echo "Medians of $reps repetitions, (min–max) in parentheses; ratios are tracked ÷ untracked in the same repetition."
}

workloads_mode() {
  local iterations; iterations=$(scaled 1000000)
  local orders; orders=$(scaled 100000)
  local requests; requests=$(scaled 10000)
  local redis_port=6399
  echo "### Workloads"
  echo
  echo "alloc_bench: 2 threads × $iterations iterations, 16 paths, 10–30 frames; cpu_bench: 1 thread, $(scaled 400) M steps, 1000 allocations;"
  echo "sqlite3 $(sqlite3 --version 2>/dev/null | cut -d' ' -f1): bench/sqlite_workload.sh $orders; redis-server $(redis-server --version 2>/dev/null | grep -oE 'v=[0-9.]+' | cut -c3-):"
  echo "bench/redis_workload.sh with $requests requests per command (its redis-benchmark client's CPU is in the CPU column)."
  echo "Debian's sqlite3 and redis-server have no frame pointers: --unwind fp stacks stop early there."
  echo
  table_header
  bench -l "alloc_bench mixed sizes" -- "$bench/alloc_bench" 2 "$iterations" 16 10 30 mixed
  bench -l "alloc_bench small sizes" -- "$bench/alloc_bench" 2 "$iterations" 16 10 30 small
  bench -l "alloc_bench large sizes" -- "$bench/alloc_bench" 2 "$iterations" 16 10 30 large
  bench -l "cpu_bench" -- "$bench/cpu_bench" 1 "$(scaled 400)" 1000
  if command -v sqlite3 >/dev/null; then
    "$here/sqlite_workload.sh" "$orders" >"$work/sqlite.sql"
    bench -l "sqlite3" -p "rm -f '$work/sqlite.db' '$work/sqlite.db-journal'" \
      -- sqlite3 "$work/sqlite.db" ".read $work/sqlite.sql"
  else
    echo "| sqlite3 | – | not installed (apt-get install sqlite3) | | | | | | | | | | |"
  fi
  if command -v redis-server >/dev/null && command -v redis-benchmark >/dev/null; then
    bench -l "redis-server" -c "$here/redis_workload.sh $redis_port $requests" \
      -- redis-server --port "$redis_port" --bind 127.0.0.1 --save "" --appendonly no --daemonize no --logfile ""
  else
    echo "| redis-server | – | not installed (apt-get install redis-server redis-tools) | | | | | | | | | | |"
  fi
  notes_for_median
  echo
}

threads_mode() {
  local iterations; iterations=$(scaled 1000000)
  echo "### Thread scaling: alloc_bench THREADS $iterations (per thread)"
  echo
  table_header
  local t
  for t in 1 2 4 8; do
    bench -l "threads=$t" -- "$bench/alloc_bench" "$t" "$iterations"
  done
  echo
  echo "The ratios side by side (they should not grow with the number of threads):"
  echo
  echo "| threads | untracked wall s | memtrace wall ratio | fp wall ratio | heaptrack wall ratio | memtrace CPU ratio | fp CPU ratio | heaptrack CPU ratio | memtrace added MiB |"
  echo "|---|---|---|---|---|---|---|---|---|"
  for t in 1 2 4 8; do
    local l="threads=$t"
    echo "| $t | $(tsv_cell "$l" untracked wall %.3f) | $(tsv_cell "$l" memtrace wall_ratio %.2f) | $(tsv_cell "$l" fp wall_ratio %.2f) | $(tsv_cell "$l" heaptrack wall_ratio %.2f) | $(tsv_cell "$l" memtrace cpu_ratio %.2f) | $(tsv_cell "$l" fp cpu_ratio %.2f) | $(tsv_cell "$l" heaptrack cpu_ratio %.2f) | $(tsv_cell "$l" memtrace vmhwm_added %+.1f) |"
  done
  notes_for_median
  echo
}

paths_mode() {
  local iterations; iterations=$(scaled 1000000)
  echo "### Distinct paths: alloc_bench 2 $iterations PATHS 10 30"
  echo
  table_header
  local p
  declare -A stacks=()
  for p in 16 4096 100000; do
    bench -l "paths=$p" -w "$work/paths" -- "$bench/alloc_bench" 2 "$iterations" "$p" 10 30
    # The proof that the paths are distinct stacks: count the Stack records of the last capture.
    local capture; capture=$(ls "$work/paths/memtrace.mtrace" "$work/paths/fp.mtrace" 2>/dev/null | head -n 1)
    stacks[$p]="–"
    [ -z "$capture" ] || stacks[$p]=$("$memtrace" dump "$capture" 2>/dev/null | grep -cE ' stack [0-9]+ depth=')
    rm -rf "$work/paths"
  done
  echo
  echo "The traced program's VmHWM in MiB and what each tracker added to it, side by side (it must stay bounded as the paths grow):"
  echo
  echo "| paths | distinct stacks in the capture | untracked VmHWM | memtrace VmHWM | added | fp VmHWM | added | heaptrack VmHWM | added | memtrace wall ratio | memtrace B/event |"
  echo "|---|---|---|---|---|---|---|---|---|---|---|"
  for p in 16 4096 100000; do
    local l="paths=$p"
    echo "| $p | ${stacks[$p]} | $(tsv_cell "$l" untracked vmhwm %.1f) | $(tsv_cell "$l" memtrace vmhwm %.1f) | $(tsv_cell "$l" memtrace vmhwm_added %+.1f) | $(tsv_cell "$l" fp vmhwm %.1f) | $(tsv_cell "$l" fp vmhwm_added %+.1f) | $(tsv_cell "$l" heaptrack vmhwm %.1f) | $(tsv_cell "$l" heaptrack vmhwm_added %+.1f) | $(tsv_cell "$l" memtrace wall_ratio %.2f) | $(tsv_cell "$l" memtrace bytes_per_event %.2f) |"
  done
  echo
  echo "Distinct stacks = Stack records in the last memtrace capture (\`memtrace dump\`), the C runtime's few included. With fewer"
  echo "than ~5 × PATHS iterations per thread some paths are never drawn; 1 M iterations × 2 threads draws all 100000."
  notes_for_median
  echo
}

# long_capture LABEL ITERATIONS: records alloc_bench 2 ITERATIONS once, then reads it with
# `memtrace summary --json` $reps times; prints one table row.
long_capture() {
  local label="$1" iterations="$2"
  local capture="$work/long.mtrace"
  echo "$label: recording alloc_bench 2 $iterations" >&2
  # shellcheck disable=SC2086
  timed "$work/long.record" "$memtrace" run --force -o "$capture" --unwind fp $run_options "$bench/alloc_bench" 2 "$iterations"
  if [ "$RC" -ne 0 ] || [ ! -s "$capture" ]; then
    echo "| $label | recording failed (status $RC): $(tail -n 1 "$work/long.record.err") | | | | | |"
    status=1; return
  fi
  local size; size=$(stat -c %s "$capture")
  local times="" rates="" rsses="" events="" rep
  for rep in $(seq 1 "$reps"); do
    echo "$label: summary $rep/$reps" >&2
    timed "$work/long.summary" "$memtrace" summary --json "$capture"
    if [ "$RC" -ne 0 ]; then
      echo "| $label | summary failed (status $RC): $(tail -n 1 "$work/long.summary.err") | | | | | |"
      status=1; rm -f "$capture"; return
    fi
    events=$(summary_events "$work/long.summary.out")
    times+=" $T"; rsses+=" $(awk -v r="$RSS" 'BEGIN { printf "%.2f", r / 1024 }')"
    rates+=" $(ratio "$events" "$T")"
  done
  rm -f "$capture"
  echo "| $label | $events | $(awk -v s="$size" 'BEGIN { printf "%.1f", s / 1e6 }') | $(awk -v s="$size" -v e="$events" 'BEGIN { printf "%.2f", s / e }') | $(fmt_range "$(stats "$times")" %.2f) | $(fmt_range "$(stats "$rates")" %.3g) | $(fmt_range "$(stats "$rsses")" %.1f) |"
}

long_mode() {
  echo "### Long captures: memtrace summary's memory does not grow with the capture"
  echo
  echo "alloc_bench 2 ITERATIONS recorded once with \`memtrace run --unwind fp\`, then \`memtrace summary --json\` $reps times."
  echo
  echo "| capture | events | capture MB | B/event | summary s | events/s | summary max RSS MiB |"
  echo "|---|---|---|---|---|---|---|"
  long_capture "20 M events" "$(scaled 5000000)"
  [ "$1" = 0 ] || long_capture "200 M events" "$(scaled 50000000)"
  echo
}

# time_command LABEL CMD...: runs CMD $reps times; prints "wall-range | rss-range" cells.
time_command() {
  local label="$1"; shift
  local times="" rsses="" rep
  for rep in $(seq 1 "$reps"); do
    echo "commands: $label $rep/$reps" >&2
    timed "$work/cmd" "$@"
    if [ "$RC" -ne 0 ]; then
      echo "failed (status $RC): $(tail -n 1 "$work/cmd.err") | –"
      status=1; return
    fi
    times+=" $T"; rsses+=" $(awk -v r="$RSS" 'BEGIN { printf "%.1f", r / 1024 }')"
  done
  echo "$(fmt_range "$(stats "$times")" %.2f) | $(fmt_range "$(stats "$rsses")" %.0f)"
}

commands_mode() {
  local iterations; iterations=$(scaled 1000000)
  local base_iterations; base_iterations=$(scaled 800000)
  echo "### Analysis commands: alloc_bench 2 $iterations PATHS 10 30"
  echo
  echo "Each capture recorded once with \`memtrace run --unwind fp\`; \`diff\` compares it with a capture of"
  echo "$base_iterations iterations per thread (the base). Wall seconds and max RSS MiB, median (min–max) of $reps runs."
  echo
  local p
  declare -A cells=()
  local names=(summary leaks report folded pprof speedscope massif diff growth)
  for p in 16 100000; do
    local head="$work/cmd-$p.mtrace" base="$work/cmd-$p-base.mtrace"
    # shellcheck disable=SC2086
    "$memtrace" run --force -o "$head" --unwind fp $run_options "$bench/alloc_bench" 2 "$iterations" "$p" 10 30 >/dev/null 2>&1 &&
      "$memtrace" run --force -o "$base" --unwind fp $run_options "$bench/alloc_bench" 2 "$base_iterations" "$p" 10 30 >/dev/null 2>&1
    if [ $? -ne 0 ]; then
      echo "| paths=$p: recording failed | |"; status=1; continue
    fi
    cells[$p:summary]=$(time_command "summary $p" "$memtrace" summary --json "$head")
    cells[$p:leaks]=$(time_command "leaks $p" "$memtrace" leaks "$head")
    cells[$p:report]=$(time_command "report $p" "$memtrace" report -o "$work/cmd.html" "$head")
    cells[$p:folded]=$(time_command "folded $p" "$memtrace" flamegraph --folded -o "$work/cmd.folded" "$head")
    cells[$p:pprof]=$(time_command "pprof $p" "$memtrace" export --format pprof -o "$work/cmd.pb" "$head")
    cells[$p:speedscope]=$(time_command "speedscope $p" "$memtrace" export --format speedscope -o "$work/cmd.json" "$head")
    cells[$p:massif]=$(time_command "massif $p" "$memtrace" export --format massif -o "$work/cmd.massif" "$head")
    cells[$p:diff]=$(time_command "diff $p" "$memtrace" diff --format markdown "$base" "$head")
    cells[$p:growth]=$(time_command "growth $p" "$memtrace" growth "$head")
    rm -f "$head" "$base" "$work"/cmd.*
  done
  echo "| command | 16 paths: wall s | max RSS MiB | 100000 paths: wall s | max RSS MiB |"
  echo "|---|---|---|---|---|"
  local name
  for name in "${names[@]}"; do
    echo "| $name | ${cells[16:$name]:-–|–} | ${cells[100000:$name]:-–|–} |"
  done
  echo
}

echo "## Benchmark run of $(date -u '+%Y-%m-%d %H:%M UTC')"
echo
machine_info "$memtrace" | sed 's/^/- /'
scale_option=""; [ "$scale" = 1 ] || scale_option=" -x $scale"
echo "- command: bench/run_suite.sh -n $reps$scale_option${runs:+ -m \"$runs\"}${run_options:+ -r \"$run_options\"} ${modes[*]}"
echo
for mode in "${modes[@]}"; do
  case "$mode" in
    workloads) workloads_mode ;;
    threads) threads_mode ;;
    paths) paths_mode ;;
    long) [[ " ${modes[*]} " == *" long200 "* ]] || long_mode 0 ;;
    long200) long_mode 1 ;;
    commands) commands_mode ;;
  esac
done
echo "- load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
exit "$status"
