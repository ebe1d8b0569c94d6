// realloc_chain: one block grown through realloc, then released with realloc(p, 0); then a
// malloc'd block shrunk with realloc and freed.
//
// Exact calls (sizes are the requested ones):
//   realloc(NULL, 24)                         allocation only, no release
//   100 x realloc(p, 24 + 40 * i), i = 1..100 each releases the old block: 64 ... 4024 B
//   realloc(p, 0)                             release only (glibc frees p, returns NULL)
//   malloc(100000)
//   realloc(q, 50000)                         shrink, releases the old block
//   free(q)
//
//   realloc calls that allocate: 1 + 100 + 1 = 102, bytes 24 + (100 * 24 + 40 * 5050) + 50000
//                                = 24 + 204400 + 50000 = 254424 B
//   (realloc(p, 0) is a realloc call that releases without allocating)
//   malloc: 1 call, 100000 B
//   allocations (allocating calls): 103, allocated bytes 354424 B
//   frees: 100 (growth) + 1 (realloc(p, 0)) + 1 (shrink) + 1 (free) = 103
//   leaked: 0; peak heap: 100000 B (the malloc'd block; the chain peaks at 4024 B)
// Prints "realloc_chain: grew to 4024 bytes, shrank 100000 to 50000" and exits 0.
#include <stdlib.h>
#include <string.h>

#include "example_output.h"

enum {
    kInitialSize = 24,
    kGrowthSteps = 100,
    kGrowthStep = 40,
    kBigSize = 100000,
    kShrunkSize = 50000,
};

static void* volatile sink;
static void* volatile no_block = NULL;

__attribute__((noinline)) static size_t grow_chain(void)
{
    // Through a volatile: g++ and gcc fold a literal realloc(NULL, n) into malloc(n).
    char* block = realloc(no_block, kInitialSize);
    memset(block, 1, kInitialSize);
    size_t size = kInitialSize;
    for (int i = 1; i <= kGrowthSteps; ++i) {
        size = kInitialSize + (size_t)kGrowthStep * (size_t)i;
        block = realloc(block, size);
        block[size - 1] = (char)i;
    }
    sink = block;
    block = realloc(block, 0);  // glibc: frees the block and returns NULL
    sink = block;
    return size;
}

__attribute__((noinline)) static void shrink_block(void)
{
    char* block = malloc(kBigSize);
    memset(block, 2, kBigSize);
    block = realloc(block, kShrunkSize);
    sink = block;
    free(block);
}

int main(void)
{
    size_t grown = grow_chain();
    shrink_block();
    say("realloc_chain: grew to %zu bytes, shrank %d to %d\n", grown, kBigSize, kShrunkSize);
    return 0;
}
