#include "stack_bounds.h"

#include <fcntl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstring>

namespace memtrace::shim {

namespace {

struct Mapping {
    uintptr_t start = 0;
    uintptr_t end = 0;
    bool isMainStack = false;  // "[stack]"
};

bool parseHex(const char*& p, const char* end, uintptr_t& value)
{
    value = 0;
    const char* begin = p;
    for (; p < end; ++p) {
        const char c = *p;
        const int digit = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
        if (digit < 0) break;
        value = value << 4 | static_cast<uintptr_t>(digit);
    }
    return p != begin;
}

// One line of /proc/self/maps: "start-end perms offset dev inode   path".
bool parseLine(const char* line, const char* end, Mapping& out)
{
    const char* p = line;
    if (!parseHex(p, end, out.start) || p == end || *p++ != '-' || !parseHex(p, end, out.end)) return false;
    static constexpr char kStack[] = "[stack]";
    const size_t length = static_cast<size_t>(end - line);
    out.isMainStack = length >= sizeof kStack - 1 && std::memcmp(end - (sizeof kStack - 1), kStack, sizeof kStack - 1) == 0;
    return true;
}

// Calls onLine(Mapping) for each line; stops when it returns true. False if unreadable.
template <class OnLine>
bool forEachMapping(OnLine&& onLine)
{
    const int fd = static_cast<int>(syscall(SYS_openat, AT_FDCWD, "/proc/self/maps", O_RDONLY | O_CLOEXEC));
    if (fd < 0) return false;
    // Small: it is on the stack of a thread's first hook, which may be a PTHREAD_STACK_MIN
    // thread that has used half of it already.
    char buffer[1024];
    size_t held = 0;  // bytes of an unfinished line at the front of buffer
    bool done = false;
    while (!done) {
        const long got = syscall(SYS_read, fd, buffer + held, sizeof buffer - held);
        if (got <= 0) break;
        const char* end = buffer + held + got;
        const char* line = buffer;
        for (const char* nl; !done && (nl = static_cast<const char*>(std::memchr(line, '\n', end - line))); line = nl + 1) {
            Mapping m;
            done = parseLine(line, nl, m) && onLine(m);
        }
        held = static_cast<size_t>(end - line);
        if (held == sizeof buffer) held = 0;  // a line longer than the buffer: its path does not matter
        std::memmove(buffer, line, held);
    }
    syscall(SYS_close, fd);  // raw: our close hook is not involved
    return true;
}

}  // namespace

void currentThreadStackBounds(uintptr_t& low, uintptr_t& high)
{
    low = high = 0;
    const auto sp = reinterpret_cast<uintptr_t>(__builtin_frame_address(0));
    uintptr_t previousEnd = 0;
    Mapping stack;
    bool found = false;
    forEachMapping([&](const Mapping& m) {
        if (sp >= m.start && sp < m.end) {
            stack = m;
            found = true;
            return true;
        }
        previousEnd = m.end;
        return false;
    });
    if (!found) return;
    high = stack.end;
    low = stack.start;
    if (stack.isMainStack) {
        rlimit limit{};
        low = previousEnd;
        if (syscall(SYS_prlimit64, 0, RLIMIT_STACK, nullptr, &limit) == 0 && limit.rlim_cur != RLIM_INFINITY &&
            limit.rlim_cur < high && high - limit.rlim_cur > low)
            low = high - limit.rlim_cur;
    }
}

}  // namespace memtrace::shim
