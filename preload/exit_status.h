// The process's exit status, as the shim sees it go, for the captures whose process no
// launcher waits for: children followed with --follow-fork and programs preloaded by hand.
// (`memtrace run` appends its own child's status from waitpid, cli/capture_append.cpp, so the
// root process's capture never gets one from here.)
//
// Where it is learnt: exit(N) and main's return (an on_exit handler registered as main starts,
// so that it runs before the loader's destructors, where the capture usually ends), _exit,
// _Exit and quick_exit (their hooks), and a fatal signal with the default action (the shim's
// handler, fatal_signals.h). A raw exit_group system call is seen by nobody.
#pragma once

namespace memtrace::shim {

class CaptureWriter;

// Both are async-signal-safe and ignored in a process that shares our memory without being
// us (a vfork child, a raw clone() child: getpid() differs from the shim's pid).
void noteExitCode(int status);  // exit(status): the kernel keeps status & 0xff
void noteKilledBy(int signal);

// Registers the on_exit handler. Called by the __libc_start_main hook's wrapper of main.
void watchExitFromMain();

// An ExitStatus record before the capture's End, if the status is known and no launcher
// waits for this process. Under the drain lock, right before writeEnd.
void writeUnwatchedExitStatus(CaptureWriter& writer);

}  // namespace memtrace::shim
