// mmap_partial: anonymous and file mappings that are cut, grown, shrunk and unmapped.
//
// With P = 4096 (the page size; the program exits 1 if it is different):
//   step                                                      mapped afterwards
//   mmap anonymous 10 P (kind mmap(anonymous), 40960 B)         10 P = 40960
//   munmap pages 4..5 of it (the middle two)                     8 P = 32768
//   mremap pages 6..9 (4 P) to 12 P, MREMAP_MAYMOVE              16 P = 65536  <- peak
//   mremap that 12 P down to 2 P                                  6 P = 24576
//   mmap a 5 P temp file, MAP_SHARED (kind mmap(file), 20480 B)  11 P = 45056
//   munmap pages 0..3, the 2 P remapped block, the 5 P file map   0
//
//   mmap(anonymous): 1 call, 40960 B    mmap(file): 1 call, 20480 B    mremap: 2 calls
//   munmap: 4 calls                     peak of mapped bytes: 65536 B
//   no malloc/free of its own
// Prints "mmap_partial: peak 65536 bytes mapped" and exits 0.
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "example_output.h"

enum { kPage = 4096 };

static int fail(const char* what)
{
    say("mmap_partial: %s failed\n", what);
    return 1;
}

int main(void)
{
    if (sysconf(_SC_PAGESIZE) != kPage) return fail("page size check");

    char* region = mmap(NULL, 10 * kPage, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                        -1, 0);
    if (region == MAP_FAILED) return fail("anonymous mmap");
    memset(region, 1, 10 * kPage);

    if (munmap(region + 4 * kPage, 2 * kPage) != 0) return fail("munmap of the middle");

    char* grown = mremap(region + 6 * kPage, 4 * kPage, 12 * kPage, MREMAP_MAYMOVE);
    if (grown == MAP_FAILED) return fail("mremap grow");
    memset(grown, 2, 12 * kPage);

    char* shrunk = mremap(grown, 12 * kPage, 2 * kPage, 0);
    if (shrunk == MAP_FAILED) return fail("mremap shrink");

    const char* dir = getenv("TMPDIR");
    char path[256];
    snprintf(path, sizeof path, "%s/mmap_partial.XXXXXX", dir && *dir ? dir : "/tmp");
    int fd = mkstemp(path);
    if (fd < 0) return fail("mkstemp");
    unlink(path);
    if (ftruncate(fd, 5 * kPage) != 0) return fail("ftruncate");
    char* file = mmap(NULL, 5 * kPage, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (file == MAP_FAILED) return fail("file mmap");
    close(fd);
    memset(file, 3, 5 * kPage);

    if (munmap(region, 4 * kPage) != 0) return fail("munmap of the head");
    if (munmap(shrunk, 2 * kPage) != 0) return fail("munmap of the remapped block");
    if (munmap(file, 5 * kPage) != 0) return fail("munmap of the file");

    say("mmap_partial: peak %d bytes mapped\n", 16 * kPage);
    return 0;
}
