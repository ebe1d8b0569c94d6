/* A small service whose memory moves over about 0.6 s, for the HTML report's time views:
 *   0.0-0.15 s  load_config keeps 16 x 64 KiB
 *   0.15-0.4 s  handle_request: temporary 4 KiB buffers; cache_insert grows a cache (1 KiB x 400)
 *   0.4-0.5 s   flush_cache frees the cache
 *   0.5-0.6 s   open_session leaks 50 x 256 B
 * Every allocation is freed except load_config's (freed at exit) and the sessions (leaked). */
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void pause_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static void* config[16];
static void* cache[400];

__attribute__((noinline)) static void load_config(void)
{
    for (int i = 0; i < 16; ++i) {
        config[i] = malloc(64 * 1024);
        memset(config[i], i, 64 * 1024);
        pause_ms(8);
    }
}

__attribute__((noinline)) static void cache_insert(int i)
{
    cache[i] = malloc(1024);
    memset(cache[i], 1, 1024);
}

__attribute__((noinline)) static void handle_request(int i)
{
    char* buffer = malloc(4096);
    memset(buffer, 0, 4096);
    __asm__ volatile("" : : "r"(buffer) : "memory");  /* keep the temporary buffer */
    free(buffer);
    cache_insert(i);
}

__attribute__((noinline)) static void flush_cache(void)
{
    for (int i = 0; i < 400; ++i) {
        free(cache[i]);
        if (i % 40 == 0) pause_ms(10);
    }
}

__attribute__((noinline)) static void* open_session(void) { return malloc(256); }

int main(void)
{
    load_config();
    for (int i = 0; i < 400; ++i) {
        handle_request(i);
        if (i % 16 == 0) pause_ms(10);
    }
    flush_cache();
    for (int i = 0; i < 50; ++i) {
        volatile void* leaked = open_session();
        (void)leaked;
        pause_ms(2);
    }
    for (int i = 0; i < 16; ++i) free(config[i]);
    return 0;
}
