// A leak through realloc: a buffer grows 100 -> 2000 -> 5000 bytes by realloc and is never
// freed. Expected: 5000 bytes in 1 block, kind realloc, from grow_buffer (REALLOC_SITE).
#include <stdlib.h>

__attribute__((noinline)) static char* grow_buffer(char* buffer, size_t size)
{
    return realloc(buffer, size); /* REALLOC_SITE */
}

int main(void)
{
    char* buffer = malloc(100);
    buffer = grow_buffer(buffer, 2000);
    buffer = grow_buffer(buffer, 5000);
    volatile char* lost = buffer;
    lost = NULL;
    (void)lost;
    return 0;
}
