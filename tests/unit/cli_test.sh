#!/bin/sh
# Command-line contract of `memtrace summary` / `memtrace dump` on synthetic captures:
# exit statuses, the one-line errors, the truncation warning, exact JSON numbers.
# usage: cli_test.sh MEMTRACE FIXTURE_GENERATOR WORKDIR
set -u
memtrace=$1
generate=$2
dir=$3
rm -rf "$dir" && mkdir -p "$dir" && "$generate" "$dir" || exit 1
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

expect_status() {  # expected-status description command...
    want=$1; what=$2; shift 2
    "$@" >"$dir/out" 2>"$dir/err"
    got=$?
    [ "$got" = "$want" ] || fail "$what: exit status $got, expected $want ($(cat "$dir/err"))"
}

expect_status 0 "summary ok" "$memtrace" summary "$dir/ok.mtrace"
grep -q "peak heap           1.50 MiB (1572964 B)" "$dir/out" || fail "summary text peak: $(cat "$dir/out")"
[ -s "$dir/err" ] && fail "summary ok wrote to stderr: $(cat "$dir/err")"

expect_status 0 "summary --json ok" "$memtrace" summary --json "$dir/ok.mtrace"
python3 - "$dir/out" <<'PY' || fail "summary --json numbers"
import json, sys
j = json.load(open(sys.argv[1]))
expected = {"allocations": 3, "frees": 1, "allocated_bytes": 1572988, "peak_heap_bytes": 1572964,
            "leaked_bytes": 124, "leaked_blocks": 2, "truncated": False, "pid": 77,
            "exit_status": {"kind": "exit", "code": 3}, "command_line": ["fixture", "arg"]}
bad = {k: (j.get(k), v) for k, v in expected.items() if j.get(k) != v}
assert not bad, bad
assert j["by_kind"]["malloc"] == {"count": 2, "bytes": 1572964}, j["by_kind"]
assert j["peak_heap_time_s"] == 0.001 and j["duration_s"] == 0.002
PY

expect_status 0 "summary truncated" "$memtrace" summary --json "$dir/truncated.mtrace"
grep -qx "memtrace: capture truncated at byte [0-9]*; events up to 0.001000 s were read" "$dir/err" ||
    fail "truncation warning: $(cat "$dir/err")"
python3 -c "import json,sys; j=json.load(open('$dir/out')); assert j['truncated'] and j['allocations']==2" ||
    fail "truncated JSON"

expect_status 0 "summary corrupt" "$memtrace" summary "$dir/corrupt.mtrace"
grep -q "^memtrace: capture corrupt at byte" "$dir/err" || fail "corrupt warning: $(cat "$dir/err")"

for bad in empty future missing; do
    expect_status 2 "summary $bad" "$memtrace" summary "$dir/$bad.mtrace"
    [ "$(wc -l <"$dir/err")" = 1 ] || fail "$bad: not a one-line error: $(cat "$dir/err")"
    grep -q "^memtrace: $dir/$bad.mtrace: " "$dir/err" || fail "$bad: error format: $(cat "$dir/err")"
done
grep -q "capture format version 9 is newer than this memtrace (reads up to 5)" "$dir/err" 2>/dev/null ||
    { expect_status 2 future "$memtrace" summary "$dir/future.mtrace";
      grep -q "capture format version 9 is newer than this memtrace (reads up to 5)" "$dir/err" || fail "future message"; }
expect_status 2 "summary directory" "$memtrace" summary "$dir"
grep -q "is a directory" "$dir/err" || fail "directory message: $(cat "$dir/err")"

expect_status 0 "dump ok" "$memtrace" dump "$dir/ok.mtrace"
grep -qx "t=0.001000 T0 alloc malloc 0x10000 1572864 stack=1" "$dir/out" || fail "dump alloc line: $(cat "$dir/out")"
grep -qx "chunk 0 @16 csize=[0-9]* usize=[0-9]*" "$dir/out" || fail "dump chunk line"
grep -q "exit_status exited 3" "$dir/out" || fail "dump exit status"
expect_status 0 "dump --stats" "$memtrace" dump --stats "$dir/ok.mtrace"
grep -q "^Alloc  *3 " "$dir/out" || fail "dump --stats: $(cat "$dir/out")"
expect_status 2 "dump empty" "$memtrace" dump "$dir/empty.mtrace"

[ "$failures" = 0 ] && echo "cli_test: all passed"
exit "$failures"
