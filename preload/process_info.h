// Facts about the process for the ProcessInfo record, gathered once at start-up (and again in
// a followed fork child) into fixed buffers.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <cstdint>

#include "config.h"
#include "memtrace/record_encoder.h"

namespace memtrace::shim {

inline constexpr size_t kCmdlineMax = 64 * 1024;

struct ProcessFacts {
    pid_t pid = 0;
    pid_t ppid = 0;
    uint64_t startUnixNs = 0;
    uint64_t pageSize = 4096;
    uint32_t maxDepth = 0;
    uint32_t options = 0;  // bit 0 follow-fork, bit 1 frame-pointer unwinding
    char exePath[kPathMax] = {};
    char hostname[256] = {};
    char cmdline[kCmdlineMax] = {};  // arguments separated by NUL
    size_t cmdlineLength = 0;
    uint64_t sampleRate = 0;  // appended field: byte-sampling mean, 0 = every event (sampling.h)
    uint64_t timeResolutionUs = 1;  // appended field: timestamps are multiples of this
    // Appended field: the object whose malloc the process's calls reach when it is not the
    // shim's (an executable or library with an allocator of its own); empty otherwise.
    char foreignMalloc[kPathMax] = {};
};

// Reads /proc/self/exe, /proc/self/cmdline and uname, and finds which object's malloc the
// process uses (dlsym, dl_iterate_phdr). At initialisation only (guard set).
void collectProcessFacts(ProcessFacts& facts, const Config& config);

size_t processInfoBound(const ProcessFacts& facts);
void encodeProcessInfo(format::RecordEncoder& encoder, const ProcessFacts& facts);

}  // namespace memtrace::shim
