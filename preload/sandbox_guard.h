// Before the program installs a seccomp filter (prctl(PR_SET_SECCOMP) or the seccomp system
// call through syscall(), both hooked). If the filter lets every system call of the shim
// through (seccomp_filter.h), tracking goes on. Else the shim ends the capture (a
// TrackingStopped record naming the reason, End), joins its writer thread, gives the fatal
// signals back their program's dispositions and says so on stderr once: the program then runs
// inside its sandbox as it would untracked, and the capture holds everything before it.
// A filter installed before the program started (systemd's SystemCallFilter, bwrap --seccomp)
// is not seen.
#pragma once

#include <linux/filter.h>

namespace memtrace::shim {

// strictMode: SECCOMP_MODE_STRICT (only read, write, exit and sigreturn remain). filter: the
// program of SECCOMP_MODE_FILTER, else null.
void beforeSeccomp(bool strictMode, const sock_fprog* filter);

}  // namespace memtrace::shim
