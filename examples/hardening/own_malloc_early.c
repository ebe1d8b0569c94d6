// The library own_malloc links: its constructor calls malloc (the program's own, see
// own_malloc.c) before the shim's constructor has run, as libgpg-error's does in Chromium.
#include <stdlib.h>

static void* volatile g_early;

__attribute__((constructor)) static void allocate_early(void) { g_early = malloc(100); }

void early_library_touch(void) { (void)g_early; }
