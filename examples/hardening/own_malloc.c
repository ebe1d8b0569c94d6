// A program with its own malloc, as Chromium (PartitionAlloc), or anything statically linked
// with tcmalloc, mimalloc or jemalloc, has: the executable defines malloc, free, calloc,
// realloc and the aligned forms, so every call in the process goes to them, not to the shim.
// Its allocator maps 1 MiB chunks with mmap WHILE HOLDING ITS SPIN LOCK, and the library it
// links (own_malloc_early.c) calls malloc from its constructor, which runs before the shim's
// own: the first hook the shim ever sees is that mmap, inside the lock. A shim that starts up
// there (dlsym allocates, and so does starting the writer thread) calls this malloc again,
// spins on the lock forever, and the program hangs; the fixed shim lets mmap through until its
// own constructor runs.
//   main: 3000 allocations of 1000 bytes, 1024 bytes apart with their headers: 1023 or 1024
//   to a chunk, so main maps about three chunks, and prints how many.
#define _GNU_SOURCE
#include <errno.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>

#include "../example_output.h"

enum { kChunk = 1 << 20, kAlign = 16 };

static atomic_flag g_lock = ATOMIC_FLAG_INIT;
static char* g_next;
static char* g_end;
static unsigned g_chunks;

void early_library_touch(void);  // own_malloc_early.c

static void lock(void)
{
    while (atomic_flag_test_and_set_explicit(&g_lock, memory_order_acquire)) {
    }
}
static void unlock(void) { atomic_flag_clear_explicit(&g_lock, memory_order_release); }

// A bump allocator: every block has a 16-byte header holding its size; free does nothing.
static void* allocate(size_t size, size_t align)
{
    if (align < kAlign) align = kAlign;
    if (size > kChunk / 2 || align > 4096) {
        errno = ENOMEM;
        return NULL;
    }
    lock();
    uintptr_t at = ((uintptr_t)g_next + kAlign + align - 1) & ~(uintptr_t)(align - 1);
    if (!g_next || at + size > (uintptr_t)g_end) {
        // Mapped under the lock, as PartitionAlloc does when it reserves a super page.
        char* chunk = mmap(NULL, kChunk, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (chunk == MAP_FAILED) {
            unlock();
            errno = ENOMEM;
            return NULL;
        }
        ++g_chunks;
        g_next = chunk;
        g_end = chunk + kChunk;
        at = ((uintptr_t)g_next + kAlign + align - 1) & ~(uintptr_t)(align - 1);
    }
    ((size_t*)at)[-1] = size;
    g_next = (char*)(at + size);
    unlock();
    return (void*)at;
}

static size_t sizeOf(void* p) { return p ? ((size_t*)p)[-1] : 0; }

void* malloc(size_t size) { return allocate(size, kAlign); }
void free(void* p) { (void)p; }
void* calloc(size_t n, size_t size)
{
    if (size && n > SIZE_MAX / size) {
        errno = ENOMEM;
        return NULL;
    }
    void* p = allocate(n * size, kAlign);
    if (p) memset(p, 0, n * size);  // a recycled chunk is never reused: zero anyway
    return p;
}
void* realloc(void* old, size_t size)
{
    void* p = allocate(size, kAlign);
    if (p && old) memcpy(p, old, sizeOf(old) < size ? sizeOf(old) : size);
    return p;
}
void* memalign(size_t align, size_t size) { return allocate(size, align); }
void* aligned_alloc(size_t align, size_t size) { return allocate(size, align); }
int posix_memalign(void** out, size_t align, size_t size)
{
    void* p = allocate(size, align);
    if (!p) return ENOMEM;
    *out = p;
    return 0;
}
void* valloc(size_t size) { return allocate(size, 4096); }
void* pvalloc(size_t size) { return allocate((size + 4095) & ~(size_t)4095, 4096); }
size_t malloc_usable_size(void* p) { return sizeOf(p); }

int main(void)
{
    early_library_touch();
    const unsigned before = g_chunks;
    for (int i = 0; i < 3000; ++i) {
        char* volatile p = malloc(1000);
        p[0] = 1;
        free(p);
    }
    say("own_malloc: 3000 allocations, %u chunks mapped in main\n", g_chunks - before);
    return 0;
}
