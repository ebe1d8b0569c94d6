// A program to control from outside (`memtrace ctl`, tests/control). It writes its pid to the
// file named by argv[1], then in rounds of 10 ms allocates one 5000-byte block per round
// (kept), until the file named by argv[2] exists; then one last malloc(7000) and exit. Which
// rounds are recorded depends on when the test pauses and resumes it.
// With argv[3] = "hostile" it first closes every descriptor above 2 (as daemons do) and forks a
// child that waits for the same stop file; the child's pid goes to "<argv[1]>.child" before
// the parent's pid is written.
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../example_output.h"

void* keep[100000];  // not static: the compiler must not drop the unused blocks

int main(int argc, char** argv)
{
    if (argc < 3) return 2;
    char line[32];
    int fd;
    if (argc > 3 && strcmp(argv[3], "hostile") == 0) {
        for (int i = 3; i < 65536; ++i) close(i);
        const pid_t child = fork();
        if (child == 0) {
            const struct timespec nap = {0, 10 * 1000 * 1000};
            while (access(argv[2], F_OK) != 0) nanosleep(&nap, NULL);
            _exit(0);
        }
        char path[4096];
        snprintf(path, sizeof path, "%s.child", argv[1]);
        const int n = snprintf(line, sizeof line, "%d\n", (int)child);
        fd = creat(path, 0600);
        if (fd < 0 || write(fd, line, (size_t)n) != n) return 3;
        close(fd);
    }
    const int n = snprintf(line, sizeof line, "%d\n", (int)getpid());
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s.tmp", argv[1]);
    fd = creat(tmp, 0600);
    if (fd < 0 || write(fd, line, (size_t)n) != n) return 3;
    close(fd);
    rename(tmp, argv[1]);  // appears whole
    size_t rounds = 0;
    const struct timespec tick = {0, 10 * 1000 * 1000};
    while (access(argv[2], F_OK) != 0 && rounds < 100000) {
        keep[rounds++] = malloc(5000);
        nanosleep(&tick, NULL);
    }
    keep[0] = malloc(7000);
    while (wait(NULL) > 0) {
    }
    say("rounds done\n");
    return 0;
}
