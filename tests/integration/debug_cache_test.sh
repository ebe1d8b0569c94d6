#!/usr/bin/env bash
# The symbolizer's cache of inflated debug files (reader/debug_cache.h), on libc's real,
# zlib-compressed debug file (libc6-dbg, which valgrind brings along): the first command
# writes the inflated copy, later ones read it, and every output is byte-identical to a run
# without the cache, also when the cached file is truncated, foreign or cannot be written.
# usage: debug_cache_test.sh MEMTRACE
set -u
memtrace=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

libc=$(ldd /bin/true | awk '/libc\.so/ {print $3}')
id=$(readelf -n "$libc" | awk '/Build ID/ {print $3}')
system_debug=/usr/lib/debug/.build-id/${id:0:2}/${id:2}.debug
[ -n "$id" ] && [ -f "$system_debug" ] || {
    echo "FAIL: no debug file for $libc (Debian package libc6-dbg; scripts/setup.sh installs it with valgrind)"; exit 1; }
readelf -S -W "$system_debug" 2>/dev/null | grep -q '\.debug_info .* C ' || {
    echo "FAIL: $system_debug has no compressed .debug_info: this test cannot show the cache at work"; exit 1; }

# A program whose stdout buffer is allocated inside libc (_IO_file_doallocate) and never freed.
cat >"$work/hello.c" <<'C'
#include <stdio.h>
int main(void) { printf("hello\n"); return 0; }
C
cc -g -O1 -o "$work/hello" "$work/hello.c" || { echo "FAIL: cc"; exit 1; }
"$memtrace" run -o "$work/hello.mtrace" -- "$work/hello" >/dev/null 2>&1 || { echo "FAIL: memtrace run"; exit 1; }

summary() { "$memtrace" summary "$work/hello.mtrace" 2>"$work/stderr"; }
cached="$work/cache/$id.debug"
expected=$(MEMTRACE_DEBUG_CACHE=off summary)
grep -q "_IO_file_doallocate  .*filedoalloc\.c:[0-9]" <<<"$expected" ||
    { echo "FAIL: libc's frame has no file:line even without the cache:"; echo "$expected"; exit 1; }
[ ! -e "$work/cache" ] || fail "MEMTRACE_DEBUG_CACHE=off wrote $work/cache"

check() {  # check WHAT OUTPUT: byte-identical to the uncached summary, nothing on stderr
    if [ "$2" == "$expected" ] && [ ! -s "$work/stderr" ]; then echo "ok: $1"
    else fail "$1: output differs from the uncached run"; diff <(echo "$expected") <(echo "$2") | head; cat "$work/stderr"; fi
}
inflated() {  # the cached copy has libc's debug sections, none of them compressed
    local sections
    sections=$(readelf -S -W "$cached" 2>/dev/null)
    grep -q '\.debug_info ' <<<"$sections" && ! grep '^ *\[' <<<"$sections" | grep -q ' C '
}

check "first run, writing the cache" "$(MEMTRACE_DEBUG_CACHE="$work/cache" summary)"
inflated && echo "ok: $cached holds libc's debug info inflated" || fail "no inflated copy at $cached"
size=$(stat -c %s "$cached" 2>/dev/null || echo 0)
command -v strace >/dev/null || { echo "FAIL: strace missing (Debian package strace; scripts/setup.sh installs it)"; exit 1; }
check "second run, reading the cache" \
    "$(MEMTRACE_DEBUG_CACHE="$work/cache" strace -f -e trace=openat -o "$work/opens" "$memtrace" summary "$work/hello.mtrace" 2>"$work/stderr")"
grep -q "$cached" "$work/opens" && ! grep -q "$system_debug" "$work/opens" &&
    echo "ok: the second run opened the cached copy, not $system_debug" || fail "the second run did not read the cached copy"

truncate -s $((size / 2)) "$cached"
check "truncated cached file" "$(MEMTRACE_DEBUG_CACHE="$work/cache" summary)"
[ "$(stat -c %s "$cached")" == "$size" ] && echo "ok: the truncated copy was replaced" || fail "the truncated copy was not replaced"

cp "$(ldd /bin/true | awk '/ld-linux/ {print $1}')" "$cached" 2>/dev/null || cp /bin/true "$cached"
check "a foreign file under libc's build-id" "$(MEMTRACE_DEBUG_CACHE="$work/cache" summary)"
inflated && [ "$(stat -c %s "$cached")" == "$size" ] && echo "ok: the foreign file was replaced" || fail "the foreign file was not replaced"

touch "$work/not-a-directory"
check "a cache directory that cannot be made" "$(MEMTRACE_DEBUG_CACHE="$work/not-a-directory/cache" summary)"

check "the XDG_CACHE_HOME default" "$(unset MEMTRACE_DEBUG_CACHE; XDG_CACHE_HOME="$work/xdg" summary)"
[ -f "$work/xdg/memtrace/debuginfo/$id.debug" ] && echo "ok: XDG_CACHE_HOME/memtrace/debuginfo" || fail "nothing in XDG_CACHE_HOME"
check "the HOME default" "$(unset MEMTRACE_DEBUG_CACHE XDG_CACHE_HOME; HOME="$work/home" summary)"
[ -f "$work/home/.cache/memtrace/debuginfo/$id.debug" ] && echo "ok: HOME/.cache/memtrace/debuginfo" || fail "nothing in HOME/.cache"
exit $failures
