// fd_chaos MODE: behaves like a daemon that takes over its descriptors, in the middle of
// allocating. MODE is one of
//   none       nothing hostile (the reference run)
//   close-loop close(fd) for every fd from 3 to the RLIMIT_NOFILE soft limit
//   close-listed close(fd) for every fd >= 3 listed in /proc/self/fd (which includes the
//              capture's descriptor), failing if any close fails - as Chromium's crashpad
//              handler does, which prints "close: Bad file descriptor" for each failure
//   close-range close_range(3, ~0U, 0)
//   closefrom  closefrom(3)
//   dup2       dup2(/dev/null, fd) over stdin and over every fd >= 3 listed in /proc/self/fd
//              (which includes the capture's descriptor), then closefrom(3)
// After the hostile step every mode also chdir("/")s, renames itself with
// prctl(PR_SET_NAME, "renamed") and overwrites its argv[0] in place.
//
// Exact allocations of phase_one / phase_two (besides what opendir/readdir allocate in every
// mode alike):
//   phase_one: 1000 x malloc(64), all freed in phase_two     64000 B
//   phase_two: 1000 x malloc(128), never freed (leaked)       128000 B
// Between the phases it sleeps 200 ms (> the 100 ms flush interval) so the capture has been
// written to before the descriptors are taken over.
// Prints "fd_chaos: MODE done, 2000 blocks" and exits 0 (2 on a bad MODE, 3 if a step failed).
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "../example_output.h"

enum { kBlocks = 1000 };

static void* blocks[kBlocks];

__attribute__((noinline)) static void phase_one(void)
{
    for (int i = 0; i < kBlocks; ++i) blocks[i] = malloc(64);
}

__attribute__((noinline)) static void phase_two(void)
{
    for (int i = 0; i < kBlocks; ++i) {
        free(blocks[i]);
        blocks[i] = malloc(128);
    }
}

// Every descriptor number >= 3 this process has open, read from /proc/self/fd.
static int open_fds(int* fds, int capacity)
{
    int count = 0;
    DIR* dir = opendir("/proc/self/fd");
    if (!dir) return -1;
    const int self = dirfd(dir);
    for (struct dirent* entry; (entry = readdir(dir)) != NULL;) {
        const int fd = atoi(entry->d_name);
        if (entry->d_name[0] != '.' && fd >= 3 && fd != self && count < capacity) fds[count++] = fd;
    }
    closedir(dir);
    return count;
}

static int take_over(const char* mode)
{
    int fds[256];
    const int count = open_fds(fds, 256);  // in every mode, so all modes allocate alike
    if (count < 0) return 0;
    if (strcmp(mode, "none") == 0) return 1;
    if (strcmp(mode, "close-loop") == 0) {
        struct rlimit limit;
        getrlimit(RLIMIT_NOFILE, &limit);
        for (int fd = 3; fd < (int)limit.rlim_cur; ++fd) close(fd);
        return 1;
    }
    if (strcmp(mode, "close-listed") == 0) {
        int failures = 0;
        for (int i = 0; i < count; ++i) {
            if (close(fds[i]) != 0) ++failures;
        }
        return failures == 0;
    }
    if (strcmp(mode, "close-range") == 0) return close_range(3, ~0U, 0) == 0;
    if (strcmp(mode, "closefrom") == 0) {
        closefrom(3);
        return 1;
    }
    if (strcmp(mode, "dup2") == 0) {
        const int null = open("/dev/null", O_RDWR);
        if (null < 0 || dup2(null, 0) != 0) return 0;
        for (int i = 0; i < count; ++i) {
            if (dup2(null, fds[i]) != fds[i]) return 0;
        }
        closefrom(3);
        return 1;
    }
    return -1;
}

int main(int argc, char** argv)
{
    const char* mode = argc > 1 ? argv[1] : "none";
    phase_one();
    struct timespec delay = {0, 200 * 1000000L};
    nanosleep(&delay, NULL);
    const int ok = take_over(mode);
    if (ok < 0) {
        say("fd_chaos: unknown mode %s\n", mode);
        return 2;
    }
    if (!ok || chdir("/") != 0 || prctl(PR_SET_NAME, "renamed", 0, 0, 0) != 0) {
        say("fd_chaos: %s failed\n", mode);
        return 3;
    }
    memset(argv[0], 'x', strlen(argv[0]));
    phase_two();
    say("fd_chaos: %s done, %d blocks\n", mode, 2 * kBlocks);
    return 0;
}
