#!/usr/bin/env bash
# A program built with clang (which writes no .debug_aranges) gets file:line in reports, not
# only function names: the symbolizer finds the compile unit through its own index of the
# CUs' address ranges (reader/cu_index.h). Built with DWARF 5 (clang 14's default) and 4.
# usage: clang_symbols_test.sh MEMTRACE
set -u
memtrace=$1
command -v clang >/dev/null || { echo "FAIL: clang missing (Debian package clang; scripts/setup.sh installs it)"; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cat >"$work/leak.c" <<'C'
#include <stdlib.h>
void* volatile kept;
__attribute__((noinline)) void leak_here(void) { kept = malloc(77); }
int main(void) { leak_here(); return 0; }
C
failures=0
for dwarf in 5 4; do
    clang -g -gdwarf-$dwarf -O1 -o "$work/leak$dwarf" "$work/leak.c" || { echo "FAIL: clang -gdwarf-$dwarf"; exit 1; }
    "$memtrace" run -o "$work/leak$dwarf.mtrace" -- "$work/leak$dwarf" 2>/dev/null
    out=$("$memtrace" leaks "$work/leak$dwarf.mtrace")
    if grep -q "leak_here  .*leak.c:3" <<<"$out" && grep -q "main  .*leak.c:4" <<<"$out"; then
        echo "ok: DWARF $dwarf: leak_here leak.c:3, main leak.c:4"
    else
        echo "FAIL: DWARF $dwarf: no file:line for the clang-built frames:"; echo "$out"
        failures=$((failures + 1))
    fi
done
exit $failures
