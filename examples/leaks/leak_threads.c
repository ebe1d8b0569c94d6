// Leaks on several threads: 4 threads each leak 2 blocks of 256*(thread number) bytes from
// leak_in_thread, and free 100 others. Expected: one group (same stack on every thread) of
// 2*256*(1+2+3+4) = 5120 bytes in 8 blocks from leak_in_thread (THREAD_SITE).
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>

__attribute__((noinline)) static void* leak_in_thread(size_t size)
{
    return malloc(size); /* THREAD_SITE */
}

static void* worker(void* arg)
{
    const size_t number = (size_t)(uintptr_t)arg;
    for (int i = 0; i < 100; ++i) free(malloc(32));
    for (int i = 0; i < 2; ++i) {
        volatile void* lost = leak_in_thread(256 * number);
        (void)lost;
    }
    return NULL;
}

int main(void)
{
    pthread_t threads[4];
    for (uintptr_t i = 0; i < 4; ++i) pthread_create(&threads[i], NULL, worker, (void*)(i + 1));
    for (int i = 0; i < 4; ++i) pthread_join(threads[i], NULL);
    return 0;
}
