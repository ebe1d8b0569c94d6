// The environment handed to a traced exec: the caller's envp with MEMTRACE_EXEC_GENERATION set
// to this image's generation + 1, so the next image (same pid) writes <output>.exec<N+1>
// instead of colliding with this capture. Where the shim hid its variables from the program
// (hidden_environment.h) they are given back here: the shim's path first in LD_PRELOAD, then
// the user's entries of envp, as `memtrace run` set it. Built in a raw mapping - no malloc
// between the final flush and the exec. Otherwise an envp without MEMTRACE_OUTPUT (the program
// dropped tracing, e.g. env -i under --follow-fork) is passed through untouched.
#pragma once

#include <cstddef>
#include <cstdint>

namespace memtrace::shim {

class ExecEnvironment {
public:
    // hidden: hiddenEnvironment(), null if nothing was hidden.
    ExecEnvironment(char* const* envp, uint32_t nextGeneration, char* const* hidden = nullptr);
    ~ExecEnvironment();
    ExecEnvironment(const ExecEnvironment&) = delete;
    ExecEnvironment& operator=(const ExecEnvironment&) = delete;

    char* const* get() const { return m_env ? m_env : m_original; }

private:
    char* const* m_original;
    char** m_env = nullptr;
    size_t m_bytes = 0;
};

}  // namespace memtrace::shim
