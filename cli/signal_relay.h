// The launcher's signal duties. `memtrace run` stands between the program and whoever started
// it (a shell, a supervisor); neither side may see a difference in the signals that pass:
//
//   someone else ──kill(launcher)──▶ launcher ──kill(program)──▶ program
//   program ──kill(getppid())──▶ launcher ──kill(getppid())──▶ launcher's parent
//   program killed by signal N  ⇒  launcher dies of signal N (not exit 128+N)
//
// Signals from the terminal (Ctrl-C, Ctrl-\) already reach the whole foreground process group,
// the program included, so the launcher does nothing with them.
#pragma once

#include <sys/types.h>

namespace memtrace::cli {

// Before fork: blocks the relayed signals and installs the relay's handler, so that no signal
// can arrive between fork and the moment the launcher knows the program's pid (a Ctrl-C there
// used to kill the launcher alone, and a supervisor's SIGTERM was lost).
void prepareSignalRelay();

// In the forked child, before exec: the dispositions and the signal mask the launcher was
// started with (a SIG_IGN it inherited stays ignored in the program, as without memtrace).
void restoreSignalsInChild();

// In the launcher after fork: relay to and from `program` (-1 if fork failed: just unblock).
void startSignalRelay(pid_t program);

// After the program has been reaped: there is nobody left to relay to.
void stopSignalRelay();

// Ends the launcher the way the program ended: by signal `sig`. The launcher's own core dump
// is suppressed (the program's, if any, was written already). Exits 128+sig only if the signal
// does not kill (it always does for a signal that killed the program).
[[noreturn]] void dieOfSignal(int sig);

}  // namespace memtrace::cli
