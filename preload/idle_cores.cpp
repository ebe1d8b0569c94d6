#include "idle_cores.h"

#include <fcntl.h>
#include <unistd.h>

#include "shim_descriptors.h"

namespace memtrace::shim {

void IdleCores::open()
{
    close();
    m_fd = moveAboveProgramFds(::open("/proc/stat", O_RDONLY | O_CLOEXEC));
    protectDescriptor(&m_fd);  // hooks_fd.cpp: the program cannot close or replace it
    const long ticks = sysconf(_SC_CLK_TCK);
    m_ticksPerSecond = ticks > 0 ? ticks : 100;
    m_lastNs = 0;
    m_idleCore = false;
}

void IdleCores::close() { closeProtectedDescriptor(&m_fd); }

bool IdleCores::idleCoreSeen(uint64_t nowNs)
{
    if (m_fd < 0) return false;
    if (m_lastNs != 0 && nowNs - m_lastNs < kIntervalNs) return m_idleCore;
    char buf[256];  // the first line is all we need
    const ssize_t n = pread(m_fd, buf, sizeof buf - 1, 0);
    uint64_t idle = 0;
    if (n <= 0) return m_idleCore = false;
    buf[n] = '\0';
    if (!parseIdleTicks(buf, idle)) return m_idleCore = false;
    if (m_lastNs != 0 && idle >= m_lastIdleTicks) {
        // idle ticks / (elapsed s x ticks per s) >= 1/2, in integers.
        const uint64_t elapsedNs = nowNs - m_lastNs;
        m_idleCore = (idle - m_lastIdleTicks) * 2'000'000'000ull >= elapsedNs * static_cast<uint64_t>(m_ticksPerSecond);
    }
    m_lastNs = nowNs;
    m_lastIdleTicks = idle;
    return m_idleCore;
}

}  // namespace memtrace::shim
