// The library dlopen_loop loads and unloads. Its constructor allocates, its destructor frees,
// plugin_work allocates and frees; all with aligned_alloc, which nothing else in these
// programs uses, so the capture's aligned_alloc count is exactly this library's.
//   per load: aligned_alloc(64, 1024) in the constructor, freed in the destructor
//             aligned_alloc(64, 320) + free in plugin_work
#include <stdlib.h>

static void* g_state;

__attribute__((constructor)) static void plugin_load(void) { g_state = aligned_alloc(64, 1024); }

__attribute__((destructor)) static void plugin_unload(void) { free(g_state); }

__attribute__((visibility("default"), noinline)) int plugin_work(int x)
{
    int* volatile scratch = aligned_alloc(64, 320);  // volatile: kept by the optimizer
    scratch[0] = x;
    const int result = scratch[0] + 1;
    free(scratch);
    return result;
}
