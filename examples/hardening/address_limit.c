// address_limit MIB: run under an address-space limit (ulimit -v), it allocates one block of
// MIB MiB with malloc (glibc maps it), then leaks 1000 blocks of 128 bytes from
// leak_under_limit, and frees the big block. The shim must leave the program the address space
// it has untracked (preload/stack_table.h: the stack table shrinks to fit the limit).
// Prints "address_limit: MIB MiB ok" or "address_limit: MIB MiB failed" (exit 1).
#include <stdlib.h>
#include <string.h>

#include "../example_output.h"

static void* volatile sink;

__attribute__((noinline)) static void leak_under_limit(void)
{
    for (int i = 0; i < 1000; ++i) {
        sink = malloc(128);
        memset(sink, i, 128);
    }
}

int main(int argc, char** argv)
{
    const long mib = argc > 1 ? atol(argv[1]) : 64;
    char* big = malloc((size_t)mib << 20);
    if (!big) {
        say("address_limit: %ld MiB failed\n", mib);
        return 1;
    }
    big[0] = 1;
    leak_under_limit();
    free(big);
    say("address_limit: %ld MiB ok\n", mib);
    return 0;
}
