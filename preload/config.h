// The shim's configuration, read once from the environment (launch_env.h) at start-up, and
// the capture file name that follows from it. getenv does not allocate; the strings are
// copied into fixed buffers so a later setenv/putenv by the program cannot change them.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <cstdint>

namespace memtrace::shim {

enum class UnwindMethod : uint8_t { Libunwind, FramePointer };

inline constexpr size_t kPathMax = 4096;

struct Config {
    bool hasOutput = false;             // MEMTRACE_OUTPUT set: otherwise the shim stays inactive
    char output[kPathMax] = {};         // absolute path of the root process's capture
    char outputDir[kPathMax] = {};      // for followed processes started by exec elsewhere
    long rootPid = -1;                  // -1: not set, this process is the root
    bool followFork = false;
    uint32_t maxDepth = 128;
    uint32_t rssIntervalMs = 10;
    uint32_t flushIntervalMs = 100;
    UnwindMethod unwind = UnwindMethod::Libunwind;
    bool walkMemo = true;               // the memo of earlier walks (MEMTRACE_WALK_MEMO=0: off)
    bool cfiWalk = true;                // default unwinder: the call-frame walk first (MEMTRACE_CFI_WALK=0: off)
    bool helpDrain = true;              // a thread with a full ring drains if no drain runs (MEMTRACE_HELP_DRAIN=0: off)
    bool signalHandlers = true;         // end the capture on fatal signals (MEMTRACE_SIGNAL_HANDLERS=0: off)
    uint32_t timeResolutionUs = 100;    // timestamps are multiples of this (record_encoder.h)
    uint32_t soakIntervalMs = 0;        // >0: soak mode, a Snapshot every this many ms
    uint64_t sampleRate = 0;            // >0: byte sampling with this mean (sampling.h)
    uint64_t sampleSeed = 0;
    bool sampleSeeded = false;          // MEMTRACE_SAMPLE_SEED given
    bool startPaused = false;           // control.h
    uint32_t execGeneration = 0;        // >0: this image replaced an earlier traced image (same pid)
};

// Reads the environment. Not hook-reachable in the sense of running per event; called at init
// with the reentrancy guard set. No allocation.
void readConfig(Config& config);

// The capture file for this process image: the root's MEMTRACE_OUTPUT (".exec<N>" appended
// for a same-pid exec chain), or <dir>/memtrace.<exe basename>.<pid>.mtrace for a followed
// process that is not the root. `alternate` picks the ".exec<N>" variant of the latter, used
// when the plain name already exists. Returns false if there is no such file (inactive) or
// the name does not fit.
bool captureFilePath(const Config& config, pid_t pid, const char* exePath, bool alternate, char* out,
                     size_t outSize);

}  // namespace memtrace::shim
