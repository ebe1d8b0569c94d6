#!/usr/bin/env bash
# One workload: untracked vs memtrace (each unwinder) vs heaptrack, alternating in every
# repetition so that drifts of the machine hit all of them alike. Prints a Markdown table.
# bench/run_suite.sh calls it for every workload and scaling mode (see bench/README.md).
#
#   bench/run_bench.sh [OPTIONS] [-- PROGRAM ARGS...]      (default: alloc_bench 2 1000000)
#
#   -b DIR     build directory (default build/)
#   -n N       repetitions (default 3)
#   -m MODES   tracked runs after the untracked one, in this order (default "memtrace fp heaptrack"):
#              memtrace = `memtrace run` (libunwind), fp = `memtrace run --unwind fp`, heaptrack
#   -l LABEL   the workload's name in the table (default: PROGRAM and ARGS)
#   -p CMD     run CMD (sh -c, not timed) before every run of the program, e.g. to delete a database
#   -c DRIVER  for a server: time "DRIVER [TRACKER...] PROGRAM ARGS" instead, where DRIVER (words)
#              starts its arguments, loads the server and stops it (bench/redis_workload.sh)
#   -r OPTS    extra `memtrace run` options for both memtrace modes, e.g. "--max-depth 64"
#   -T SEC     time limit of a tracked run (default 60 + 30 × the first untracked wall time)
#   -w DIR     where captures and outputs go (default: a temporary directory, removed at exit)
#   --tsv FILE append "label run metric median min max" lines (tab-separated, in the table's units) to FILE
#   --rows     print the table rows only (run_suite.sh prints one header for several workloads)
#
# Per run: wall time and its ratio to the untracked run of the same repetition; CPU time
# (user + system of the whole process tree: the tracker's threads and processes included)
# and its ratio; the program's own peak RSS (VmHWM, written at exit by libbench_vmhwm.so,
# which is preloaded into every run; GNU time's max RSS if that file is missing) and what
# the tracker added to it; capture size per event (events = allocations + frees of
# `memtrace summary --json` in the same repetition, for heaptrack too); analysis time of
# `memtrace summary --json` / `heaptrack_print`, events/s and the analyzer's max RSS.
# heaptrack missing or failing is reported in its row and the run goes on; memtrace failing
# is reported the same way and makes the exit status 1.
set -uo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"
# shellcheck source=bench/lib.sh
. "$here/lib.sh"

build="$root/build"
reps=3
modes="memtrace fp heaptrack"
label=""
prepare=""
driver=""
run_options=""
limit=""
work=""
tsv=""
rows_only=0
program=()

while [ $# -gt 0 ]; do
  case "$1" in
    -b) build="$(cd "$2" && pwd)" || exit 2; shift 2 ;;
    -n) reps="$2"; shift 2 ;;
    -m) modes="$2"; shift 2 ;;
    -l) label="$2"; shift 2 ;;
    -p) prepare="$2"; shift 2 ;;
    -c) driver="$2"; shift 2 ;;
    -r) run_options="$2"; shift 2 ;;
    -T) limit="$2"; shift 2 ;;
    -w) work="$2"; shift 2 ;;
    --tsv) tsv="$2"; shift 2 ;;
    --rows) rows_only=1; shift ;;
    --) shift; program=("$@"); break ;;
    -h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
    *) echo "run_bench.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done
[[ "$reps" =~ ^[1-9][0-9]*$ ]] || { echo "run_bench.sh: -n needs a positive number" >&2; exit 2; }
for mode in $modes; do
  case "$mode" in memtrace|fp|heaptrack) ;; *) echo "run_bench.sh: unknown mode $mode" >&2; exit 2 ;; esac
done

memtrace="$build/cli/memtrace"
vmhwm_lib="$build/bench/libbench_vmhwm.so"
[ ${#program[@]} -gt 0 ] || program=("$build/bench/alloc_bench" 2 1000000)
for f in "$memtrace" "$vmhwm_lib"; do
  [ -e "$f" ] || { echo "run_bench.sh: $f not found; build first (cmake --build $build)" >&2; exit 2; }
done
[ -x /usr/bin/time ] || { echo "run_bench.sh: /usr/bin/time (GNU time) is missing: apt-get install time" >&2; exit 2; }
command -v python3 >/dev/null || { echo "run_bench.sh: python3 is missing (it reads summary --json)" >&2; exit 2; }
program_path="$(command -v "${program[0]}")" || { echo "run_bench.sh: ${program[0]} not found" >&2; exit 2; }
program_name="$(basename "$(readlink -f "$program_path")")"
[ -n "$label" ] || label="$(basename "${program[0]}") ${program[*]:1}"
have_heaptrack=1
command -v heaptrack >/dev/null && command -v heaptrack_print >/dev/null || have_heaptrack=0

if [ -z "$work" ]; then
  work="$(mktemp -d "${TMPDIR:-/tmp}/memtrace-bench.XXXXXX")"
  trap 'rm -rf "$work"' EXIT
else
  mkdir -p "$work" || exit 2
fi

# Values per "run:metric", space-separated, one per successful repetition.
declare -A values=()
declare -A notes=()
add() { values["$1:$2"]+=" $3"; }
failed_memtrace=0

# run_program PREFIX TIME_LIMIT CMD...: prepare, then time CMD (through the driver, if any,
# and under the time limit, if any: timeout kills the whole process group, status 124 or
# 137) with the VmHWM library preloaded.
# Sets what timed() sets, plus VMHWM (KiB: the program's own, or GNU time's max RSS).
run_program() {
  local prefix="$1" time_limit="$2"; shift 2
  local command=()
  [ -z "$time_limit" ] || command+=(timeout -k 5 "$time_limit")
  # shellcheck disable=SC2206
  [ -z "$driver" ] || command+=($driver)
  [ -z "$prepare" ] || sh -c "$prepare" || { echo "run_bench.sh: prepare command failed: $prepare" >&2; exit 1; }
  rm -rf "$prefix.vm"; mkdir -p "$prefix.vm"
  MEMTRACE_BENCH_VMHWM_DIR="$prefix.vm" LD_PRELOAD="$vmhwm_lib${LD_PRELOAD:+:$LD_PRELOAD}" timed "$prefix" "${command[@]}" "$@"
  VMHWM=$(cat "$prefix.vm"/vmhwm.* 2>/dev/null | awk -v name="$program_name" '$1 == name && $2 > m { m = $2 } END { if (m) print m }')
  if [ -z "$VMHWM" ]; then
    [ "$RC" -ne 0 ] || echo "run_bench.sh: no VmHWM file from $program_name: using GNU time's max RSS" >&2
    VMHWM=$RSS
  fi
}

for rep in $(seq 1 "$reps"); do
  echo "$label: repetition $rep/$reps" >&2
  run_program "$work/base" "" "${program[@]}"
  if [ "$RC" -ne 0 ]; then
    echo "run_bench.sh: the untracked run failed (status $RC):" >&2; tail -n 5 "$work/base.err" >&2; exit 1
  fi
  base_t=$T; base_cpu=$CPU; base_vm=$VMHWM
  add untracked wall "$T"; add untracked wall_ratio 1; add untracked cpu "$CPU"; add untracked cpu_ratio 1
  add untracked vmhwm "$VMHWM"
  [ -n "$limit" ] || limit=$(awk -v t="$T" 'BEGIN { printf "%d", 60 + 30 * t }')
  events=""
  declare -A capture_size=() analysis_t=()

  for mode in $modes; do
    case "$mode" in
      memtrace|fp)
        capture="$work/$mode.mtrace"
        unwind=(); [ "$mode" = fp ] && unwind=(--unwind fp)
        # shellcheck disable=SC2086
        run_program "$work/$mode" "$limit" "$memtrace" run --force -o "$capture" "${unwind[@]}" $run_options "${program[@]}"
        if [ "$RC" -ne 0 ] || [ ! -s "$capture" ]; then
          notes[$mode]="failed (status $RC): $(tail -n 2 "$work/$mode.err" | tr '\n' ' ')"
          echo "run_bench.sh: memtrace ($mode) failed (status $RC):" >&2; tail -n 5 "$work/$mode.err" >&2
          failed_memtrace=1; continue
        fi
        ;;
      heaptrack)
        if [ "$have_heaptrack" = 0 ]; then notes[heaptrack]="not installed (apt-get install heaptrack)"; continue; fi
        # A heaptrack that failed once fails again (and may hang until the time limit): skip it.
        [ -z "${values[heaptrack:wall]:-}" ] && [ -n "${notes[heaptrack]:-}" ] && continue
        rm -f "$work"/ht.*
        run_program "$work/htrun" "$limit" heaptrack -o "$work/ht" "${program[@]}"
        capture=$(ls "$work"/ht.zst "$work"/ht.gz 2>/dev/null | head -n 1)
        # heaptrack's exit status is the program's; a crashed heaptrack_interpret shows in its
        # output, and the program may then block on the full pipe until the time limit.
        if [ "$RC" -ne 0 ] || [ -z "$capture" ] || grep -qE 'terminate called|bad_alloc|Aborted|Segmentation' "$work/htrun.err" "$work/htrun.out"; then
          why=$(grep -h -m 2 -E 'terminate|what\(\)|Abort|Segm|rror' "$work/htrun.err" "$work/htrun.out" | tr '\n' ' ' | cut -c1-160)
          case "$RC" in 124|137) why="killed at the ${limit} s time limit $why" ;; esac
          notes[heaptrack]="failed in repetition $rep (status $RC): $why; not retried"
          echo "run_bench.sh: heaptrack ${notes[heaptrack]}; carrying on" >&2; tail -n 5 "$work/htrun.err" >&2
          continue
        fi
        ;;
    esac
    tracked_t=$T; tracked_cpu=$CPU; tracked_vm=$VMHWM
    # Analysis of the capture just written.
    if [ "$mode" = heaptrack ]; then
      timed "$work/$mode.analysis" heaptrack_print "$capture"
    else
      timed "$work/$mode.analysis" "$memtrace" summary --json "$capture"
    fi
    if [ "$RC" -ne 0 ]; then
      notes[$mode]="analysis failed (status $RC): $(tail -n 1 "$work/$mode.analysis.err")"
      echo "run_bench.sh: analysis of the $mode capture failed:" >&2; tail -n 5 "$work/$mode.analysis.err" >&2
      [ "$mode" = heaptrack ] || failed_memtrace=1
      continue
    fi
    if [ "$mode" != heaptrack ] && [ -z "$events" ]; then events=$(summary_events "$work/$mode.analysis.out"); fi
    add "$mode" wall "$tracked_t"; add "$mode" wall_ratio "$(ratio "$tracked_t" "$base_t")"
    add "$mode" cpu "$tracked_cpu"; add "$mode" cpu_ratio "$(ratio "$tracked_cpu" "$base_cpu")"
    add "$mode" vmhwm "$tracked_vm"; add "$mode" vmhwm_added "$((tracked_vm - base_vm))"
    add "$mode" analysis_rss "$RSS"
    capture_size[$mode]=$(stat -c %s "$capture"); analysis_t[$mode]=$T
  done

  # Per-event figures need the event count, known once a memtrace capture was read (else
  # the program's own "events=N" line, as alloc_bench and cpu_bench print).
  [ -n "$events" ] || events=$(grep -oE 'events=[0-9]+' "$work/base.out" | head -n 1 | cut -d= -f2)
  [ -z "$events" ] || add untracked events "$events"
  for mode in "${!capture_size[@]}"; do
    add "$mode" capture_mb "$(awk -v s="${capture_size[$mode]}" 'BEGIN { printf "%.3f", s / 1e6 }')"
    add "$mode" analysis "${analysis_t[$mode]}"
    if [ -n "$events" ] && [ "$events" -gt 0 ]; then
      add "$mode" bytes_per_event "$(ratio "${capture_size[$mode]}" "$events")"
      add "$mode" events_per_s "$(ratio "$events" "${analysis_t[$mode]}")"
    fi
  done
  unset capture_size analysis_t
done

# cell RUN METRIC FORMAT [SCALE]: "median (min–max)" of the values (divided by SCALE).
cell() {
  local v="${values[$1:$2]:-}"
  [ -z "${4:-}" ] || v=$(awk -v d="$4" '{ for (i = 1; i <= NF; ++i) printf "%.6f ", $i / d }' <<<"$v")
  local s; s=$(stats "$v")
  [ -z "$tsv" ] || [ "${s%% *}" = "-" ] || printf '%s\t%s\t%s\t%s\n' "$label" "$1" "$2" "$s" | tr ' ' '\t' >>"$tsv"
  fmt_range "$s" "$3"
}

run_name() {
  case "$1" in
    untracked) echo "untracked" ;;
    memtrace) echo "memtrace" ;;
    fp) echo "memtrace --unwind fp" ;;
    heaptrack) echo "heaptrack" ;;
  esac
}

if [ "$rows_only" = 0 ]; then
  echo "workload: ${driver:+$driver }${program[*]}   ($reps repetitions${run_options:+; memtrace run $run_options})"
  echo
  echo "| workload | run | wall s | wall ratio | CPU s | CPU ratio | program VmHWM MiB | added MiB | capture MB | B/event | analysis s | events/s | analyzer RSS MiB |"
  echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|"
fi
events_cell=$(cell untracked events %.0f)
safe_label="${label//|/\\|}"
for run in untracked $modes; do
  if [ -z "${values[$run:wall]:-}" ]; then
    note="${notes[$run]:-no successful run}"
    [ -z "$tsv" ] || printf '%s\t%s\tfailed\t0\t0\t0\n' "$label" "$run" >>"$tsv"
    echo "| $safe_label | $(run_name "$run") | ${note//|/\\|} | | | | | | | | | | |"
    continue
  fi
  extra=""
  [ -z "${notes[$run]:-}" ] || extra=" (some repetitions ${notes[$run]//|/\\|})"
  if [ "$run" = untracked ]; then
    echo "| $safe_label ($events_cell events) | untracked | $(cell "$run" wall %.3f) | 1 | $(cell "$run" cpu %.2f) | 1 | $(cell "$run" vmhwm %.1f 1024) | – | – | – | – | – | – |"
  else
    echo "| $safe_label | $(run_name "$run")$extra | $(cell "$run" wall %.3f) | $(cell "$run" wall_ratio %.2f) | $(cell "$run" cpu %.2f) | $(cell "$run" cpu_ratio %.2f) | $(cell "$run" vmhwm %.1f 1024) | $(cell "$run" vmhwm_added %+.1f 1024) | $(cell "$run" capture_mb %.2f) | $(cell "$run" bytes_per_event %.2f) | $(cell "$run" analysis %.3f) | $(cell "$run" events_per_s %.3g) | $(cell "$run" analysis_rss %.1f 1024) |"
  fi
done
exit "$failed_memtrace"
