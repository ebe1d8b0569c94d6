#include "clock.h"

#include <cpuid.h>
#include <fcntl.h>
#include <unistd.h>

#include <cstring>

namespace memtrace::shim {

constinit bool g_ticksAreTsc = false;
constinit HookClock g_hookClock = HookClock::Monotonic;

namespace {

// ns per TSC tick (32.32) measured at init: the rate until the first refine().
constinit uint64_t g_initialNsPerTick32 = uint64_t{1} << 32;

bool cpuHasInvariantTsc()
{
    unsigned eax, ebx, ecx, edx;
    if (!__get_cpuid(0x80000000u, &eax, &ebx, &ecx, &edx) || eax < 0x80000007u) return false;
    if (!__get_cpuid(0x80000007u, &eax, &ebx, &ecx, &edx)) return false;
    const bool invariant = (edx & (1u << 8)) != 0;
    if (!__get_cpuid(0x80000001u, &eax, &ebx, &ecx, &edx)) return false;
    const bool rdtscp = (edx & (1u << 27)) != 0;
    return invariant && rdtscp;
}

// Whether LFENCE is dispatch-serializing whatever the MSRs say (clock.h, hookTicks): Intel,
// and AMD or Hygon from family 17h on.
bool lfenceAlwaysSerializes()
{
    unsigned eax, ebx, ecx, edx;
    if (!__get_cpuid(0, &eax, &ebx, &ecx, &edx)) return false;
    char vendor[13] = {};
    std::memcpy(vendor, &ebx, 4);
    std::memcpy(vendor + 4, &edx, 4);
    std::memcpy(vendor + 8, &ecx, 4);
    if (std::strcmp(vendor, "GenuineIntel") == 0) return true;
    if (std::strcmp(vendor, "AuthenticAMD") != 0 && std::strcmp(vendor, "HygonGenuine") != 0) return false;
    if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx)) return false;
    unsigned family = (eax >> 8) & 0xf;
    if (family == 0xf) family += (eax >> 20) & 0xff;
    return family >= 0x17;
}

bool kernelClocksourceIsTsc()
{
    const int fd = ::open("/sys/devices/system/clocksource/clocksource0/current_clocksource", O_RDONLY | O_CLOEXEC);
    if (fd < 0) return false;
    char buffer[32] = {};
    const ssize_t n = ::read(fd, buffer, sizeof buffer - 1);
    ::close(fd);
    return n >= 3 && std::strncmp(buffer, "tsc", 3) == 0 && (n == 3 || buffer[3] == '\n');
}

}  // namespace

void initTickClock()
{
    g_ticksAreTsc = false;
    g_hookClock = HookClock::Monotonic;
    if (!cpuHasInvariantTsc() || !kernelClocksourceIsTsc()) return;
    // A first rate over ~0.5 ms; refine() replaces it with the rate over the whole capture.
    const uint64_t ns0 = monotonicNs();
    const uint64_t t0 = readTscOrdered();
    uint64_t ns1, t1;
    do {
        ns1 = monotonicNs();
        t1 = readTscOrdered();
    } while (ns1 - ns0 < 500000);
    if (t1 <= t0) return;
    g_initialNsPerTick32 = static_cast<uint64_t>((static_cast<unsigned __int128>(ns1 - ns0) << 32) / (t1 - t0));
    g_ticksAreTsc = true;
    g_hookClock = lfenceAlwaysSerializes() ? HookClock::LfenceRdtsc : HookClock::Rdtscp;
}

void TickConverter::start(uint64_t ns, uint64_t ticks)
{
    m_startNs = ns;
    m_startTicks = ticks;
    m_nsPerTick32 = g_initialNsPerTick32;
}

void TickConverter::refine(uint64_t ns, uint64_t ticks)
{
    if (!g_ticksAreTsc || ticks <= m_startTicks || ns <= m_startNs) return;
    if (ns - m_startNs < 20000000) return;  // < 20 ms: the init measurement is as good
    m_nsPerTick32 = static_cast<uint64_t>((static_cast<unsigned __int128>(ns - m_startNs) << 32) / (ticks - m_startTicks));
}

}  // namespace memtrace::shim
