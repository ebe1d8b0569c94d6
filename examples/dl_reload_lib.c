// The libraries of dl_reload.c: one source, built twice (examples/CMakeLists.txt) with
// different frame sizes (FRAME) and names (SUFFIX: A or B). The code is laid out the same in
// both - same instructions at the same offsets, only a stack adjustment's byte differs - so
// when the second is loaded where the first was, its return addresses are the first one's,
// and only rules read afresh give its frames' sizes.
//
// fromLib(n): 100 calls of middle (a FRAME-byte local array) -> inner (likewise) -> one
// malloc of n bytes, freed at once.
#include <stdlib.h>

#define JOIN(a, b) a##b
#define NAME(a, b) JOIN(a, b)

void* volatile NAME(sink, SUFFIX);

__attribute__((noipa)) void NAME(inner, SUFFIX)(int n)
{
    volatile char frame[FRAME] __attribute__((unused));  // only its size matters: the frame it makes
    frame[0] = (char)n;
    NAME(sink, SUFFIX) = malloc((size_t)n);
    free(NAME(sink, SUFFIX));
    frame[FRAME - 1] = 0;
}

__attribute__((noipa)) void NAME(middle, SUFFIX)(int n)
{
    volatile char frame[FRAME] __attribute__((unused));  // only its size matters: the frame it makes
    frame[0] = (char)n;
    NAME(inner, SUFFIX)(n);
    frame[FRAME - 1] = 0;
}

void fromLib(int n)
{
    for (int i = 0; i < 100; ++i) NAME(middle, SUFFIX)(n);
}
