#!/usr/bin/env bash
# A full disk while the shim writes: the capture goes to a 512 KiB tmpfs, mounted in a private
# mount namespace (unshare -m; needs root), flushed every 1 ms so that some chunks fit before
# it fills. The program must finish with its normal output and status; memtrace says once that
# tracking stopped and what was kept; the capture left on the full disk reads cleanly up to its
# last complete chunk.
# Without root (or without mount rights) the test reports SKIPPED (exit 77) and says so: the
# file-size case (RLIMIT_FSIZE, EFBIG) is tested by tests/integration/capture_file_test.cpp.
# usage: disk_full_test.sh MEMTRACE THREAD_STORM
set -u
memtrace=$1 program=$2
skip() { echo "*** NOT TESTED: $* - a full disk is only covered through RLIMIT_FSIZE (integration: 'a file-size limit stops tracking')"; exit 77; }
[ "$(id -u)" = 0 ] || skip "not root: cannot mount a small tmpfs"
command -v unshare >/dev/null || skip "unshare (util-linux) missing"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir "$work/small"
unshare -m sh -c '
    mount -t tmpfs -o size=512k tmpfs "$1" || exit 77
    "$2" run --flush-interval 1 -o "$1/x.mtrace" -- "$3" 8 200000 >"$4/out" 2>"$4/err"
    echo $? >"$4/status"
    cp "$1/x.mtrace" "$4/x.mtrace"
' sh "$work/small" "$memtrace" "$program" "$work"
[ $? = 77 ] && skip "mount -t tmpfs failed in a private mount namespace"

failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
[ "$(cat "$work/status")" = 0 ] || fail "exit status $(cat "$work/status"), expected 0"
[ "$(cat "$work/out")" = "thread_storm: 8 threads, 1600000 blocks, 56800000 bytes" ] || fail "program output: $(cat "$work/out")"
stopped=$(grep -c '^memtrace: stopped tracking: ENOSPC; the capture holds events up to [0-9.]* s$' "$work/err")
[ "$stopped" = 1 ] || fail "expected one 'stopped tracking: ENOSPC' line, stderr: $(cat "$work/err")"
size=$(stat -c %s "$work/x.mtrace")
[ "$size" -le 524288 ] || fail "capture of $size bytes on a 512 KiB file system"
"$memtrace" summary --json "$work/x.mtrace" >"$work/summary" 2>"$work/summary.err" || fail "summary failed: $(cat "$work/summary.err")"
python3 - "$work/summary" <<'PY' || fail "summary of the capture left on the full disk: $(cat "$work/summary")"
import json, sys
j = json.load(open(sys.argv[1]))
assert j["corrupt"] is False, "corrupt"
assert j["truncated"] is True, "not reported as cut short"
assert j["allocations"] > 0, "nothing kept"
PY
[ "$failures" = 0 ] && echo "disk_full_test: passed (capture kept $size bytes)"
exit "$failures"
