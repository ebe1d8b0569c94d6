#include "config.h"

#include <unistd.h>

#include <cstdlib>
#include <cstring>

#include "memtrace/format.h"
#include "memtrace/launch_env.h"
#include "text_buffer.h"

namespace memtrace::shim {
namespace {

bool copyString(const char* name, char* out, size_t size)
{
    const char* v = getenv(name);
    if (!v || !*v) return false;
    const size_t n = std::strlen(v);
    if (n >= size) return false;
    std::memcpy(out, v, n + 1);
    return true;
}

// Decimal without strtoul's locale and errno handling; `fallback` on anything malformed.
uint64_t readNumber(const char* name, uint64_t fallback)
{
    const char* v = getenv(name);
    if (!v || !*v) return fallback;
    uint64_t n = 0;
    for (; *v; ++v) {
        if (*v < '0' || *v > '9' || n > (UINT64_MAX - 9) / 10) return fallback;
        n = n * 10 + static_cast<uint64_t>(*v - '0');
    }
    return n;
}

const char* baseName(const char* path)
{
    const char* slash = std::strrchr(path, '/');
    return slash ? slash + 1 : path;
}

}  // namespace

void readConfig(Config& c)
{
    c = Config{};
    c.hasOutput = copyString(env::kOutput, c.output, sizeof c.output) && c.output[0] == '/';
    copyString(env::kOutputDir, c.outputDir, sizeof c.outputDir);
    if (getenv(env::kRootPid)) c.rootPid = static_cast<long>(readNumber(env::kRootPid, 0));
    const char* follow = getenv(env::kFollowFork);
    c.followFork = follow && std::strcmp(follow, "1") == 0;
    c.maxDepth = static_cast<uint32_t>(readNumber(env::kMaxDepth, env::kDefaultMaxDepth));
    if (c.maxDepth == 0) c.maxDepth = 1;
    if (c.maxDepth > format::kMaxStackDepth) c.maxDepth = format::kMaxStackDepth;
    c.rssIntervalMs = static_cast<uint32_t>(readNumber(env::kRssIntervalMs, env::kDefaultRssIntervalMs));
    c.flushIntervalMs = static_cast<uint32_t>(readNumber(env::kFlushIntervalMs, env::kDefaultFlushIntervalMs));
    if (c.rssIntervalMs == 0) c.rssIntervalMs = env::kDefaultRssIntervalMs;
    if (c.flushIntervalMs == 0) c.flushIntervalMs = env::kDefaultFlushIntervalMs;
    c.timeResolutionUs =
        static_cast<uint32_t>(readNumber(env::kTimeResolutionUs, env::kDefaultTimeResolutionUs));
    if (c.timeResolutionUs == 0) c.timeResolutionUs = 1;
    const char* unwind = getenv(env::kUnwind);
    c.unwind = unwind && std::strcmp(unwind, "fp") == 0 ? UnwindMethod::FramePointer : UnwindMethod::Libunwind;
    const char* walkMemo = getenv(env::kWalkMemo);
    c.walkMemo = !(walkMemo && std::strcmp(walkMemo, "0") == 0);
    const char* cfiWalk = getenv(env::kCfiWalk);
    c.cfiWalk = !(cfiWalk && std::strcmp(cfiWalk, "0") == 0);
    const char* helpDrain = getenv(env::kHelpDrain);
    c.helpDrain = !(helpDrain && std::strcmp(helpDrain, "0") == 0);
    const char* signalHandlers = getenv(env::kSignalHandlers);
    c.signalHandlers = !(signalHandlers && std::strcmp(signalHandlers, "0") == 0);
    c.execGeneration = static_cast<uint32_t>(readNumber(env::kExecGeneration, 0));
    c.sampleRate = readNumber(env::kSampleRate, 0);
    c.sampleSeeded = getenv(env::kSampleSeed) != nullptr;
    c.sampleSeed = readNumber(env::kSampleSeed, 0);
    const char* paused = getenv(env::kStartPaused);
    c.startPaused = paused && std::strcmp(paused, "1") == 0;
    // Soak: RSS goes with each snapshot, not every 10 ms (the capture must not grow with time
    // faster than snapshots do).
    c.soakIntervalMs = static_cast<uint32_t>(readNumber(env::kSoakIntervalMs, 0));
    if (c.soakIntervalMs > 0 && c.rssIntervalMs < c.soakIntervalMs) c.rssIntervalMs = c.soakIntervalMs;
}

bool captureFilePath(const Config& c, pid_t pid, const char* exePath, bool alternate, char* out, size_t outSize)
{
    if (!c.hasOutput) return false;
    TextBuffer path(out, outSize);
    const bool isRoot = c.rootPid < 0 || c.rootPid == pid;
    if (isRoot) {
        path.add(c.output);
        if (c.execGeneration > 0) path.add(".exec").addUnsigned(c.execGeneration);
        return !path.overflowed();
    }
    if (!c.followFork) return false;
    if (c.outputDir[0]) {
        path.add(c.outputDir);
    } else {
        const char* slash = std::strrchr(c.output, '/');
        path.add(c.output, static_cast<size_t>(slash - c.output));
    }
    path.add("/memtrace.").add(baseName(exePath)).add(".").addUnsigned(static_cast<uint64_t>(pid));
    if (alternate) path.add(".exec").addUnsigned(c.execGeneration);
    path.add(".mtrace");
    return !path.overflowed();
}

}  // namespace memtrace::shim
