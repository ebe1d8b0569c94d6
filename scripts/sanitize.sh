#!/usr/bin/env bash
# Sanitizer pass (issue 7), each in its own build directory, building only what it runs:
#   ASan + UBSan (clang): the reader's unit tests, the fuzz replay of seeds and crashers, the
#     cut/flip damage test, and 25 s of libFuzzer on each fuzz target (file, chunk payload).
#   TSan: the shim's lock-free building blocks (tests/preload: rings, stack table, clock,
#     config) and the reader's two-thread chunk pipeline (fuzz replay).
# usage: scripts/sanitize.sh [asan|tsan|asan-build]...   (default: asan tsan)
# Build directories: $MEMTRACE_ASAN_BUILD (build/asan), $MEMTRACE_TSAN_BUILD (build/tsan).
set -euo pipefail
cd "$(dirname "$0")/.."
asan_dir=${MEMTRACE_ASAN_BUILD:-build/asan}
tsan_dir=${MEMTRACE_TSAN_BUILD:-build/tsan}
jobs=$(nproc)
launcher=()
command -v ccache >/dev/null 2>&1 && launcher=(-DCMAKE_C_COMPILER_LAUNCHER=ccache -DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
# Every report is an error, with a stack; a UBSan finding stops the test like an ASan one.
export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1:strict_string_checks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export TSAN_OPTIONS=${TSAN_OPTIONS:-halt_on_error=1:second_deadlock_stack=1}

build_asan() {
    command -v clang++ >/dev/null || { echo "sanitize: clang++ missing (Debian package clang)"; exit 1; }
    local flags="-O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all"
    # fuzzer-no-link: coverage counters in the reader so libFuzzer can steer; inert otherwise.
    cmake -S . -B "$asan_dir" -DCMAKE_BUILD_TYPE=Debug "${launcher[@]}" \
        -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ \
        -DCMAKE_C_FLAGS="$flags" -DCMAKE_CXX_FLAGS="$flags -fsanitize=fuzzer-no-link" \
        -DMEMTRACE_FUZZ=ON >/dev/null
    cmake --build "$asan_dir" -j"$jobs" --target \
        memtrace_unit_tests memtrace_fuzz_replay memtrace_payload_fuzz_replay memtrace_capture_damage_test \
        memtrace_capture_fuzzer memtrace_payload_fuzzer
}

run_asan() {
    build_asan
    # unit.cli needs the memtrace command, which brings the shim: not built here.
    # unit.symbolizer_test looks up its own clang-built code: its inline-frame case fails on
    # clang 14's DWARF (a reader limitation, docs/RELIABILITY.md), so it runs in the gcc build only.
    ctest --test-dir "$asan_dir" --output-on-failure -j"$jobs" -R '^(unit\.|fuzz\.)' \
        -E '^unit\.(cli|symbolizer_test)$'
}

run_tsan() {
    local flags="-O1 -g -fno-omit-frame-pointer -fsanitize=thread"
    cmake -S . -B "$tsan_dir" -DCMAKE_BUILD_TYPE=Debug "${launcher[@]}" \
        -DCMAKE_C_FLAGS="$flags" -DCMAKE_CXX_FLAGS="$flags" >/dev/null
    # Every shim unit test (tests/preload names its executables test_*) but test_cfi_walk: it
    # checks stacks against libunwind, whose (uninstrumented) thread-exit destructor crashes
    # under TSan, and it has no shared state of its own to race on.
    local shim_tests
    shim_tests=$(cmake --build "$tsan_dir" --target help | sed -n 's/^\.\.\. \(test_[a-z0-9_]*\).*/\1/p' | grep -v '^test_cfi_walk$')
    cmake --build "$tsan_dir" -j"$jobs" --target $shim_tests memtrace_fuzz_replay
    ctest --test-dir "$tsan_dir" --output-on-failure -j"$jobs" -R '^(preload\.|fuzz\.replay$)' -E '^preload\.test_cfi_walk$'
}

passes=("$@")
[ ${#passes[@]} -gt 0 ] || passes=(asan tsan)
for pass in "${passes[@]}"; do
    case $pass in
        asan) run_asan ;;
        asan-build) build_asan ;;  # for scripts/fuzz_long.sh
        tsan) run_tsan ;;
        *) echo "usage: $0 [asan|tsan]..."; exit 2 ;;
    esac
done
echo "sanitize: ${passes[*]} passed"
