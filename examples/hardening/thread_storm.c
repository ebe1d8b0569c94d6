// thread_storm THREADS BLOCKS: THREADS threads each malloc BLOCKS blocks and hand every one to
// the next thread (t -> t+1 mod THREADS) through a lock-free single-producer ring; the
// receiver frees it. Every block is freed by another thread than the one that allocated it.
// Thread t's blocks are 32 + t bytes. Exact totals (malloc / free only):
//   malloc: THREADS * BLOCKS calls, BLOCKS * sum(32 + t, t < THREADS) bytes
//   free:   THREADS * BLOCKS calls; leaked 0
// (32 threads x 312500 blocks = 20 million events.) The rings are static arrays.
// Prints "thread_storm: T threads, N blocks, B bytes" and exits 0.
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>

#include "../example_output.h"

enum { kMaxThreads = 64, kRing = 4096 };

struct Inbox {
    _Atomic uint64_t head;  // written by the sender
    char pad1[56];
    _Atomic uint64_t tail;  // written by the receiver
    char pad2[56];
    void* slots[kRing];
};

static struct Inbox inboxes[kMaxThreads];
static atomic_int producers_done[kMaxThreads];
static int threads;
static long blocks;

static int drain(struct Inbox* in)
{
    const uint64_t tail = atomic_load_explicit(&in->tail, memory_order_relaxed);
    const uint64_t head = atomic_load_explicit(&in->head, memory_order_acquire);
    for (uint64_t i = tail; i < head; ++i) free(in->slots[i % kRing]);
    atomic_store_explicit(&in->tail, head, memory_order_release);
    return head != tail;
}

static void* worker(void* arg)
{
    const int self = (int)(intptr_t)arg;
    struct Inbox* out = &inboxes[(self + 1) % threads];
    struct Inbox* in = &inboxes[self];
    for (long i = 0; i < blocks; ++i) {
        void* block = malloc(32 + (size_t)self);
        *(volatile char*)block = 1;
        const uint64_t head = atomic_load_explicit(&out->head, memory_order_relaxed);
        while (head - atomic_load_explicit(&out->tail, memory_order_acquire) >= kRing) {
            if (!drain(in)) sched_yield();
        }
        out->slots[head % kRing] = block;
        atomic_store_explicit(&out->head, head + 1, memory_order_release);
        if ((i & 63) == 0) drain(in);
    }
    atomic_store(&producers_done[(self + 1) % threads], 1);
    while (!atomic_load(&producers_done[self]) || drain(in)) {
        if (!drain(in)) sched_yield();
    }
    drain(in);
    return NULL;
}

int main(int argc, char** argv)
{
    threads = argc > 1 ? atoi(argv[1]) : 32;
    blocks = argc > 2 ? atol(argv[2]) : 1000;
    if (threads < 1 || threads > kMaxThreads || blocks < 0) return 2;
    pthread_t ids[kMaxThreads];
    for (int t = 0; t < threads; ++t) pthread_create(&ids[t], NULL, worker, (void*)(intptr_t)t);
    for (int t = 0; t < threads; ++t) pthread_join(ids[t], NULL);
    long long bytes = 0;
    for (int t = 0; t < threads; ++t) bytes += (long long)blocks * (32 + t);
    say("thread_storm: %d threads, %lld blocks, %lld bytes\n", threads, (long long)threads * blocks, bytes);
    return 0;
}
