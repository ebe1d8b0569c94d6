#!/usr/bin/env bash
# Tracking overhead of memtrace (and heaptrack, for comparison) on bench/alloc_bench.
#
#   bench/run_bench.sh [-b BUILD_DIR] [-n REPETITIONS] [-i ITERATIONS] [-t "THREAD COUNTS"] [-- EXTRA memtrace run OPTIONS]
#
# Defaults: build/ (falling back to the directory of a built memtrace), 3 repetitions,
# 1000000 iterations per thread, threads "1 2". For each thread count it runs the benchmark
# untracked, under `memtrace run` and under `heaptrack`, alternating in every repetition so
# that drifts of the machine hit all three alike, and prints:
#   - wall time (median, min-max) and its ratio to the untracked run of the same repetition
#   - CPU seconds (user + system) and max RSS (GNU time; for the tracked runs they include
#     the tracker's threads and processes)
#   - capture size and bytes per event (events = allocations + frees from summary --json)
#   - `memtrace summary` analysis time and events analysed per second (heaptrack_print for
#     heaptrack)
# A missing or failing heaptrack is reported and skipped; memtrace failing is an error.
set -uo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"
build="$root/build"
reps=3
iterations=1000000
thread_counts="1 2"
extra_run_options=()

while [ $# -gt 0 ]; do
  case "$1" in
    -b) build="$(cd "$2" && pwd)"; shift 2 ;;
    -n) reps="$2"; shift 2 ;;
    -i) iterations="$2"; shift 2 ;;
    -t) thread_counts="$2"; shift 2 ;;
    --) shift; extra_run_options=("$@"); break ;;
    -h|--help) sed -n '2,16p' "$0"; exit 0 ;;
    *) echo "run_bench.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done

memtrace="$build/cli/memtrace"
bench="$build/bench/alloc_bench"
for f in "$memtrace" "$bench"; do
  [ -x "$f" ] || { echo "run_bench.sh: $f not found; build first (cmake --build $build)" >&2; exit 2; }
done
if [ ! -x /usr/bin/time ]; then
  echo "run_bench.sh: /usr/bin/time (GNU time) is missing: apt-get install time" >&2
  exit 2
fi
have_heaptrack=1
if ! command -v heaptrack >/dev/null || ! command -v heaptrack_print >/dev/null; then
  have_heaptrack=0
  echo "run_bench.sh: heaptrack not installed (apt-get install heaptrack): its columns are skipped" >&2
fi

work="$(mktemp -d "${TMPDIR:-/tmp}/memtrace-bench.XXXXXX")"
trap 'rm -rf "$work"' EXIT

now_ns() { date +%s%N; }

# timed OUT_PREFIX CMD...: runs CMD with stdout to OUT_PREFIX.out, stderr to OUT_PREFIX.err;
# sets T (wall seconds), CPU (user + system seconds of the command and its children),
# RSS (max RSS in KiB) and RC.
timed() {
  local prefix="$1"; shift
  local start end
  start=$(now_ns)
  /usr/bin/time -f "%M %U %S" -o "$prefix.rss" "$@" >"$prefix.out" 2>"$prefix.err"
  RC=$?
  end=$(now_ns)
  T=$(awk -v s="$start" -v e="$end" 'BEGIN { printf "%.4f", (e - s) / 1e9 }')
  read -r RSS user sys < <(tail -n 1 "$prefix.rss" 2>/dev/null)
  [[ "$RSS" =~ ^[0-9]+$ ]] || RSS=0
  CPU=$(awk -v u="${user:-0}" -v s="${sys:-0}" 'BEGIN { printf "%.2f", u + s }')
}

json_number() {  # json_number FIELD FILE: the first integer value of "FIELD"
  grep -oE "\"$1\"[[:space:]]*:[[:space:]]*[0-9]+" "$2" | head -n 1 | grep -oE '[0-9]+$'
}

# stats "v1 v2 ...": "median min max"
stats() {
  tr ' ' '\n' <<<"$1" | grep -v '^$' | sort -g | awk '
    { v[NR] = $1 }
    END {
      if (NR == 0) { print "- - -"; exit }
      m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
      printf "%.15g %.15g %.15g\n", m, v[1], v[NR]
    }'
}

fmt_range() {  # fmt_range "median min max" FORMAT
  read -r m lo hi <<<"$1"
  if [ "$m" = "-" ]; then echo "-"; return; fi
  printf "$2 ($2–$2)" "$m" "$lo" "$hi"
}

echo "machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'), $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo)"
echo "kernel: $(uname -r); memtrace $("$memtrace" --version 2>/dev/null | head -n 1)"
[ "$have_heaptrack" = 1 ] && echo "heaptrack: $(heaptrack --version 2>/dev/null | head -n 1)"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg) (the numbers mean little if other work runs)"
echo "command: $bench THREADS $iterations   ($reps repetitions; memtrace run ${extra_run_options[*]:-with default options})"
echo

rows=()
for threads in $thread_counts; do
  base_t=(); mt_t=(); ht_t=(); mt_ratio=(); ht_ratio=()
  base_cpu=(); mt_cpu=(); ht_cpu=()
  base_rss=(); mt_rss=(); ht_rss=()
  mt_size=(); mt_bpe=(); mt_an_t=(); mt_an_eps=(); mt_an_rss=()
  ht_size=(); ht_bpe=(); ht_an_t=(); ht_an_eps=()
  heaptrack_note=""
  for rep in $(seq 1 "$reps"); do
    echo "threads=$threads repetition $rep/$reps" >&2

    timed "$work/base" "$bench" "$threads" "$iterations"
    [ "$RC" -eq 0 ] || { echo "run_bench.sh: untracked run failed:" >&2; cat "$work/base.err" >&2; exit 1; }
    bt=$T
    base_t+=("$bt"); base_rss+=("$RSS"); base_cpu+=("$CPU")
    events_bench=$(grep -oE 'events=[0-9]+' "$work/base.out" | cut -d= -f2)

    capture="$work/capture.mtrace"
    timed "$work/mt" "$memtrace" run --force -o "$capture" "${extra_run_options[@]}" "$bench" "$threads" "$iterations"
    if [ "$RC" -ne 0 ] || [ ! -s "$capture" ]; then
      echo "run_bench.sh: memtrace run failed (status $RC):" >&2; cat "$work/mt.err" >&2; exit 1
    fi
    mt_t+=("$T"); mt_rss+=("$RSS"); mt_cpu+=("$CPU")
    mt_ratio+=("$(awk -v a="$T" -v b="$bt" 'BEGIN { printf "%.3f", a / b }')")
    size=$(stat -c %s "$capture")
    timed "$work/summary" "$memtrace" summary --json "$capture"
    if [ "$RC" -ne 0 ]; then
      echo "run_bench.sh: memtrace summary failed (status $RC):" >&2; cat "$work/summary.err" >&2; exit 1
    fi
    allocations=$(json_number allocations "$work/summary.out")
    frees=$(json_number frees "$work/summary.out")
    events=$(( ${allocations:-0} + ${frees:-0} ))
    if [ "$events" -eq 0 ]; then echo "run_bench.sh: summary reports no events" >&2; exit 1; fi
    mt_size+=("$size")
    mt_bpe+=("$(awk -v s="$size" -v e="$events" 'BEGIN { printf "%.3f", s / e }')")
    mt_an_t+=("$T"); mt_an_rss+=("$RSS")
    mt_an_eps+=("$(awk -v e="$events" -v t="$T" 'BEGIN { printf "%.0f", e / t }')")
    mt_events=$events

    if [ "$have_heaptrack" = 1 ]; then
      rm -f "$work"/ht.*
      timed "$work/htrun" heaptrack -o "$work/ht" "$bench" "$threads" "$iterations"
      htfile=$(ls "$work"/ht.*zst "$work"/ht.*gz "$work"/ht 2>/dev/null | head -n 1)
      if [ "$RC" -ne 0 ] || [ -z "$htfile" ]; then
        heaptrack_note="heaptrack failed (status $RC): $(tail -n 2 "$work/htrun.err" | tr '\n' ' ')"
        echo "run_bench.sh: $heaptrack_note" >&2
      else
        ht_t+=("$T"); ht_rss+=("$RSS"); ht_cpu+=("$CPU")
        ht_ratio+=("$(awk -v a="$T" -v b="$bt" 'BEGIN { printf "%.3f", a / b }')")
        hsize=$(stat -c %s "$htfile")
        ht_size+=("$hsize")
        ht_bpe+=("$(awk -v s="$hsize" -v e="$events_bench" 'BEGIN { printf "%.3f", s / e }')")
        timed "$work/htprint" heaptrack_print "$htfile"
        if [ "$RC" -eq 0 ]; then
          ht_an_t+=("$T")
          ht_an_eps+=("$(awk -v e="$events_bench" -v t="$T" 'BEGIN { printf "%.0f", e / t }')")
        fi
      fi
    fi
  done

  kib_to_mib() { awk '{ for (i = 1; i <= NF; ++i) printf "%.1f ", $i / 1024 }' <<<"$1"; }
  rows+=("| $threads | untracked | $(fmt_range "$(stats "${base_t[*]}")" %.3f) | 1 | $(fmt_range "$(stats "${base_cpu[*]}")" %.2f) | $(fmt_range "$(stats "$(kib_to_mib "${base_rss[*]}")")" %.1f) | $events_bench events | – | – |")
  rows+=("| $threads | memtrace | $(fmt_range "$(stats "${mt_t[*]}")" %.3f) | $(fmt_range "$(stats "${mt_ratio[*]}")" %.2f) | $(fmt_range "$(stats "${mt_cpu[*]}")" %.2f) | $(fmt_range "$(stats "$(kib_to_mib "${mt_rss[*]}")")" %.1f) | $(fmt_range "$(stats "${mt_size[*]}")" %.0f) B, $(fmt_range "$(stats "${mt_bpe[*]}")" %.2f) B/event ($mt_events events) | summary: $(fmt_range "$(stats "${mt_an_t[*]}")" %.3f) s, $(fmt_range "$(stats "$(kib_to_mib "${mt_an_rss[*]}")")" %.1f) MiB | $(fmt_range "$(stats "${mt_an_eps[*]}")" %.3g) |")
  if [ "$have_heaptrack" = 1 ] && [ ${#ht_t[@]} -gt 0 ]; then
    rows+=("| $threads | heaptrack | $(fmt_range "$(stats "${ht_t[*]}")" %.3f) | $(fmt_range "$(stats "${ht_ratio[*]}")" %.2f) | $(fmt_range "$(stats "${ht_cpu[*]}")" %.2f) | $(fmt_range "$(stats "$(kib_to_mib "${ht_rss[*]}")")" %.1f) | $(fmt_range "$(stats "${ht_size[*]}")" %.0f) B, $(fmt_range "$(stats "${ht_bpe[*]}")" %.2f) B/event | heaptrack_print: $(fmt_range "$(stats "${ht_an_t[*]}")" %.3f) s | $(fmt_range "$(stats "${ht_an_eps[*]}")" %.3g) |")
  elif [ "$have_heaptrack" = 1 ]; then
    rows+=("| $threads | heaptrack | failed: ${heaptrack_note//|/\\|} | | | | | | |")
  else
    rows+=("| $threads | heaptrack | not installed | | | | | | |")
  fi
done

echo
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "medians over $reps repetitions, (min–max) in parentheses; ratio = tracked wall time / untracked wall time of the same repetition"
echo
echo "| threads | run | wall s | ratio | CPU s | max RSS MiB | capture | analysis | events/s analysed |"
echo "|---|---|---|---|---|---|---|---|---|"
printf '%s\n' "${rows[@]}"
