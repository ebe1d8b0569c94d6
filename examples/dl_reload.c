// dl_reload LIB_A LIB_B: loads, calls and unloads two libraries in turn, six rounds, so the
// second usually lands where the first was: the unwinder must not apply what it learned
// about the first library's code to the second's (preload/cfi_walk.h drops its rules and
// memo after a dlclose).
//
// Exact allocations: round r (0..5) loads LIB_A when r is even, else LIB_B, and calls its
// fromLib(16 + r) (dl_reload_lib.c): 100 mallocs of 16 + r bytes in innerA (called by middleA)
// or innerB (by middleB), each freed at once. So 300 allocations through innerA (5400 B:
// 16, 18, 20 B) and 300 through innerB (5700 B: 17, 19, 21 B). Prints "dl_reload: 6 rounds"
// and exits 0 (1 if a library cannot be loaded).
#include <dlfcn.h>

#include "example_output.h"

int main(int argc, char** argv)
{
    if (argc != 3) {
        say("usage: dl_reload LIB_A LIB_B\n");
        return 2;
    }
    for (int round = 0; round < 6; ++round) {
        void* library = dlopen(argv[round % 2 ? 2 : 1], RTLD_NOW | RTLD_LOCAL);
        if (!library) {
            say("dl_reload: %s\n", dlerror());
            return 1;
        }
        void (*fromLib)(int) = (void (*)(int))dlsym(library, "fromLib");
        if (!fromLib) return 1;
        fromLib(16 + round);
        dlclose(library);
    }
    say("dl_reload: 6 rounds\n");
    return 0;
}
