// The capture's end when a signal kills the program (SIGSEGV, SIGABRT, SIGTERM, SIGPIPE...).
//
// Without a handler such a death loses what the writer had not yet written: up to the flush
// interval (100 ms) of events and the End record, i.e. everything in a program that dies young
// (a crashing test, `yes | head`). So the shim's constructor installs a handler on each covered
// signal whose disposition is the default. The handler ends the capture as exit would (final
// drain, End(FatalSignal), last chunk), puts the default back and lets the same signal kill the
// process: same exit status, same core dump. SIGKILL and SIGSTOP cannot be caught; a program
// that leaves by the exit_group system call is not seen either.
//
// The program must not notice. Its view of a covered signal's disposition is kept apart: while
// our handler is installed, sigaction() and signal() report the default (or what the program
// last set, if that was the default), and setting the default keeps ours in place. Any other
// disposition (a handler, SIG_IGN) is installed for real and ends our cover of that signal,
// until the program sets the default again. Whether our handler is installed is asked of the
// kernel each time, so a disposition set past our hooks (sigset, a raw system call) is seen.
#pragma once

#include <signal.h>

namespace memtrace::shim {

// The shim's constructor, once the writer runs. Covers the signals whose disposition is the
// default. Sets the guard itself.
void installFatalSignalHandlers();

// Gives every covered signal the disposition the program believes it has, for real, and stops
// covering: after tracking stopped for good (sandbox_guard.h), the handler would only make
// system calls a sandbox may refuse.
void removeFatalSignalHandlers();

// The hooks' side (hooks_signal.cpp). For a signal we cover, answers from the program's view;
// for any other, calls the real function.
int virtualSigaction(int sig, const struct sigaction* act, struct sigaction* oldact);

// signal() and its variants for a covered signal: `flags` and `maskSelf` describe how the
// glibc function builds its sigaction (BSD: SA_RESTART and the signal masked; System V:
// SA_RESETHAND | SA_NODEFER). `realCall` installs a disposition exactly as the real function.
using SignalFunction = __sighandler_t (*)(int, __sighandler_t);
__sighandler_t virtualSignal(int sig, __sighandler_t handler, int flags, bool maskSelf, SignalFunction realCall);

}  // namespace memtrace::shim
