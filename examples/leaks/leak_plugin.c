// A shared library loaded by leak_dlopen: plugin_leak() leaks 777 bytes (PLUGIN_SITE).
#include <stdlib.h>

__attribute__((noinline)) void* plugin_make_state(void)
{
    return malloc(777); /* PLUGIN_SITE */
}

void plugin_leak(void)
{
    volatile void* lost = plugin_make_state();
    (void)lost;
}
