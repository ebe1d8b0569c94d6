// Without --follow-fork, the program `memtrace run` started sees the environment it would
// see untracked. Once the configuration is read, the shim's variables (MEMTRACE_* and the
// shim's LD_PRELOAD entry; the user's own entries stay) are taken out of `environ` and kept
// aside, and only the exec of a new image in this process, which memtrace follows, gets them
// back (exec_environment.h). So `env`, `make -p`, a program logging its environment, and the
// children of system() and popen() - which glibc spawns past every hook of ours - show the
// user's variables only. With --follow-fork every descendant needs them: nothing is hidden.
// Likewise for a shim preloaded by hand (no MEMTRACE_ROOT_PID).
#pragma once

namespace memtrace::shim {

// In the constructor, after readConfig: the program's threads have not started. Edits
// `environ` in place as unsetenv does, without allocating (a replaced LD_PRELOAD string lives
// in the shim's own mapping).
void hideShimEnvironment();

// The hidden entries ("NAME=value"; LD_PRELOAD's holds the shim's path only), null-terminated,
// or null if nothing was hidden.
char* const* hiddenEnvironment();

}  // namespace memtrace::shim
