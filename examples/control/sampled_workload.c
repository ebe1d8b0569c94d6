// A workload for byte sampling (tests/control/sampling_test.sh, docs/SAMPLING.md): four
// allocation sites with known sizes and counts, deterministic, in well under a second.
//
//   small_temporary   200000 x malloc(64), each freed right away      12.8 MB allocated, 0 live
//   medium_half_kept    4000 x malloc(40000), 2000 freed               160 MB, 2000 live (80 MB)
//   large_freed           40 x malloc(3 MiB), all freed                125.8 MB, 0 live
//   kept_1k            20000 x malloc(1000), all kept                  20 MB, 20000 live
//
// Blocks are freed in the same function that allocates them, so live memory stays small; the
// medium blocks kept are released by the process's exit, not by free (they are "leaks").
#include <stdlib.h>
#include <string.h>

#include "../example_output.h"

// Makes a block visible to the outside, so the compiler keeps its malloc/free pair.
#define ESCAPE(p) __asm__ volatile("" : : "r"(p) : "memory")

void* medium[4000];  // not static: the compiler must not drop the unused blocks
void* kept[20000];

__attribute__((noinline)) static void small_temporary(void)
{
    for (int i = 0; i < 200000; ++i) {
        char* p = malloc(64);
        ESCAPE(p);
        free(p);
    }
}

__attribute__((noinline)) static void medium_half_kept(void)
{
    for (int i = 0; i < 4000; ++i) medium[i] = malloc(40000);
    for (int i = 0; i < 4000; i += 2) free(medium[i]);
}

__attribute__((noinline)) static void large_freed(void)
{
    for (int i = 0; i < 40; ++i) {
        char* p = malloc(3u << 20);
        ESCAPE(p);
        free(p);
    }
}

__attribute__((noinline)) static void kept_1k(void)
{
    for (int i = 0; i < 20000; ++i) kept[i] = malloc(1000);
}

int main(void)
{
    small_temporary();
    medium_half_kept();
    large_freed();
    kept_1k();
    say("workload done\n");
    return 0;
}
