// leaky_service: a "service" that serves requests cleanly and leaks from two places.
//
// Exact allocations (all with malloc, all released with free; sizes are the requested ones):
//   leak_page_buffers    10 x 4096 B   leaked, each block unreachable ("definitely lost")
//   leak_small_records    3 x  100 B   leaked as a linked list: the head is definitely lost,
//                                      the two others are reachable only from it
//                                      ("indirectly lost")
//   serve_requests      200 blocks, request i has 64 + (i % 8) * 32 B: 35200 B, all freed
//   build_index           1 x 1 MiB (1048576 B), freed
//
//   malloc: 214 calls, 1125036 B          free: 201 calls
//   leaked: 13 blocks, 41260 B            peak heap: 40960 + 300 + 1048576 = 1089836 B
//                                         (reached inside build_index)
// Prints "leaky_service: served 200 requests, index of 1048576 bytes" and exits 0.
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "example_output.h"

enum {
    kPageBuffers = 10,
    kPageBufferSize = 4096,
    kRecords = 3,
    kRecordSize = 100,
    kRequests = 200,
    kIndexSize = 1 << 20,
};

// Stores a pointer where the compiler must assume it is used, so the malloc calls stay.
static void* volatile sink;

__attribute__((noinline)) static void leak_page_buffers(void)
{
    for (int i = 0; i < kPageBuffers; ++i) {
        char* buffer = malloc(kPageBufferSize);
        memset(buffer, i, kPageBufferSize);
        sink = buffer;
    }
    sink = NULL;
}

__attribute__((noinline)) static void leak_small_records(void)
{
    // Each record starts with the pointer to the next one.
    char* head = NULL;
    for (int i = 0; i < kRecords; ++i) {
        char* record = malloc(kRecordSize);
        memset(record, 'r', kRecordSize);
        memcpy(record, &head, sizeof head);
        head = record;
    }
    sink = head;
    sink = NULL;
}

__attribute__((noinline)) static size_t serve_requests(void)
{
    size_t served = 0;
    for (int i = 0; i < kRequests; ++i) {
        size_t size = 64 + (size_t)(i % 8) * 32;
        char* request = malloc(size);
        memset(request, 'q', size);
        sink = request;
        served += request[size - 1] == 'q';
        free(request);
    }
    return served;
}

__attribute__((noinline)) static size_t build_index(void)
{
    unsigned char* index = malloc(kIndexSize);
    memset(index, 0xab, kIndexSize);
    sink = index;
    size_t checksum = index[kIndexSize / 2] == 0xab ? kIndexSize : 0;
    free(index);
    return checksum;
}

int main(void)
{
    leak_page_buffers();
    leak_small_records();
    size_t served = serve_requests();
    size_t index = build_index();
    sink = NULL;
    say("leaky_service: served %zu requests, index of %zu bytes\n", served, index);
    return 0;
}
