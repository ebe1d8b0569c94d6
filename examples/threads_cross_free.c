// threads_cross_free: 4 worker threads x 1000 allocations each; half of every thread's blocks
// are freed by the thread itself, the other half are handed to the next thread through a
// queue and freed there.
//
// Exact allocations (malloc / free only):
//   worker t (t = 0..3) allocates 1000 blocks of 100 + t B
//   malloc: 4000 calls, 1000 * (100 + 101 + 102 + 103) = 406000 B
//   free:   4000 calls (2000 on the allocating thread, 2000 on the next thread)
//   leaked: 0 blocks
// The queues are fixed arrays (no allocation). pthread_create itself may allocate
// (thread-local storage); that is runtime noise, not this program's.
// Prints "threads_cross_free: 4 threads, 4000 blocks, 2000 handed over" and exits 0.
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "example_output.h"

enum {
    kThreads = 4,
    kBlocksPerThread = 1000,
    kHandedOver = kBlocksPerThread / 2,
    kBaseSize = 100,
};

// A thread's inbox: blocks another thread allocated and this one must free. Large enough
// for every block it will ever receive, so a sender never waits.
struct Inbox {
    pthread_mutex_t lock;
    pthread_cond_t filled;
    void* blocks[kHandedOver];
    int count;
    int taken;
};

static struct Inbox inboxes[kThreads];
static int handed_over[kThreads];

static void send_block(struct Inbox* inbox, void* block)
{
    pthread_mutex_lock(&inbox->lock);
    inbox->blocks[inbox->count++] = block;
    pthread_cond_signal(&inbox->filled);
    pthread_mutex_unlock(&inbox->lock);
}

static void* take_block(struct Inbox* inbox)
{
    pthread_mutex_lock(&inbox->lock);
    while (inbox->taken == inbox->count) pthread_cond_wait(&inbox->filled, &inbox->lock);
    void* block = inbox->blocks[inbox->taken++];
    pthread_mutex_unlock(&inbox->lock);
    return block;
}

__attribute__((noinline)) static void* worker(void* argument)
{
    const int self = (int)(intptr_t)argument;
    const size_t size = kBaseSize + (size_t)self;
    struct Inbox* next = &inboxes[(self + 1) % kThreads];
    for (int i = 0; i < kBlocksPerThread; ++i) {
        char* block = malloc(size);
        memset(block, self, size);
        if (i % 2 == 0) {
            free(block);
        } else {
            send_block(next, block);
        }
    }
    for (int i = 0; i < kHandedOver; ++i) {
        free(take_block(&inboxes[self]));
        ++handed_over[self];
    }
    return NULL;
}

int main(void)
{
    pthread_t threads[kThreads];
    for (int t = 0; t < kThreads; ++t) {
        pthread_mutex_init(&inboxes[t].lock, NULL);
        pthread_cond_init(&inboxes[t].filled, NULL);
    }
    for (int t = 0; t < kThreads; ++t) {
        if (pthread_create(&threads[t], NULL, worker, (void*)(intptr_t)t) != 0) return 1;
    }
    int total_handed_over = 0;
    for (int t = 0; t < kThreads; ++t) {
        pthread_join(threads[t], NULL);
        total_handed_over += handed_over[t];
    }
    say("threads_cross_free: %d threads, %d blocks, %d handed over\n", kThreads,
        kThreads * kBlocksPerThread, total_handed_over);
    return 0;
}
