// handoff_pingpong: a producer thread allocates 48-byte blocks and hands each to a consumer
// thread through a one-slot mailbox; the consumer frees it at once. Once the consumer's
// per-thread cache for that size is full, its frees go back to the producer's arena, and the
// producer's next malloc gets the address the consumer has just freed: addresses cross
// threads every few microseconds, many times within one time tick of the capture. A capture
// must still show every allocation before its free and every free before the reuse of its
// address (no anomalies, no unmatched frees) - the order the writer keeps when it emits runs
// of one thread's events (preload/tick_ownership.h).
//
// Exact allocations (malloc / free only):
//   producer: 200000 x malloc(48) = 9600000 B, all freed by the consumer
//   malloc: 200000 calls, 9600000 B;  free: 200000 calls;  leaked: 0
// Prints "handoff_pingpong: 200000 blocks handed over" and exits 0.
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "example_output.h"

enum { kBlocks = 200000, kSize = 48 };

static _Atomic(void*) mailbox;

static void wait_a_little(unsigned* spins)
{
    if (++*spins % 64 == 0) sched_yield();  // the writer thread may need the core
}

__attribute__((noinline)) static void* consumer(void* unused)
{
    (void)unused;
    for (int i = 0; i < kBlocks; ++i) {
        void* block;
        unsigned spins = 0;
        while (!(block = atomic_exchange_explicit(&mailbox, NULL, memory_order_acquire))) wait_a_little(&spins);
        free(block);
    }
    return NULL;
}

__attribute__((noinline)) static void produce(void)
{
    for (int i = 0; i < kBlocks; ++i) {
        char* block = malloc(kSize);
        if (!block) abort();
        block[0] = (char)i;
        unsigned spins = 0;
        while (atomic_load_explicit(&mailbox, memory_order_relaxed)) wait_a_little(&spins);
        atomic_store_explicit(&mailbox, block, memory_order_release);
    }
}

int main(void)
{
    pthread_t thread;
    if (pthread_create(&thread, NULL, consumer, NULL) != 0) return 1;
    produce();
    pthread_join(thread, NULL);
    say("handoff_pingpong: %d blocks handed over\n", kBlocks);
    return 0;
}
