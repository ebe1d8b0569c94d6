// aligned_allocators: each of the less common C allocators once, with a distinct size, each
// block freed with free.
//
// Exact calls (sizes are the requested ones):
//   posix_memalign(&p, 64, 1000)   kind posix_memalign  1000 B
//   aligned_alloc(128, 2048)       kind aligned_alloc   2048 B
//   memalign(256, 3000)            kind memalign        3000 B
//   valloc(4000)                   kind valloc          4000 B
//   pvalloc(5000)                  kind pvalloc         5000 B (glibc rounds to 8192; the
//                                                       capture keeps the requested size)
//   reallocarray(NULL, 6, 1000)    kind reallocarray    6000 B (no release: old pointer NULL)
//   calloc(7, 1000)                kind calloc          7000 B
//   free x 7
//   allocations: 7, 28048 B; frees: 7; leaked: 0; peak heap: 28048 B (all live at once)
// Prints "aligned_allocators: 7 blocks, 28048 bytes" and exits 0.
#define _GNU_SOURCE
#include <malloc.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "example_output.h"

enum { kBlocks = 7 };

static int aligned_to(const void* p, uintptr_t alignment)
{
    return ((uintptr_t)p % alignment) == 0;
}

int main(void)
{
    void* blocks[kBlocks];
    size_t sizes[kBlocks] = {1000, 2048, 3000, 4000, 5000, 6000, 7000};
    const long page = sysconf(_SC_PAGESIZE);

    if (posix_memalign(&blocks[0], 64, 1000) != 0) return 1;
    blocks[1] = aligned_alloc(128, 2048);
    blocks[2] = memalign(256, 3000);
    blocks[3] = valloc(4000);
    blocks[4] = pvalloc(5000);
    blocks[5] = reallocarray(NULL, 6, 1000);
    blocks[6] = calloc(7, 1000);

    int ok = aligned_to(blocks[0], 64) && aligned_to(blocks[1], 128) &&
              aligned_to(blocks[2], 256) && aligned_to(blocks[3], (uintptr_t)page) &&
              aligned_to(blocks[4], (uintptr_t)page) && blocks[5] != NULL && blocks[6] != NULL;
    size_t total = 0;
    for (int i = 0; i < kBlocks; ++i) {
        if (blocks[i] == NULL) return 1;
        memset(blocks[i], i, sizes[i]);
        total += sizes[i];
    }
    for (int i = 0; i < kBlocks; ++i) free(blocks[i]);
    if (!ok) return 1;
    say("aligned_allocators: %d blocks, %zu bytes\n", kBlocks, total);
    return 0;
}
