#include "process_info.h"

#include <fcntl.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <cstring>

namespace memtrace::shim {

void collectProcessFacts(ProcessFacts& f, const Config& config)
{
    f.pid = getpid();
    f.ppid = getppid();
    const long page = sysconf(_SC_PAGESIZE);
    f.pageSize = page > 0 ? static_cast<uint64_t>(page) : 4096;
    f.maxDepth = config.maxDepth;
    f.options = (config.followFork ? 1u : 0u) | (config.unwind == UnwindMethod::FramePointer ? 2u : 0u);
    f.sampleRate = config.sampleRate;
    f.timeResolutionUs = config.timeResolutionUs;

    const ssize_t n = readlink("/proc/self/exe", f.exePath, sizeof f.exePath - 1);
    f.exePath[n > 0 ? n : 0] = '\0';

    f.cmdlineLength = 0;
    const int fd = open("/proc/self/cmdline", O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
        for (;;) {
            const ssize_t got = read(fd, f.cmdline + f.cmdlineLength, sizeof f.cmdline - f.cmdlineLength);
            if (got <= 0) break;
            f.cmdlineLength += static_cast<size_t>(got);
            if (f.cmdlineLength == sizeof f.cmdline) break;
        }
        close(fd);
    }
    // The kernel ends the last argument with a NUL too; the format separates, not terminates.
    if (f.cmdlineLength > 0 && f.cmdline[f.cmdlineLength - 1] == '\0') --f.cmdlineLength;

    utsname uts;
    f.hostname[0] = '\0';
    if (uname(&uts) == 0) {
        std::strncpy(f.hostname, uts.nodename, sizeof f.hostname - 1);
        f.hostname[sizeof f.hostname - 1] = '\0';
    }
}

size_t processInfoBound(const ProcessFacts& f)
{
    return 64 + 10 * varint::kMaxBytes + std::strlen(f.exePath) + f.cmdlineLength + std::strlen(f.hostname) +
           std::strlen(MEMTRACE_VERSION);
}

void encodeProcessInfo(format::RecordEncoder& enc, const ProcessFacts& f)
{
    enc.beginExtension(format::RecordType::ProcessInfo);
    enc.field(static_cast<uint64_t>(f.pid));
    enc.field(static_cast<uint64_t>(f.ppid));
    enc.field(f.startUnixNs);
    enc.field(f.pageSize);
    enc.field(f.maxDepth);
    enc.field(f.options);
    enc.fieldString(f.exePath);
    enc.fieldString(f.cmdline, f.cmdlineLength);
    enc.fieldString(f.hostname);
    enc.fieldString(MEMTRACE_VERSION);
    enc.field(f.sampleRate);
    enc.field(f.timeResolutionUs);
    enc.endExtension();
}

}  // namespace memtrace::shim
