// deep_stacks [DEPTH]: recurses DEPTH (default 50) frames deep, then leaks one malloc(777)
// from the innermost frame.
//
// Exact allocations: malloc 1 call, 777 B, leaked. Its stack, innermost first, is DEPTH
// frames of `recurse`, then `main` (then the C runtime's start-up frames). With
// `--max-depth N` (N < DEPTH) only the N innermost frames, all `recurse`, are kept.
// Prints "deep_stacks: leaked 777 bytes at depth DEPTH" and exits 0.
#include <stdlib.h>

#include "example_output.h"

enum { kLeakSize = 777 };

void* volatile sink;

// noipa: no inlining, cloning or tail-call folding, so every level is a real frame.
__attribute__((noipa)) int recurse(int depth, int target)
{
    volatile int frame = depth;
    if (depth == target) {
        char* block = malloc(kLeakSize);
        block[0] = 1;
        sink = block;
        sink = NULL;
        return frame;
    }
    int below = recurse(depth + 1, target);
    return below + frame - depth;  // work after the call keeps it from being a tail call
}

int main(int argc, char** argv)
{
    int depth = argc > 1 ? atoi(argv[1]) : 50;
    if (depth < 1) depth = 1;
    int reached = recurse(1, depth);
    say("deep_stacks: leaked %d bytes at depth %d\n", kLeakSize, reached);
    return 0;
}
