#!/bin/sh
# Runtime control under the real shim (docs/CONTROL.md): include/memtrace/api.h with and without
# memtrace, pause/resume counts (exact), markers in time order, --from/--to windows (exact),
# unknown markers, `memtrace ctl` on a running program, --start-paused, ctl errors.
# usage: control_test.sh MEMTRACE PHASES CTL_TARGET WORKDIR
set -u
memtrace=$1
phases=$2
target=$3
dir=$4
rm -rf "$dir" && mkdir -p "$dir" || exit 1
command -v python3 >/dev/null || { echo "FAIL: python3 is needed (the test's oracle)"; exit 1; }
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

# ---- api.h: the same program runs the same with and without memtrace ----
"$phases" >"$dir/plain.out" 2>"$dir/plain.err" || fail "phases without memtrace: exit $?"
"$phases" x >"$dir/plain-x.out" 2>&1 || fail "phases x without memtrace"
grep -qx "active=0" "$dir/plain-x.out" || fail "api.h outside memtrace: $(cat "$dir/plain-x.out")"
"$memtrace" run -o "$dir/phases.mtrace" -- "$phases" >"$dir/traced.out" 2>"$dir/traced.err" || fail "phases under memtrace: exit $?"
cmp -s "$dir/plain.out" "$dir/traced.out" || fail "output differs under memtrace: $(cat "$dir/traced.out")"
"$memtrace" run -o "$dir/phases-x.mtrace" -- "$phases" x >"$dir/traced-x.out" 2>/dev/null
grep -qx "active=1" "$dir/traced-x.out" || fail "api.h under memtrace: $(cat "$dir/traced-x.out")"

# ---- pause/resume/markers: exact counts and order, from the records themselves ----
"$memtrace" dump "$dir/phases.mtrace" >"$dir/phases.dump" 2>&1 || fail "dump phases"
python3 - "$dir/phases.dump" <<'PY' || fail "phases records"
import re, sys
allocs, live, frees_by_size, unmatched, order = {}, {}, {}, 0, []
for line in open(sys.argv[1]):
    m = re.match(r"t=([0-9.]+) \S+ (.*)", line.strip())
    if not m: continue
    t, rest = float(m.group(1)), m.group(2)
    if rest.startswith("alloc "):
        _, kind, addr, size, _ = rest.split(" ", 4)
        allocs[int(size)] = allocs.get(int(size), 0) + 1
        live[addr] = int(size)
    elif rest.startswith("free "):
        addr = rest.split()[2]
        if addr in live:
            s = live.pop(addr); frees_by_size[s] = frees_by_size.get(s, 0) + 1
        else:
            unmatched += 1
    elif rest.startswith(("marker", "pause", "resume")):
        order.append((t, rest))
want = {1000: 10, 3000: 30, 4000: 7}
for size, n in want.items():
    assert allocs.get(size) == n, ("allocations of", size, allocs.get(size), n)
assert 2000 not in allocs, "allocations while paused were recorded"
assert frees_by_size.get(1000) == 5, ("frees of pre-pause blocks", frees_by_size)
assert frees_by_size.get(3000) == 10, frees_by_size
assert unmatched >= 4, ("frees of blocks allocated while paused", unmatched)
names = [r for _, r in order]
assert names == ['marker "start"', "pause", "resume", 'marker "steady-begin"', 'marker "steady-end"', 'marker "end"'], names
times = [t for t, _ in order]
assert times == sorted(times), times
PY

# ---- --from/--to windows: exact numbers ----
"$memtrace" summary --json --from steady-begin --to steady-end "$dir/phases.mtrace" >"$dir/window.json" 2>"$dir/window.err" ||
    fail "summary window: $(cat "$dir/window.err")"
python3 - "$dir/window.json" <<'PY' || fail "window numbers: $(cat "$dir/window.json" | head -30)"
import json, sys
j = json.load(open(sys.argv[1]))
got = {k: j[k] for k in ("allocations", "allocated_bytes", "frees", "leaked_bytes", "leaked_blocks", "peak_heap_bytes")}
assert got == {"allocations": 30, "allocated_bytes": 90000, "frees": 10, "leaked_bytes": 60000, "leaked_blocks": 20,
               "peak_heap_bytes": 90000}, got
assert [m["label"] for m in j["markers"]] == ["start", "steady-begin", "steady-end", "end"], j["markers"]
assert j["pauses"] == 1
PY
"$memtrace" summary --json --from steady-end "$dir/phases.mtrace" >"$dir/tail.json" 2>/dev/null || fail "summary --from only"
python3 -c "import json,sys; j=json.load(open('$dir/tail.json')); assert (j['allocations'], j['leaked_bytes']) == (7, 28000), j" ||
    fail "window from steady-end to the end"
for cmd in "summary" "report -o $dir/nope.html" "diff"; do
    extra=""; [ "$cmd" = diff ] && extra="$dir/phases.mtrace"
    # shellcheck disable=SC2086
    "$memtrace" $cmd --from steady-begin --to nope $extra "$dir/phases.mtrace" >"$dir/out" 2>"$dir/err"
    rc=$?
    [ $rc = 2 ] || fail "$cmd with an unknown marker: exit $rc"
    [ "$(wc -l <"$dir/err")" = 1 ] && grep -q "no marker 'nope'" "$dir/err" || fail "$cmd unknown marker message: $(cat "$dir/err")"
done
"$memtrace" diff --format json --from steady-begin --to steady-end "$dir/phases.mtrace" "$dir/phases-x.mtrace" >"$dir/diff.json" 2>"$dir/diff.err" ||
    fail "diff window: $(cat "$dir/diff.err")"
python3 - "$dir/diff.json" <<'PY' || fail "diff window numbers: $(head -c 600 "$dir/diff.json")"
import json, sys
j = json.load(open(sys.argv[1]))
t = j["totals"]
for side in ("base", "head"):
    assert t["allocations"][side] == 30 and t["leaked_bytes"][side] == 60000, (side, t)
PY
"$memtrace" report -o "$dir/phases.html" --from start --to end "$dir/phases.mtrace" 2>"$dir/report.err" || fail "report window: $(cat "$dir/report.err")"
grep -q '"label":"steady-begin"' "$dir/phases.html" || fail "report: markers missing from the page data"
grep -q '"paused":\[{"from_s":' "$dir/phases.html" || fail "report: the pause is missing from the page data"

# ---- memtrace ctl on a running program started paused ----
"$memtrace" run --start-paused -o "$dir/ctl.mtrace" -- "$target" "$dir/pid" "$dir/stop" >"$dir/ctl.out" 2>"$dir/ctl.err" &
run=$!
i=0; while [ ! -s "$dir/pid" ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
pid=$(cat "$dir/pid" 2>/dev/null)
[ -n "$pid" ] || fail "ctl_target did not start"
sleep 0.1
"$memtrace" ctl "$pid" resume 2>"$dir/err" || fail "ctl resume: $(cat "$dir/err")"
# Wait (no time limit that matters) until a recorded round shows up in the live capture.
i=0
until "$memtrace" dump "$dir/ctl.mtrace" 2>/dev/null | grep -q " alloc malloc 0x[0-9a-f]* 5000 "; do
    sleep 0.05; i=$((i + 1)); [ $i -gt 400 ] && { fail "no round recorded after resume"; break; }
done
"$memtrace" ctl "$pid" mark "after resume" 2>"$dir/err" || fail "ctl mark: $(cat "$dir/err")"
# Another user is refused: root drops to nobody with setpriv for the client.
if [ "$(id -u)" = 0 ] && [ -x /usr/bin/setpriv ]; then
    /usr/bin/setpriv --reuid=65534 --regid=65534 --clear-groups -- "$memtrace" ctl "$pid" mark "from nobody" 2>"$dir/err"
    rc=$?
    [ $rc = 2 ] && [ "$(wc -l <"$dir/err")" = 1 ] && grep -q "permission denied (another user)" "$dir/err" ||
        fail "ctl from another user: exit $rc: $(cat "$dir/err")"
else
    echo "NOT TESTED: ctl refusing another user (needs root and setpriv to act as a second user)" >&2
fi
"$memtrace" ctl "$pid" pause 2>"$dir/err" || fail "ctl pause: $(cat "$dir/err")"
touch "$dir/stop"
wait $run || fail "traced ctl_target: exit $?"
"$memtrace" dump "$dir/ctl.mtrace" >"$dir/ctl.dump" 2>&1
python3 - "$dir/ctl.dump" <<'PY' || fail "ctl records"
import re, sys
seq = []
for line in open(sys.argv[1]):
    m = re.match(r"t=([0-9.]+) \S+ (.*)", line.strip())
    if not m: continue
    r = m.group(2)
    if r.startswith("alloc malloc") and r.split()[3] in ("5000", "7000"): seq.append("alloc" + r.split()[3])
    elif r.startswith(("marker", "pause", "resume")): seq.append(r)
assert seq[0] == "pause" and seq[1] == "resume", seq[:3]
rounds = [s for s in seq if s == "alloc5000"]
assert rounds, seq
# Started paused; recorded only between resume and the second pause; the mark in between.
assert seq[-1] == "pause" and seq.count("pause") == 2 and "alloc7000" not in seq, seq[-5:]
assert sorted(set(seq[2:-1])) == ["alloc5000", 'marker "after resume"'], seq
PY

# ---- a program that closes every descriptor and forks: the parent still answers, the child
#      (not followed) does not answer for anyone ----
rm -f "$dir/pid" "$dir/stop"
"$memtrace" run -o "$dir/hostile.mtrace" -- "$target" "$dir/pid" "$dir/stop" hostile >/dev/null 2>"$dir/hostile.err" &
run=$!
i=0; while [ ! -s "$dir/pid" ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
hpid=$(cat "$dir/pid" 2>/dev/null); cpid=$(cat "$dir/pid.child" 2>/dev/null)
[ -n "$hpid" ] && [ -n "$cpid" ] || fail "hostile ctl_target did not start"
"$memtrace" ctl "$hpid" mark "after closing fds" 2>"$dir/err" || fail "ctl after close-all and fork: $(cat "$dir/err")"
"$memtrace" ctl "$cpid" mark child 2>"$dir/err"; rc=$?
[ $rc = 2 ] && grep -q "is not traced" "$dir/err" || fail "fork child answered: $rc $(cat "$dir/err")"
touch "$dir/stop"
wait $run || fail "hostile ctl_target: exit $? $(cat "$dir/hostile.err")"
"$memtrace" dump "$dir/hostile.mtrace" 2>/dev/null | grep -q 'marker "after closing fds"' || fail "marker missing after close-all"
"$memtrace" dump "$dir/hostile.mtrace" 2>/dev/null | grep -q 'marker "child"' && fail "the child's request reached the parent's capture"

# ---- the same with --follow-fork and --start-paused: the child has its own channel and its
#      capture starts paused like its parent ----
rm -f "$dir/pid" "$dir/pid.child" "$dir/stop"
"$memtrace" run --follow-fork --start-paused -o "$dir/follow.mtrace" -- "$target" "$dir/pid" "$dir/stop" hostile >/dev/null 2>"$dir/follow.err" &
run=$!
i=0; while [ ! -s "$dir/pid" ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
hpid=$(cat "$dir/pid" 2>/dev/null); cpid=$(cat "$dir/pid.child" 2>/dev/null)
[ -n "$hpid" ] && [ -n "$cpid" ] || fail "followed ctl_target did not start"
"$memtrace" ctl "$cpid" mark child 2>"$dir/err" || fail "ctl of a followed child: $(cat "$dir/err")"
"$memtrace" ctl "$hpid" mark parent 2>"$dir/err" || fail "ctl of the parent: $(cat "$dir/err")"
touch "$dir/stop"
wait $run || fail "followed ctl_target: exit $? $(cat "$dir/follow.err")"
"$memtrace" dump "$dir/follow.mtrace.$cpid" >"$dir/child.dump" 2>&1 || fail "no capture of the followed child"
"$memtrace" dump "$dir/follow.mtrace" >"$dir/parent.dump" 2>&1
grep -q 'marker "child"' "$dir/child.dump" && ! grep -q 'marker "parent"' "$dir/child.dump" || fail "child capture markers"
grep -q 'marker "parent"' "$dir/parent.dump" && ! grep -q 'marker "child"' "$dir/parent.dump" || fail "parent capture markers"
grep -m1 -E " (pause|resume)$| marker | alloc " "$dir/child.dump" | grep -q " pause$" || fail "the child's capture does not start paused"

# ---- ctl errors: exit 2 with one line ----
"$memtrace" ctl 999999999 pause 2>"$dir/err"; rc=$?
[ $rc = 2 ] && grep -q "bad PID\|no process" "$dir/err" || fail "ctl bad pid: $rc $(cat "$dir/err")"
sleep 30 & idle=$!
"$memtrace" ctl "$idle" pause 2>"$dir/err"; rc=$?
kill $idle 2>/dev/null
[ $rc = 2 ] && grep -q "is not traced" "$dir/err" || fail "ctl untraced process: $rc $(cat "$dir/err")"
"$memtrace" ctl "$$" frobnicate 2>"$dir/err"; rc=$?
[ $rc = 2 ] && grep -q "unknown action" "$dir/err" || fail "ctl bad action: $rc $(cat "$dir/err")"
"$memtrace" ctl "$pid" pause 2>"$dir/err"; rc=$?
[ $rc = 2 ] && [ "$(wc -l <"$dir/err")" = 1 ] || fail "ctl on an ended process: $rc $(cat "$dir/err")"

[ $failures = 0 ] && echo "control: all checks passed"
exit $((failures > 0))
