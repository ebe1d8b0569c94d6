// Allocations through always-inlined helpers (pprof locations must carry the inlined calls as
// extra lines) and a heap that grows over ~20 ms (massif and csv get several timeline buckets).
//
// Exactly: 4 blocks of 2 * (100 + i) bytes from build_table (i = 0..3; 812 bytes), the first
// freed; then 20 blocks of 1000 bytes from grow_slowly, all freed at the end.
// Leaked: 3 blocks, 612 bytes. Peak: 612 + 20000 = 20612 bytes.
#include <stdlib.h>
#include <time.h>

void* volatile table[4];
void* volatile slow[20];

static inline __attribute__((always_inline)) void* make_record(size_t n) { return malloc(n); }
static inline __attribute__((always_inline)) void* make_entry(size_t n) { return make_record(n * 2); }

__attribute__((noinline)) void build_table(int i)
{
    table[i] = make_entry(100 + (size_t)i);  // not a tail call: the store follows
}

__attribute__((noinline)) void grow_slowly(int i)
{
    slow[i] = malloc(1000);
    const struct timespec ms = {0, 1000000};
    nanosleep(&ms, NULL);
}

int main(void)
{
    for (int i = 0; i < 4; ++i) build_table(i);
    free(table[0]);
    for (int i = 0; i < 20; ++i) grow_slowly(i);
    for (int i = 0; i < 20; ++i) free(slow[i]);
    return 0;
}
