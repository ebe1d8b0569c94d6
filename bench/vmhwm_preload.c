// libbench_vmhwm.so: preloaded by bench/run_bench.sh into every run of a workload (untracked
// and tracked alike). At exit it writes the process's own peak RSS (VmHWM from
// /proc/self/status) to $MEMTRACE_BENCH_VMHWM_DIR/vmhwm.<pid> as "<executable name> <KiB>".
// Why: GNU time's max RSS is the largest of the whole process tree, so under `memtrace run`
// it may be the launcher and under heaptrack it is heaptrack_interpret; the traced program's
// own VmHWM is the memory a tracker adds to it.
// Only syscalls and stack buffers: it runs in a destructor, after the program and possibly
// inside a tracker's hooks, and must not allocate.
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static long readVmHwmKib(void)
{
    char status[8192];
    const int fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    size_t length = 0;
    ssize_t n;
    while (length < sizeof status - 1 && (n = read(fd, status + length, sizeof status - 1 - length)) > 0)
        length += (size_t)n;
    close(fd);
    status[length] = '\0';
    const char* line = strstr(status, "\nVmHWM:");
    return line ? strtol(line + 7, NULL, 10) : -1;
}

__attribute__((destructor)) static void writeVmHwm(void)
{
    const char* dir = getenv("MEMTRACE_BENCH_VMHWM_DIR");
    if (!dir || !*dir) return;
    const long kib = readVmHwmKib();
    char exe[4096];
    const ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (kib < 0 || n <= 0) return;
    exe[n] = '\0';
    const char* name = strrchr(exe, '/');
    name = name ? name + 1 : exe;

    char path[4096];
    char line[512];
    const int pathLength = snprintf(path, sizeof path, "%s/vmhwm.%ld", dir, (long)getpid());
    const int lineLength = snprintf(line, sizeof line, "%s %ld\n", name, kib);
    if (pathLength <= 0 || (size_t)pathLength >= sizeof path || lineLength <= 0 || (size_t)lineLength >= sizeof line) return;
    const int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) return;
    if (write(fd, line, (size_t)lineLength) < 0) { /* nothing to do: the driver falls back to GNU time */ }
    close(fd);
}
