// syscall(): hooked only to see a seccomp filter coming (libseccomp's seccomp_load and most
// sandboxes install theirs with syscall(SYS_seccomp, ...), sandbox_guard.h). Every call is made
// here with the `syscall` instruction, as glibc's syscall() does: six argument registers (the
// unused ones carry whatever the caller left), and a result in -4095..-1 becomes -1 with errno.
#include <errno.h>
#include <linux/seccomp.h>
#include <stdarg.h>
#include <sys/syscall.h>

#include "hook_support.h"
#include "sandbox_guard.h"

namespace {

long rawSyscall(long number, long a1, long a2, long a3, long a4, long a5, long a6)
{
    register long r10 asm("r10") = a4;
    register long r8 asm("r8") = a5;
    register long r9 asm("r9") = a6;
    long result;
    asm volatile("syscall"
                 : "=a"(result)
                 : "a"(number), "D"(a1), "S"(a2), "d"(a3), "r"(r10), "r"(r8), "r"(r9)
                 : "rcx", "r11", "memory");
    if (static_cast<unsigned long>(result) > -4096ul) {
        errno = static_cast<int>(-result);
        return -1;
    }
    return result;
}

}  // namespace

MEMTRACE_EXPORT long syscall(long number, ...) noexcept
{
    va_list ap;
    va_start(ap, number);
    const long a1 = va_arg(ap, long), a2 = va_arg(ap, long), a3 = va_arg(ap, long);
    const long a4 = va_arg(ap, long), a5 = va_arg(ap, long), a6 = va_arg(ap, long);
    va_end(ap);
    if (number == SYS_seccomp && (a1 == SECCOMP_SET_MODE_STRICT || a1 == SECCOMP_SET_MODE_FILTER))
        memtrace::shim::beforeSeccomp(a1 == SECCOMP_SET_MODE_STRICT,
                                      a1 == SECCOMP_SET_MODE_FILTER ? reinterpret_cast<const sock_fprog*>(a3) : nullptr);
    return rawSyscall(number, a1, a2, a3, a4, a5, a6);
}
