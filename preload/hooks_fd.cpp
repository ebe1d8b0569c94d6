// close, close_range, closefrom, dup2, dup3: keep the program from closing or replacing the
// shim's own descriptors (shim_descriptors.h); pipe2: move libunwind's pipe among them. Without this a daemon's "close everything"
// loop made the writer find a foreign file behind its number and stop tracking at once.
//
// What the program sees is as close as we can make it to what it would see without the shim:
// close_range/closefrom close everything else, dup2/dup3 onto our number succeeds (ours has
// moved away first), and close() of one of ours succeeds without closing it. A program only
// learns our numbers by listing /proc/self/fd, and one that closes what it lists (Chromium's
// crashpad handler, daemons) would never have seen them without the shim: EBADF there was a
// failure the untracked program does not have, which crashpad prints. A blind loop over every
// number gets 0 instead of EBADF for our few numbers; such loops ignore the result.
//
// Pass-through cases: the shim's own calls (guard set: the writer closing its file, a fork
// child dropping its copy) and a vfork/posix_spawn child, which shares our memory but has its
// own descriptor table (getpid() != g_pid): it must not move the parent's descriptor.
// No allocation; dup2/dup3 onto our number take the drain lock (never held by a thread that
// records an event), so the writer is not half-way through a write to the old number.
#include <errno.h>
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>

#include "hook_support.h"
#include "real_functions.h"
#include "shim_descriptors.h"
#include "unwinder.h"
#include "writer_thread.h"

namespace memtrace::shim {
namespace {

// Today: the capture file, /proc/self/statm, /proc/stat (idle_cores.h), the control socket,
// libunwind's pipe (two ends).
constexpr int kMaxSlots = 8;
constinit std::atomic<int*> g_slots[kMaxSlots] = {};

int loadFd(int* slot) { return __atomic_load_n(slot, __ATOMIC_ACQUIRE); }

// The slot holding `fd`, if it is one of ours and this call should protect it.
int* protectedSlot(int fd)
{
    if (fd < 0 || t_inShim) return nullptr;
    for (auto& entry : g_slots) {
        int* slot = entry.load(std::memory_order_acquire);
        if (slot && loadFd(slot) == fd) return getpid() == g_pid ? slot : nullptr;
    }
    return nullptr;
}

// Our descriptors inside [first, last], ascending; returns how many.
int protectedIn(unsigned first, unsigned last, unsigned* out)
{
    if (t_inShim) return 0;
    int count = 0;
    for (auto& entry : g_slots) {
        int* slot = entry.load(std::memory_order_acquire);
        const int fd = slot ? loadFd(slot) : -1;
        if (fd >= 0 && static_cast<unsigned>(fd) >= first && static_cast<unsigned>(fd) <= last) out[count++] = static_cast<unsigned>(fd);
    }
    if (count > 0 && getpid() != g_pid) return 0;
    for (int i = 1; i < count; ++i)  // insertion sort of at most kMaxSlots
        for (int j = i; j > 0 && out[j - 1] > out[j]; --j) {
            const unsigned t = out[j];
            out[j] = out[j - 1];
            out[j - 1] = t;
        }
    return count;
}

// The real functions may not be resolved yet (before the shim's constructor, or while another
// thread resolves them): then the system call. Never resolved from here (resolvedOrNull): an
// allocator of the program's own might close a descriptor with its lock held.
int realClose(int fd)
{
    if (auto fn = resolvedOrNull(&RealFunctions::close)) return fn(fd);
    return static_cast<int>(syscall(SYS_close, fd));
}

int realDup3(int oldfd, int newfd, int flags)
{
    if (auto fn = resolvedOrNull(&RealFunctions::dup3)) return fn(oldfd, newfd, flags);
    return static_cast<int>(syscall(SYS_dup3, oldfd, newfd, flags));
}

int realDup2(int oldfd, int newfd)
{
    if (auto fn = resolvedOrNull(&RealFunctions::dup2)) return fn(oldfd, newfd);
    if (oldfd == newfd) return fcntl(oldfd, F_GETFD) < 0 ? -1 : newfd;  // dup3 refuses equal fds
    return realDup3(oldfd, newfd, 0);
}

int realCloseRange(unsigned first, unsigned last, int flags)
{
    if (auto fn = resolvedOrNull(&RealFunctions::close_range)) return fn(first, last, flags);
    return static_cast<int>(syscall(SYS_close_range, first, last, flags));
}

// close_range over [first, last] minus our descriptors. Returns the first failure.
int closeRangeAround(unsigned first, unsigned last, int flags)
{
    unsigned ours[kMaxSlots];
    const int count = (flags & CLOSE_RANGE_CLOEXEC) ? 0 : protectedIn(first, last, ours);
    if (count == 0) return realCloseRange(first, last, flags);
    int rc = 0;
    unsigned from = first;
    for (int i = 0; i <= count; ++i) {
        const unsigned to = i < count ? ours[i] : last;
        const bool lastPiece = i == count;
        if (lastPiece ? from <= to : from < to) {
            const int r = realCloseRange(from, lastPiece ? to : to - 1, flags);
            if (r != 0 && rc == 0) rc = r;
        }
        if (lastPiece || ours[i] == ~0U) break;
        from = ours[i] + 1;
    }
    return rc;
}

// dup2/dup3 onto one of ours: move ours first, with no write in flight.
template <class Call>
int dupOnto(int newfd, Call&& call)
{
    int* slot = protectedSlot(newfd);
    if (!slot) return call();
    ShimScope guard;
    DrainLockScope lock(g_drainLock);
    if (loadFd(slot) != newfd) return call();  // closed or moved meanwhile
    const int moved = fcntl(newfd, F_DUPFD_CLOEXEC, shimFdFloor());
    if (moved >= 0) __atomic_store_n(slot, moved, __ATOMIC_RELEASE);
    const int rc = call();
    if (rc < 0 && moved >= 0) {  // the number is still ours: undo the move
        const int error = errno;
        __atomic_store_n(slot, newfd, __ATOMIC_RELEASE);
        realClose(moved);
        errno = error;
    }
    return rc;
}

}  // namespace

void protectDescriptor(int* fd)
{
    for (auto& entry : g_slots) {
        if (entry.load(std::memory_order_acquire) == fd) return;
    }
    for (auto& entry : g_slots) {
        int* none = nullptr;
        if (entry.compare_exchange_strong(none, fd, std::memory_order_acq_rel)) return;
    }
}

void closeProtectedDescriptor(int* fd)
{
    const int number = *fd;
    __atomic_store_n(fd, -1, __ATOMIC_RELEASE);
    if (number >= 0) ::close(number);
}

int shimFdFloor()
{
    constexpr int kRoom = 16;
    rlimit limit{};
    if (getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur == RLIM_INFINITY ||
        limit.rlim_cur >= static_cast<rlim_t>(kLowestShimFd + kRoom))
        return kLowestShimFd;
    const int below = static_cast<int>(limit.rlim_cur) - kRoom;
    return below > 3 ? below : 3;
}

int moveAboveProgramFds(int fd)
{
    if (fd < 0) return fd;
    const int high = fcntl(fd, F_DUPFD_CLOEXEC, shimFdFloor());
    if (high < 0) return fd;
    realClose(fd);
    return high;
}

}  // namespace memtrace::shim

using namespace memtrace::shim;

MEMTRACE_EXPORT int close(int fd)
{
    if (protectedSlot(fd)) return 0;  // see the top of this file
    return realClose(fd);
}

MEMTRACE_EXPORT int close_range(unsigned first, unsigned last, int flags) noexcept
{
    return closeRangeAround(first, last, flags);
}

// glibc's closefrom calls close_range internally, past our hook: route it through ours. If
// the kernel has no close_range, glibc's fallback (walking /proc/self/fd) runs as before.
MEMTRACE_EXPORT void closefrom(int lowfd) noexcept
{
    const unsigned first = lowfd < 0 ? 0u : static_cast<unsigned>(lowfd);
    if (closeRangeAround(first, ~0U, 0) == 0) return;
    if (auto fn = real().closefrom) fn(lowfd);
}

// libunwind (1.6, src/x86_64/Ginit.c) opens a pipe at its initialisation and again if reading
// it fails, and writes a byte of memory into it to check that an address is readable when a
// walk cannot trust a frame. Left where the kernel puts it, that pipe took fds 3 and 4 of every
// traced program: the program's descriptors started at 5, a program that closed 3 and 4 and
// opened its own files there had bytes read from and written into them (the sweep of session
// 20). Its ends are moved up with ours, and since the array pipe2 fills is libunwind's own
// static (mem_validate_pipe), its two ints are registered as protected slots: a dup2 onto one
// moves the end and rewrites libunwind's number. A libunwind read or write that loaded the old
// number just before that move can still reach the program's new file: a window of a few
// instructions, only for a program that dup2s onto numbers it found in /proc/self/fd.
MEMTRACE_EXPORT int pipe2(int fds[2], int flags) noexcept
{
    const int rc = static_cast<int>(syscall(SYS_pipe2, fds, flags));  // all glibc's pipe2 does
    if (rc != 0 || !t_inShim || !isUnwinderCode(reinterpret_cast<uintptr_t>(__builtin_return_address(0)))) return rc;
    for (int end = 0; end < 2; ++end) {
        fds[end] = moveAboveProgramFds(fds[end]);
        protectDescriptor(&fds[end]);
    }
    return rc;
}

MEMTRACE_EXPORT int dup2(int oldfd, int newfd) noexcept
{
    return dupOnto(newfd, [&] { return realDup2(oldfd, newfd); });
}

MEMTRACE_EXPORT int dup3(int oldfd, int newfd, int flags) noexcept
{
    return dupOnto(newfd, [&] { return realDup3(oldfd, newfd, flags); });
}
