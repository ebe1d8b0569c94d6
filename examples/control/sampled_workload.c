// A workload for byte sampling (tests/control/sampling_test.sh, docs/SAMPLING.md): five
// allocation sites with known sizes and counts, deterministic, in well under a second.
//
//   site               calls                                 allocated    live at exit  temporary
//   small_temporary    200000 x malloc(64), each freed at once   12.8 MB  0             200000
//   medium_half_kept     4000 x malloc(40000), 2000 freed         160 MB  2000 (80 MB)  0
//   large_freed            40 x malloc(3 MiB), all freed        125.8 MB  0             40
//   kept_1k             20000 x malloc(1000), all kept             20 MB  20000         0
//   interleaved          2000 x (a = malloc(40000), b = malloc(20000), free(a), free(b))
//                                                                  120 MB  0             2000 (the b)
//
// In interleaved, a is freed after b was allocated: not temporary, though b is mostly not
// sampled (the sampled capture must say so, or a sampled a looks temporary).
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

__attribute__((noinline)) static void interleaved(void)
{
    for (int i = 0; i < 2000; ++i) {
        char* a = malloc(40000);
        char* b = malloc(20000);
        ESCAPE(a);
        ESCAPE(b);
        free(a);
        free(b);
    }
}

int main(void)
{
    small_temporary();
    medium_half_kept();
    large_freed();
    kept_1k();
    interleaved();
    say("workload done\n");
    return 0;
}
