// fp_walks [ROUNDS]: allocations whose call paths differ only far from malloc, at the same
// stack depth, in alternation. Each path is main -> topA or topB -> middle (8 levels) -> leaf
// -> malloc; topA and topB have identical frames, so malloc is called at the same stack
// address on both paths and a frame-pointer walk starts at the same frame: the walk memo of
// `--unwind fp` (preload/frame_walk.h) must see that the outermost frames changed.
//
// Exact allocations with ROUNDS = R (default 3000): round i calls topA when i % 3 == 0, else
// topB. topA: ceil(R / 3) mallocs of 16 B; topB: the other rounds, mallocs of 32 B. Every
// block is freed at once. Every 100th round also allocates 48 B through `middle` called from
// main directly (a shallower stack), freed at once. Prints "fp_walks: R rounds" and exits 0.
#include <stdlib.h>

#include "example_output.h"

void* volatile sink;

// noipa: no inlining, cloning or tail calls, so every level is a real frame.
__attribute__((noipa)) void leaf(size_t size)
{
    char* block = malloc(size);
    block[0] = 1;
    sink = block;
    free(block);
}

__attribute__((noipa)) int middle(int level, size_t size)
{
    volatile int frame = level;
    if (level == 8) {
        leaf(size);
        return frame;
    }
    int below = middle(level + 1, size);
    return below + frame - level;  // work after the call keeps it from being a tail call
}

__attribute__((noipa)) int topA(void)
{
    volatile int frame = 1;
    int r = middle(1, 16);
    return r + frame;
}

__attribute__((noipa)) int topB(void)
{
    volatile int frame = 2;
    int r = middle(1, 32);
    return r + frame;
}

int main(int argc, char** argv)
{
    const int rounds = argc > 1 ? atoi(argv[1]) : 3000;
    for (int i = 0; i < rounds; ++i) {
        if (i % 3 == 0) topA();
        else topB();
        if (i % 100 == 0) middle(1, 48);
    }
    say("fp_walks: %d rounds\n", rounds);
    return 0;
}
