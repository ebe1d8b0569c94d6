// jemalloc_mallocx: jemalloc's non-standard API (linked with -ljemalloc), each call with a
// known size, and one leaked block.
//
// Exact calls (sizes are the requested ones):
//   mallocx(1000, 0)                  kind mallocx  1000 B
//   rallocx(a, 3000, 0)               kind rallocx  3000 B, releases the 1000 B block
//   xallocx(a, 2900, 0, 0)            kind xallocx  resize in place to 2900 B: 2900 and 3000
//                                     share jemalloc's 3072 B size class, so it succeeds
//   sdallocx(a, 2900, 0)              kind sdallocx
//   mallocx(4096, MALLOCX_ALIGN(64))  kind mallocx  4096 B
//   dallocx(b, 0)                     kind dallocx
//   mallocx(5000, MALLOCX_ZERO)       kind mallocx  5000 B, leaked (leak_zeroed_block)
//   malloc(123), free                 jemalloc serves plain malloc too
//
//   mallocx: 3 calls, 10096 B   rallocx: 1, 3000 B   xallocx: 1   sdallocx: 1   dallocx: 1
//   malloc: 1 call, 123 B       free: 1              leaked: 1 block, 5000 B
// Prints "jemalloc_mallocx: xallocx kept 3072 usable bytes" and exits 0 (1 if jemalloc
// behaved unexpectedly).
#include <jemalloc/jemalloc.h>
#include <string.h>

#include "example_output.h"

static void* volatile sink;

__attribute__((noinline)) static void leak_zeroed_block(void)
{
    char* block = mallocx(5000, MALLOCX_ZERO);
    if (block) block[0] = 1;
    sink = block;
    sink = NULL;
}

int main(void)
{
    char* a = mallocx(1000, 0);
    if (!a) return 1;
    memset(a, 1, 1000);
    a = rallocx(a, 3000, 0);
    if (!a) return 1;
    memset(a, 2, 3000);
    size_t usable = xallocx(a, 2900, 0, 0);
    if (usable != 3072) return 1;
    sdallocx(a, 2900, 0);

    char* b = mallocx(4096, MALLOCX_ALIGN(64));
    if (!b || ((size_t)b % 64) != 0) return 1;
    memset(b, 3, 4096);
    dallocx(b, 0);

    leak_zeroed_block();

    char* c = malloc(123);
    if (!c) return 1;
    memset(c, 4, 123);
    sink = c;
    free(c);
    sink = NULL;

    say("jemalloc_mallocx: xallocx kept %zu usable bytes\n", usable);
    return 0;
}
