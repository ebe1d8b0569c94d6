// many_live: a heap of many small live blocks, far more than fit a reader's live table in
// cache (capture_stream.h reads such a capture on one CPU by decoding each chunk ahead and
// replaying it with prefetches, a smaller one straight into the model). Two rounds: allocate
// 100000 blocks, all live at once, then free them in an order that jumps around the heap.
//
// Exact allocations (malloc / free only):
//   round r (r = 0, 1), block i (i = 0..99999): malloc(16 + i % 64)
//   malloc: 200000 calls, 2 * (100000 * 16 + (sum of i % 64 for i < 100000)) B
//           sum of i % 64 = 1562 * 2016 + (0 + ... + 31) = 3148992 + 496 = 3149488
//           = 2 * (1600000 + 3149488) = 9498976 B
//   free:   200000 calls (block (i * 7919) % 100000 at step i: 7919 is prime to 100000)
//   leaked: 0 blocks; peak heap: one round, 4749488 B
// The pointer array is a static array (no allocation). Prints
// "many_live: 2 rounds of 100000 live blocks" and exits 0.
#include <stdlib.h>

#include "example_output.h"

enum {
    kRounds = 2,
    kBlocks = 100000,
    kStride = 7919,
};

static char* blocks[kBlocks];

__attribute__((noinline)) static void allocate_all(void)
{
    for (int i = 0; i < kBlocks; ++i) {
        blocks[i] = malloc(16 + (size_t)(i % 64));
        blocks[i][0] = (char)i;
    }
}

__attribute__((noinline)) static void free_all_scattered(void)
{
    for (long i = 0; i < kBlocks; ++i) free(blocks[(i * kStride) % kBlocks]);
}

int main(void)
{
    for (int round = 0; round < kRounds; ++round) {
        allocate_all();
        free_all_scattered();
    }
    say("many_live: %d rounds of %d live blocks\n", kRounds, kBlocks);
    return 0;
}
