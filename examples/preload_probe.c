// preload_probe: reports whether jemalloc is loaded in the process (without being linked
// against it, so only an LD_PRELOAD can have brought it) and leaks one distinctive block.
//
// Exact allocations: malloc 1 call, 31337 B, leaked (from leak_probe_block).
// Prints "preload_probe: jemalloc loaded: yes|no" and exits 0.
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>

#include "example_output.h"

enum { kProbeSize = 31337 };

static void* volatile sink;

__attribute__((noinline)) static void leak_probe_block(void)
{
    char* block = malloc(kProbeSize);
    memset(block, 'p', kProbeSize);
    sink = block;
    sink = NULL;
}

int main(void)
{
    leak_probe_block();
    int jemalloc = dlsym(RTLD_DEFAULT, "mallocx") != NULL;
    say("preload_probe: jemalloc loaded: %s\n", jemalloc ? "yes" : "no");
    return 0;
}
