# shellcheck shell=bash disable=SC2034,SC2059  # sets T, CPU, RSS, RC for the caller; formats are ours
# Shared by bench/run_bench.sh and bench/run_suite.sh (sourced, not run): the one
# implementation of timing a command and of turning repetitions into "median (min–max)".

now_ns() { date +%s%N; }

# timed OUT_PREFIX CMD...: runs CMD with stdout to OUT_PREFIX.out and stderr to OUT_PREFIX.err.
# Sets T (wall seconds, measured around the command), CPU (user + system seconds of the
# command and all its children, GNU time), RSS (GNU time's max RSS in KiB: the largest
# process of the tree) and RC (the command's exit status).
timed() {
  local prefix="$1"; shift
  local start end user sys
  start=$(now_ns)
  /usr/bin/time -f "%M %U %S" -o "$prefix.time" "$@" >"$prefix.out" 2>"$prefix.err"
  RC=$?
  end=$(now_ns)
  T=$(awk -v s="$start" -v e="$end" 'BEGIN { printf "%.4f", (e - s) / 1e9 }')
  read -r RSS user sys < <(tail -n 1 "$prefix.time" 2>/dev/null)
  [[ "$RSS" =~ ^[0-9]+$ ]] || RSS=0
  CPU=$(awk -v u="${user:-0}" -v s="${sys:-0}" 'BEGIN { printf "%.3f", u + s }')
}

# stats "v1 v2 ...": prints "median min max" ("- - -" when there is no value).
stats() {
  tr ' ' '\n' <<<"$1" | grep -v '^$' | sort -g | awk '
    { v[NR] = $1 }
    END {
      if (NR == 0) { print "- - -"; exit }
      m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
      printf "%.15g %.15g %.15g\n", m, v[1], v[NR]
    }'
}

# fmt_range "median min max" FORMAT: "median (min–max)", or just the median when all are equal.
fmt_range() {
  local m lo hi
  read -r m lo hi <<<"$1"
  if [ "$m" = "-" ]; then echo "–"; return; fi
  local a b c
  a=$(printf "$2" "$m"); b=$(printf "$2" "$lo"); c=$(printf "$2" "$hi")
  if [ "$b" = "$c" ]; then echo "$a"; else echo "$a ($b–$c)"; fi
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.4f", a / b; else print "" }'; }

# summary_events FILE: allocations + frees of a `memtrace summary --json` output.
summary_events() {
  python3 -c 'import json, sys; j = json.load(open(sys.argv[1])); print(j["allocations"] + j["frees"])' "$1" 2>/dev/null
}

# The machine and the software: the first lines of every report.
machine_info() {
  local memtrace="$1"
  echo "machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'), $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo)"
  echo "system: $(. /etc/os-release && echo "$PRETTY_NAME"), kernel $(uname -r), $(g++ --version 2>/dev/null | head -n 1)"
  # The shim stamps events with the TSC only where the kernel's clocksource is tsc; elsewhere
  # (kvm-clock, common in VMs) with clock_gettime, ~8 ns more per event (preload/clock.h).
  local clocksource
  clocksource="$(cat /sys/devices/system/clocksource/clocksource0/current_clocksource 2>/dev/null || echo '?')"
  echo "clocksource: $clocksource (event stamps: $([ "$clocksource" = tsc ] && echo "the TSC, if invariant" || echo clock_gettime))"
  echo "memtrace: $("$memtrace" --version 2>/dev/null | head -n 1), git $(git -C "$(dirname "${BASH_SOURCE[0]}")" describe --always --dirty 2>/dev/null || echo '?')"
  if command -v heaptrack >/dev/null; then
    echo "heaptrack: $(heaptrack --version 2>/dev/null | head -n 1)"
  else
    echo "heaptrack: not installed (apt-get install heaptrack)"
  fi
  echo "load average: $(cut -d' ' -f1-3 /proc/loadavg) (numbers mean little if other work runs)"
}
