// A leak inside a shared library loaded with dlopen and unloaded with dlclose before exit.
// Expected: 777 bytes in 1 block from plugin_make_state in libleak_plugin.so (PLUGIN_SITE).
// Argument: the path of libleak_plugin.so.
#include <dlfcn.h>
#include <stdio.h>

int main(int argc, char** argv)
{
    if (argc < 2) return 2;
    void* handle = dlopen(argv[1], RTLD_NOW);
    if (!handle) {
        fprintf(stderr, "leak_dlopen: %s\n", dlerror());
        return 3;
    }
    void (*leak)(void) = (void (*)(void))dlsym(handle, "plugin_leak");
    if (!leak) return 4;
    leak();
    dlclose(handle);
    return 0;
}
