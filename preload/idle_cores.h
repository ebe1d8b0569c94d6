// Whether the machine has had an idle core lately, from /proc/stat (idle + iowait time of all
// CPUs). The writer asks before each chunk (compression_budget.h): while a core is idle, the
// writer's extra compression work costs the program no wall time, so it may take more of it.
//
// Writer side only (the writer thread, or a synchronous drain under the drain lock).
#pragma once

#include <cstdint>

namespace memtrace::shim {

class IdleCores {
public:
    // (Re)opens /proc/stat above the program's descriptors, protected from it (shim_descriptors.h).
    void open();
    void close();

    // True if, between the two latest readings, at least half a core was idle on average.
    // Reads /proc/stat at most every kIntervalNs; in between, the latest answer. False if
    // /proc/stat cannot be read.
    bool idleCoreSeen(uint64_t nowNs);

    // The idle + iowait ticks of /proc/stat's first ("cpu ") line; false if it is not there.
    static bool parseIdleTicks(const char* text, uint64_t& idleTicks);

    static constexpr uint64_t kIntervalNs = 200'000'000;

private:
    int m_fd = -1;
    long m_ticksPerSecond = 100;
    uint64_t m_lastNs = 0;
    uint64_t m_lastIdleTicks = 0;
    bool m_idleCore = false;
};

inline bool IdleCores::parseIdleTicks(const char* text, uint64_t& idleTicks)
{
    if (text[0] != 'c' || text[1] != 'p' || text[2] != 'u' || text[3] != ' ') return false;
    const char* p = text + 3;
    uint64_t field[5] = {};  // user nice system idle iowait
    for (uint64_t& value : field) {
        while (*p == ' ') ++p;
        if (*p < '0' || *p > '9') return false;
        while (*p >= '0' && *p <= '9') value = value * 10 + static_cast<uint64_t>(*p++ - '0');
    }
    idleTicks = field[3] + field[4];
    return true;
}

}  // namespace memtrace::shim
