// A direct leak: one 1000-byte block from make_request_buffer() is never freed; 50 other
// blocks are. Expected: 1000 bytes in 1 block leaked, from make_request_buffer (LEAK_SITE).
#include <stdlib.h>
#include <string.h>

__attribute__((noinline)) static char* make_request_buffer(size_t size)
{
    char* buffer = malloc(size); /* LEAK_SITE */
    memset(buffer, 'r', size);
    return buffer;
}

int main(void)
{
    for (int i = 0; i < 50; ++i) free(make_request_buffer(64 + (size_t)i));
    volatile char* lost = make_request_buffer(1000);
    lost = NULL;
    (void)lost;
    return 0;
}
