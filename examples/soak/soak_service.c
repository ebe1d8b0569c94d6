// A service for soak tests (tests/soak, docs/SOAK.md): one slowly growing, reachable cache
// among noisy bounded caches and short-lived request buffers.
//
//   soak_service ITERATIONS CHURN [KILL_AT [timed|term]]
//
// Every iteration (paced to one per millisecond, so the run lasts ~ITERATIONS ms whatever
// CHURN is):
//   - remember_session() appends one 96-byte session record to a linked list that is never
//     trimmed: the reachable growth a soak test must find (96 B/ms = ~330 MiB/h);
//   - the three bounded caches (lookup 64 slots, render 256 slots, auth 32 slots) each
//     replace one random slot with a block of random size (64..4095 B): they jump up and down
//     by kilobytes but never grow past their capacity (filled in 256 warm-up steps first);
//   - handle_request() makes CHURN allocations of 32..543 B and frees them all (temporary).
// The random numbers come from a fixed-seed xorshift, so every run allocates the same sizes
// in the same order. At exit the bounded caches are freed; the session list stays live
// ("live at end": ITERATIONS blocks of 96 bytes). KILL_AT > 0: SIGKILL itself at that iteration
// (SIGTERM with "term"), after its caches' update and before its session: KILL_AT sessions and
// the 352 cache blocks are live then.
// "timed" (bench/soak_long.sh): stop after ITERATIONS ms of wall time even if a loaded
// machine let fewer iterations run, so a long benchmark ends on time.
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../example_output.h"

struct session {
    struct session* next;
    char payload[88];
};

static struct session* g_sessions;
static uint64_t g_rng = 0x9e3779b97f4a7c15ull;

static uint64_t next_random(void)
{
    g_rng ^= g_rng << 13;
    g_rng ^= g_rng >> 7;
    g_rng ^= g_rng << 17;
    return g_rng;
}

__attribute__((noinline)) static void remember_session(uint64_t id)
{
    struct session* s = malloc(sizeof *s);
    s->payload[0] = (char)id;
    s->next = g_sessions;
    g_sessions = s;
}

struct bounded_cache {
    void** slots;
    size_t capacity;
};

static void* cache_block(void)
{
    return malloc(64 + next_random() % 4032);
}

__attribute__((noinline)) static void* lookup_cache_fill(void) { return cache_block(); }
__attribute__((noinline)) static void* render_cache_fill(void) { return cache_block(); }
__attribute__((noinline)) static void* auth_cache_fill(void) { return cache_block(); }

// `rounds` times: replaces one slot of each cache, in order during the first 256 rounds of
// the run (the warm-up that fills every slot), at random afterwards. Warm-up and steady state
// share this one call path, so each cache is one stack from its first block on (a cache filled
// from another call site would look like growth while its blocks migrate between stacks).
__attribute__((noinline, noclone)) static void update_caches(struct bounded_cache* caches, void* (*const* fills)(void),
                                                            unsigned rounds)
{
    static unsigned done;
    for (unsigned r = 0; r < rounds; ++r, ++done) {
        // Slots first, then one unconditional loop: a condition around the allocating call
        // would let the compiler duplicate it, giving the warm-up its own return address.
        size_t slots[3];
        for (int c = 0; c < 3; ++c) slots[c] = (done < 256 ? done : next_random()) % caches[c].capacity;
        for (int c = 0; c < 3; ++c) {
            free(caches[c].slots[slots[c]]);
            caches[c].slots[slots[c]] = fills[c]();
        }
    }
}

__attribute__((noinline)) static void handle_request(unsigned churn)
{
    void* buffers[64];
    for (unsigned done = 0; done < churn;) {
        unsigned n = churn - done < 64 ? churn - done : 64;
        for (unsigned i = 0; i < n; ++i) buffers[i] = malloc(32 + next_random() % 512);
        for (unsigned i = 0; i < n; ++i) free(buffers[i]);
        done += n;
    }
}

static void sleep_until(const struct timespec* start, uint64_t offsetUs)
{
    struct timespec at = *start;
    at.tv_sec += (time_t)(offsetUs / 1000000);
    at.tv_nsec += (long)(offsetUs % 1000000) * 1000;
    if (at.tv_nsec >= 1000000000L) {
        at.tv_sec += 1;
        at.tv_nsec -= 1000000000L;
    }
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &at, NULL) != 0) {
    }
}

int main(int argc, char** argv)
{
    const unsigned iterations = argc > 1 ? (unsigned)strtoul(argv[1], NULL, 10) : 3000;
    const unsigned churn = argc > 2 ? (unsigned)strtoul(argv[2], NULL, 10) : 16;
    const unsigned killAt = argc > 3 ? (unsigned)strtoul(argv[3], NULL, 10) : 0;
    const int timed = argc > 4 && strcmp(argv[4], "timed") == 0;
    const int killSignal = argc > 4 && strcmp(argv[4], "term") == 0 ? SIGTERM : SIGKILL;

    void* lookupSlots[64] = {0};
    void* renderSlots[256] = {0};
    void* authSlots[32] = {0};
    struct bounded_cache caches[3] = {{lookupSlots, 64}, {renderSlots, 256}, {authSlots, 32}};
    void* (*const fills[3])(void) = {lookup_cache_fill, render_cache_fill, auth_cache_fill};

    struct timespec start;
    clock_gettime(CLOCK_MONOTONIC, &start);
    // volatile: the compiler must not peel the first iteration into a second call site.
    volatile unsigned rounds = 256;  // the first call fills every slot
    unsigned done = 0;
    for (unsigned i = 0; i < iterations; ++i, ++done) {
        update_caches(caches, fills, rounds);
        rounds = 1;
        if (killAt && i == killAt) raise(killSignal);
        if (timed && (i & 1023) == 0) {
            struct timespec now;
            clock_gettime(CLOCK_MONOTONIC, &now);
            const int64_t elapsedMs = (int64_t)(now.tv_sec - start.tv_sec) * 1000 + (now.tv_nsec - start.tv_nsec) / 1000000;
            if (elapsedMs >= (int64_t)iterations) {
                say("soak_service: stopped on time after %u iterations\n", i);
                break;
            }
        }
        remember_session(i);
        handle_request(churn);
        sleep_until(&start, (uint64_t)(i + 1) * 1000);
    }

    for (int c = 0; c < 3; ++c)
        for (size_t i = 0; i < caches[c].capacity; ++i) free(caches[c].slots[i]);
    say("soak_service: %u iterations, churn %u\n", done, churn);
    return 0;
}
