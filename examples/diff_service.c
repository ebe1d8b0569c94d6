// diff_service: one source, three builds, for `memtrace diff` (tests/diff/):
//   diff_service_base            the "before" build
//   diff_service_head            -DHEAD=1: the cache holds 80 entries instead of 16, and the
//                                sessions are closed instead of leaked
//   diff_service_head_shifted    -DHEAD=1 -DSHIFT=1: the same code as head, with a function and
//                                lines inserted above it (#line), so every address and line moves
//
// Exact allocations (malloc/free; every function is noipa so stacks are main -> function):
//   serve_requests   100 x 128 B, each freed at once                   same in all builds
//   open_sessions      8 x 512 B = 4096 B   base: leaked; head: freed by close_sessions
//                                           before the peak
//   fill_cache        base 16, head 80 x 1024 B (16384 / 81920 B), live during build_index,
//                     freed by clear_cache
//   build_index        1 x 1 MiB (1048576 B), freed; the heap peak is inside it
//
//              peak heap   leaked        allocated   allocations
//   base       1069056     4096 (8)      1081856     125
//   head       1130496     0             1147392     189
//   change     +61440      -4096         +65536      +64
// Temporary allocations (freed before their thread allocated again): base 101 (each request,
// the last cache entry), head 102 (plus the last session).
// Per stack (head - base): fill_cache peak +65536, allocated +65536, allocations +64;
// open_sessions peak -4096, leaked -4096 (8 blocks), allocated 0, allocations 0.
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "example_output.h"

#ifndef HEAD
#define HEAD 0
#endif
#ifndef SHIFT
#define SHIFT 0
#endif

#if SHIFT
// Inserted above the interesting code: moves every following function's address and line.
// It allocates nothing, so it adds no stack of its own.
__attribute__((noipa)) static unsigned shifted_checksum(const char* text)
{
    unsigned sum = 0;
    for (const char* p = text; *p; ++p) {
        sum = sum * 31u + (unsigned char)*p;
        sum ^= sum >> 7;
    }
    return sum;
}

static const char* const kShiftNote = "this build has a different layout";

// Code removed by the preprocessor does not renumber the lines after it; a real edit above
// the code does. #line makes this build's line table look like one: everything below sits
// ~400 lines further down, as if a few hundred lines had been inserted here.
#line 500
#endif

enum {
    kRequests = 100,
    kRequestSize = 128,
    kSessions = 8,
    kSessionSize = 512,
    kCacheEntries = HEAD ? 80 : 16,
    kCacheEntrySize = 1024,
    kIndexSize = 1 << 20,
};

// Stores a pointer where the compiler must assume it is used, so the malloc calls stay.
static void* volatile sink;
static char* sessions[kSessions];
static char* cache[kCacheEntries];

__attribute__((noipa)) static size_t serve_requests(void)
{
    size_t served = 0;
    for (int i = 0; i < kRequests; ++i) {
        char* request = malloc(kRequestSize);
        memset(request, 'q', kRequestSize);
        sink = request;
        served += request[kRequestSize - 1] == 'q';
        free(request);
    }
    return served;
}

__attribute__((noipa)) static void open_sessions(void)
{
    for (int i = 0; i < kSessions; ++i) {
        sessions[i] = malloc(kSessionSize);
        memset(sessions[i], 's', kSessionSize);
    }
}

__attribute__((noipa)) static void close_sessions(void)
{
    for (int i = 0; i < kSessions; ++i) {
        free(sessions[i]);
        sessions[i] = NULL;
    }
}

__attribute__((noipa)) static void fill_cache(void)
{
    for (int i = 0; i < kCacheEntries; ++i) {
        cache[i] = malloc(kCacheEntrySize);
        memset(cache[i], 'c', kCacheEntrySize);
    }
}

__attribute__((noipa)) static void clear_cache(void)
{
    for (int i = 0; i < kCacheEntries; ++i) {
        free(cache[i]);
        cache[i] = NULL;
    }
}

__attribute__((noipa)) static size_t build_index(void)
{
    unsigned char* index = malloc(kIndexSize);
    memset(index, 0xab, kIndexSize);
    sink = index;
    size_t checksum = index[kIndexSize / 2] == 0xab ? kIndexSize : 0;
    free(index);
    return checksum;
}

int main(void)
{
    size_t served = serve_requests();
    open_sessions();
    if (HEAD) close_sessions();  // base forgets to: the sessions leak
    fill_cache();
    size_t index = build_index();
    clear_cache();
    sink = NULL;
#if SHIFT
    sink = (void*)(uintptr_t)shifted_checksum(kShiftNote);
    sink = NULL;
#endif
    say("diff_service: served %zu requests, %d cache entries, index of %zu bytes\n", served, (int)kCacheEntries, index);
    return 0;
}
