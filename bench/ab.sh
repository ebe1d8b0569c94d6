#!/usr/bin/env bash
# bench/ab.sh: is build B faster than build A? Alternating, paired runs with a confidence
# interval, for changes smaller than this kind of machine's run-to-run noise (±10-15%).
#
#   bench/ab.sh [-n N] [-u UNWIND] shim SHIM_A.so SHIM_B.so -- PROGRAM [ARGS...]
#       untracked, `memtrace run` with shim A and with shim B in each repetition, in a
#       rotating order; per variant: median wall and CPU ratio to the untracked run of the
#       same repetition, and capture bytes
#   bench/ab.sh [-n N] reader MEMTRACE_A MEMTRACE_B CAPTURE
#       `memtrace summary --json CAPTURE` with binary A and with binary B
#
# Then for each measure the paired ratio B/A (per repetition) as a median with a bootstrap
# 95% interval: an interval that contains 1.00 means "no difference shown". Copy a build's
# shim aside (cp build/preload/libmemtrace_preload.so /tmp/a.so) before rebuilding.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=bench/lib.sh
source "$here/lib.sh"

reps=15
unwind=libunwind
usage() { sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; exit "${1:-0}"; }
while getopts "n:u:h" opt; do
  case "$opt" in
    n) reps="$OPTARG" ;;
    u) unwind="$OPTARG" ;;
    h) usage 0 ;;
    *) usage 2 ;;
  esac
done
shift $((OPTIND - 1))
[ $# -ge 4 ] || usage 2
mode="$1" a="$2" b="$3"
shift 3
memtrace="${MEMTRACE:-$here/../build/cli/memtrace}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
rows="$work/rows"

case "$mode" in
  shim)
    [ "$1" = "--" ] && shift
    [ $# -ge 1 ] || usage 2
    for f in "$a" "$b"; do [ -f "$f" ] || { echo "ab.sh: no shim $f" >&2; exit 2; }; done
    for ((i = 0; i < reps; ++i)); do
      declare -A wall=() cpu=() bytes=()
      # Rotate the order so that drift (thermal, a neighbour's load) does not favour one.
      for variant in $(case $((i % 3)) in 0) echo u A B ;; 1) echo A B u ;; *) echo B u A ;; esac); do
        if [ "$variant" = u ]; then
          timed "$work/u" "$@"
        else
          shim="$a"; [ "$variant" = B ] && shim="$b"
          timed "$work/$variant" env MEMTRACE_PRELOAD="$shim" "$memtrace" run --force -o "$work/$variant.mtrace" \
            --unwind "$unwind" -- "$@"
          bytes[$variant]=$(stat -c %s "$work/$variant.mtrace")
        fi
        [ "$RC" = 0 ] || { echo "ab.sh: $variant failed ($RC): $(tail -n 3 "$work/$variant.err")" >&2; exit 1; }
        wall[$variant]=$T cpu[$variant]=$CPU
      done
      echo "${wall[u]} ${cpu[u]} ${wall[A]} ${cpu[A]} ${bytes[A]} ${wall[B]} ${cpu[B]} ${bytes[B]}" >>"$rows"
    done
    ;;
  reader)
    capture="$1"
    for f in "$a" "$b"; do [ -x "$f" ] || { echo "ab.sh: no memtrace binary $f" >&2; exit 2; }; done
    for ((i = 0; i < reps; ++i)); do
      declare -A wall=() cpu=() rss=()
      for variant in $(if ((i % 2)); then echo B A; else echo A B; fi); do
        bin="$a"; [ "$variant" = B ] && bin="$b"
        timed "$work/$variant" "$bin" summary --json "$capture"
        [ "$RC" = 0 ] || { echo "ab.sh: $variant failed ($RC): $(tail -n 3 "$work/$variant.err")" >&2; exit 1; }
        wall[$variant]=$T cpu[$variant]=$CPU rss[$variant]=$RSS
      done
      echo "${wall[A]} ${cpu[A]} ${rss[A]} ${wall[B]} ${cpu[B]} ${rss[B]}" >>"$rows"
    done
    ;;
  *) usage 2 ;;
esac

python3 - "$mode" "$rows" <<'EOF'
import random, statistics as st, sys
mode, path = sys.argv[1], sys.argv[2]
rows = [[float(x) for x in line.split()] for line in open(path)]
random.seed(1)

def interval(values):
    """Median and a bootstrap 95% interval of the median."""
    meds = sorted(st.median(random.choices(values, k=len(values))) for _ in range(2000))
    return st.median(values), meds[50], meds[1949]

def show(name, a, b, fmt="%.3f"):
    paired = [y / x for x, y in zip(a, b) if x > 0]
    m, lo, hi = interval(paired)
    verdict = "B smaller" if hi < 1 else "B larger" if lo > 1 else "no difference shown"
    print(f"| {name} | {fmt % st.median(a)} | {fmt % st.median(b)} | {m:.3f} ({lo:.3f}–{hi:.3f}) | {verdict} |")

print(f"{len(rows)} paired repetitions\n")
print("| measure | A (median) | B (median) | B/A paired, 95% interval | |")
print("|---|---|---|---|---|")
if mode == "shim":
    col = lambda k: [r[k] for r in rows]
    show("wall ratio to untracked", [r[2] / r[0] for r in rows], [r[5] / r[0] for r in rows], "%.2f")
    show("CPU ratio to untracked", [r[3] / r[1] for r in rows], [r[6] / r[1] for r in rows], "%.2f")
    show("capture bytes", col(4), col(7), "%.0f")
else:
    col = lambda k: [r[k] for r in rows]
    show("wall s", col(0), col(3))
    show("CPU s", col(1), col(4))
    show("max RSS KiB", col(2), col(5), "%.0f")
EOF
