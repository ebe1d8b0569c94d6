// Environment variables through which `memtrace run` configures the shim. The launcher sets
// them before exec; the shim reads them once at start-up (before main) with getenv, which
// does not allocate. Children inherit them, which is how fork/exec following works.
#pragma once

namespace memtrace::env {

// Absolute path of the capture file for the process the launcher started.
inline constexpr const char* kOutput = "MEMTRACE_OUTPUT";
// Directory for captures of programs started by exec in other processes (with follow-fork):
// they are named <dir>/memtrace.<basename>.<pid>.mtrace.
inline constexpr const char* kOutputDir = "MEMTRACE_OUTPUT_DIR";
// pid of the process the launcher started. Without follow-fork, a shim in any other process
// (a forked or spawned child) stays inactive.
inline constexpr const char* kRootPid = "MEMTRACE_ROOT_PID";
// "1": fork children get <parent file>.<childpid>; exec'd programs get their own capture.
inline constexpr const char* kFollowFork = "MEMTRACE_FOLLOW_FORK";
inline constexpr const char* kMaxDepth = "MEMTRACE_MAX_DEPTH";              // frames, default 128
inline constexpr const char* kRssIntervalMs = "MEMTRACE_RSS_INTERVAL_MS";   // default 10
inline constexpr const char* kFlushIntervalMs = "MEMTRACE_FLUSH_INTERVAL_MS";  // default 100
inline constexpr const char* kUnwind = "MEMTRACE_UNWIND";                   // "libunwind" | "fp"
// "0": walks without the per-thread memo of earlier walks (preload/frame_walk.h, cfi_walk.h); for tests.
inline constexpr const char* kWalkMemo = "MEMTRACE_WALK_MEMO";
// "0": the default unwinder is libunwind alone, without the call-frame walk (preload/cfi_walk.h).
inline constexpr const char* kCfiWalk = "MEMTRACE_CFI_WALK";
// "0": a program thread whose ring is full only waits for the writer thread, never drains in its
// place (preload/writer_thread.h, helpDrain); for A/B runs and tests.
inline constexpr const char* kHelpDrain = "MEMTRACE_HELP_DRAIN";
// Resolution of the capture's timestamps in µs (record_encoder.h); default kDefaultTimeResolutionUs.
inline constexpr const char* kTimeResolutionUs = "MEMTRACE_TIME_RESOLUTION_US";
// Soak mode (docs/SOAK.md): snapshot interval in ms; unset or 0 = record every event.
inline constexpr const char* kSoakIntervalMs = "MEMTRACE_SOAK_INTERVAL_MS";
// Byte sampling (docs/SAMPLING.md): mean bytes between samples; unset or 0 = every event.
inline constexpr const char* kSampleRate = "MEMTRACE_SAMPLE_RATE";
// Fixed seed for the sampling random streams (reproducible tests); unset = seeded from the clock.
inline constexpr const char* kSampleSeed = "MEMTRACE_SAMPLE_SEED";
// "0": no end-of-capture handler on fatal signals (preload/fatal_signals.h): a crash or SIGTERM
// then loses the last flush interval, as a SIGKILL does. `memtrace run --no-signal-handlers`.
inline constexpr const char* kSignalHandlers = "MEMTRACE_SIGNAL_HANDLERS";
// "1": the capture starts paused (docs/CONTROL.md); memtrace_resume() or `memtrace ctl` resumes.
inline constexpr const char* kStartPaused = "MEMTRACE_START_PAUSED";
// Set by the shim itself for a same-pid exec chain: the generation number of the image, so
// the next image's capture is <output>.exec<N> instead of colliding with its predecessor.
inline constexpr const char* kExecGeneration = "MEMTRACE_EXEC_GENERATION";

inline constexpr unsigned kDefaultMaxDepth = 128;
inline constexpr unsigned kDefaultRssIntervalMs = 10;
inline constexpr unsigned kDefaultFlushIntervalMs = 100;
inline constexpr unsigned kDefaultTimeResolutionUs = 100;

}  // namespace memtrace::env
