// dlopen_loop LIBRARY N: dlopen(LIBRARY), call plugin_work, dlclose: N times. The library is
// dlopen_plugin.c: per round 2 x aligned_alloc (64-aligned; 1024 + 320 B) and 2 frees, so
//   aligned_alloc: 2N calls, 1344 N bytes; none of it leaked.
// dlopen/dlclose allocate on their own (link maps, scopes), which is not counted here.
// Prints "dlopen_loop: N rounds" and exits 0 (1 if a load or the symbol failed).
#include <dlfcn.h>
#include <stdlib.h>

#include "../example_output.h"

int main(int argc, char** argv)
{
    if (argc < 2) return 2;
    const int n = argc > 2 ? atoi(argv[2]) : 1000;
    for (int i = 0; i < n; ++i) {
        void* handle = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
        if (!handle) return 1;
        int (*work)(int) = (int (*)(int))dlsym(handle, "plugin_work");
        if (!work || work(i) != i + 1) return 1;
        dlclose(handle);
    }
    say("dlopen_loop: %d rounds\n", n);
    return 0;
}
