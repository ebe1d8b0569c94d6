// A non-PIE program that takes malloc's and free's addresses, as Node.js's executable does: the
// linker gives it canonical PLT entries, undefined symbols with a value, which is what
// dlsym(RTLD_DEFAULT, "malloc") returns. The calls still reach the shim's malloc, and the shim
// must not call this program's malloc "its own" (it did for node).
//   5 x malloc(100 + i) through the pointer, each freed through the pointer
#include <stdlib.h>

#include "../example_output.h"

void* (*volatile g_allocate)(size_t);
void (*volatile g_release)(void*);

int main(void)
{
    // Taken in non-PIC code (an absolute address in the instruction): a canonical PLT entry.
    g_allocate = malloc;
    g_release = free;
    for (int i = 0; i < 5; ++i) g_release(g_allocate(100 + (size_t)i));
    say("malloc_address: 5 blocks\n");
    return 0;
}
