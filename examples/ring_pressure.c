// ring_pressure: two threads allocate as fast as they can and hand half of their blocks to
// each other, so that their event rings fill faster than the writer thread empties them
// (run it on one CPU: `taskset -c 0 memtrace run ./ring_pressure`). The program threads then
// drain the rings themselves (preload/writer_thread.h, helpDrain), and the capture must stay
// exact: every allocation before its free, every free before the reuse of its address, also
// where a block freed by the other thread comes back from the freeing thread's cache.
//
// Exact allocations (malloc / free only):
//   thread t (t = 0, 1) allocates 400000 blocks of 40 + 16 t B
//   malloc: 800000 calls, 400000 * (40 + 56) = 38400000 B
//   free:   800000 calls (even blocks on the allocating thread at once, odd ones by the
//           other thread, in batches of up to 256 taken from its inbox)
//   leaked: 0 blocks
// The inboxes are fixed arrays (no allocation). Prints
// "ring_pressure: 800000 blocks, 400000 handed over" and exits 0.
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "example_output.h"

enum {
    kThreads = 2,
    kBlocksPerThread = 400000,
    kHandedOver = kBlocksPerThread / 2,
    kBatch = 256,
};

struct Inbox {
    pthread_mutex_t lock;
    void* blocks[kHandedOver];
    int count;
    int taken;
};

static struct Inbox inboxes[kThreads];
static int freed_for_other[kThreads];
static pthread_barrier_t all_allocated;

// Frees up to `limit` blocks waiting in the inbox (all of them if limit < 0).
static void free_inbox(int self, int limit)
{
    struct Inbox* inbox = &inboxes[self];
    void* batch[kBatch];
    for (;;) {
        pthread_mutex_lock(&inbox->lock);
        int n = 0;
        while (n < kBatch && inbox->taken < inbox->count && (limit < 0 || n < limit)) batch[n++] = inbox->blocks[inbox->taken++];
        pthread_mutex_unlock(&inbox->lock);
        for (int i = 0; i < n; ++i) free(batch[i]);
        freed_for_other[self] += n;
        if (n == 0 || limit >= 0) return;
    }
}

__attribute__((noinline)) static void* worker(void* argument)
{
    const int self = (int)(intptr_t)argument;
    const size_t size = 40 + 16 * (size_t)self;
    struct Inbox* other = &inboxes[(self + 1) % kThreads];
    for (int i = 0; i < kBlocksPerThread; ++i) {
        char* block = malloc(size);
        block[0] = (char)i;
        if (i % 2 == 0) {
            free(block);
        } else {
            pthread_mutex_lock(&other->lock);
            other->blocks[other->count++] = block;
            pthread_mutex_unlock(&other->lock);
        }
        if (i % kBatch == 0) free_inbox(self, kBatch);
    }
    pthread_barrier_wait(&all_allocated);
    free_inbox(self, -1);
    return NULL;
}

int main(void)
{
    pthread_t threads[kThreads];
    pthread_barrier_init(&all_allocated, NULL, kThreads);
    for (int t = 0; t < kThreads; ++t) pthread_mutex_init(&inboxes[t].lock, NULL);
    for (int t = 0; t < kThreads; ++t) {
        if (pthread_create(&threads[t], NULL, worker, (void*)(intptr_t)t) != 0) return 1;
    }
    int handed_over = 0;
    for (int t = 0; t < kThreads; ++t) {
        pthread_join(threads[t], NULL);
        handed_over += freed_for_other[t];
    }
    say("ring_pressure: %d blocks, %d handed over\n", kThreads * kBlocksPerThread, handed_over);
    return 0;
}
