// Whether a seccomp filter that the program is about to install lets the shim go on.
//
// A program may sandbox itself (libseccomp's seccomp_load, prctl(PR_SET_SECCOMP), an sshd
// privilege-separation child, a browser's renderer): from then on every system call of the
// filtered threads - and of all threads, with SECCOMP_FILTER_FLAG_TSYNC - goes through the
// filter. The shim's own calls (a new thread's first hook, a drain on a program thread, the end
// of the capture at exit) then met an allowlist that did not foresee them: the process died of
// SIGSYS where it ran untracked. So the filter is run here, in an interpreter of seccomp's
// classic BPF, on every system call the shim makes after start-up (with zero arguments, the
// x86-64 arch and no instruction pointer): if it allows them all (a denylist of dangerous
// calls), tracking goes on; if it does not (an allowlist; a trap, a kill, an errno, a tracer
// or a user-space notification for any of them; an instruction it does not know), the shim
// ends the capture and stops before the filter is installed (sandbox_guard.h).
#pragma once

#include <linux/filter.h>

namespace memtrace::shim {

bool seccompFilterAllowsShim(const sock_fprog* program);

}  // namespace memtrace::shim
