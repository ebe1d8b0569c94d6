// Clocks used by the shim. None makes a syscall, allocates or locks; all are async-signal-safe,
// so any hook may call them.
//
// Event timestamps (eventTicks) are the merge key that orders the per-thread rings (see
// capture_writer.h, "The causal cut"). The argument needs a clock that is
//   (1) one clock for every core: a stamp taken after another core's store became visible is
//       not smaller than a stamp that core took before the store;
//   (2) read in program order: not taken speculatively before the preceding loads (the call
//       that returned the block, the load that observed another thread's pointer) have
//       completed, and complete before the following stores (the commit) become visible.
// The TSC, where the CPU has an invariant TSC (constant rate, runs in every C-state) and the
// kernel itself uses it as its clocksource (the kernel checked at boot that the cores' TSCs
// are synchronized, else it would have switched to another clocksource), gives (1). RDTSCP
// waits until every previous instruction has executed and every previous load is globally
// visible; the LFENCE after it keeps later instructions (loads of the drain, the commit's
// store) from starting before the counter is read: (2) - the same sequence the kernel's own
// vDSO clock_gettime uses (rdtsc_ordered). It costs ~10 ns against ~25 ns for clock_gettime.
// Without an invariant TSC or with another clocksource, ticks are CLOCK_MONOTONIC ns.
//
// Ticks become µs only on the writer (TickConverter in capture_writer.h).
#pragma once

#include <cstdint>
#include <ctime>

namespace memtrace::shim {

// Set once at init (initTickClock), before any hook records. True: ticks are TSC cycles.
extern constinit bool g_ticksAreTsc;

inline uint64_t monotonicNs()
{
    timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<uint64_t>(ts.tv_sec) * 1000000000ull + static_cast<uint64_t>(ts.tv_nsec);
}

// Interval bookkeeping (flush and RSS intervals, the no-progress limit): CLOCK_MONOTONIC ns.
inline uint64_t nowNs() { return monotonicNs(); }

inline uint64_t readTscOrdered()
{
    uint32_t lo, hi, aux;
    asm volatile("rdtscp\n\tlfence" : "=a"(lo), "=d"(hi), "=c"(aux)::"memory");
    return (static_cast<uint64_t>(hi) << 32) | lo;
}

// Event timestamps and the drain's cut: see above. Never 0.
inline uint64_t eventTicks() { return g_ticksAreTsc ? readTscOrdered() : monotonicNs(); }

// The stamp of an allocation or a release in the hot path, without eventTicks' trailing
// LFENCE. What the merge needs from these stamps is weaker than (2): the stamp must be read
// after the loads that returned the block, and before the stores that follow it become
// visible to another thread - the ring commit, and for a release the real free that lets
// another thread obtain the block. Stores become visible only after they retire and
// retirement is in order, so they follow the counter read without a fence. Later loads may
// run ahead of the read, but no ordering argument rests on them. The LFENCE stays where it is
// needed: the writer's cut S must be read before the loads of the rings' commit counters.
// The trailing fence was ~60% of the malloc hook's own cycles (perf, alloc_bench --unwind fp).
//
// "After the loads": RDTSCP waits for every earlier instruction and load. Where LFENCE is
// dispatch-serializing (every Intel CPU; AMD and Hygon from family 17h, Zen) an LFENCE before
// a plain RDTSC gives the same - nothing after it starts until everything before it has
// completed - and costs less: alloc_bench 2 x 1 M --unwind fp, 20 paired runs, wall 0.950
// (0.910-0.999), CPU 0.955 (a malloc + free pair ~3 ns shorter in a micro-benchmark on this
// EPYC VM). Older AMD CPUs serialize on LFENCE only if the kernel set an MSR bit that user
// space cannot see: they keep RDTSCP. This is the kernel's own choice in rdtsc_ordered.
enum class HookClock : uint8_t { Monotonic, LfenceRdtsc, Rdtscp };
extern constinit HookClock g_hookClock;  // set with g_ticksAreTsc by initTickClock

inline uint64_t hookTicks()
{
    uint32_t lo, hi, aux;
    switch (g_hookClock) {
    case HookClock::LfenceRdtsc: asm volatile("lfence\n\trdtsc" : "=a"(lo), "=d"(hi)::"memory"); break;
    case HookClock::Rdtscp: asm volatile("rdtscp" : "=a"(lo), "=d"(hi), "=c"(aux)::"memory"); break;
    default: return monotonicNs();
    }
    return (static_cast<uint64_t>(hi) << 32) | lo;
}

// Decides whether ticks are TSC cycles (cpuid + the kernel's clocksource). Init only: reads
// sysfs with raw open/read; no allocation.
void initTickClock();

// Wall clock, only for ProcessInfo's start time.
inline uint64_t realtimeNs()
{
    timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return static_cast<uint64_t>(ts.tv_sec) * 1000000000ull + static_cast<uint64_t>(ts.tv_nsec);
}

// Ticks -> ns since a capture's start, for the writer. The rate is measured between the
// capture's start and the latest drain (refine()), so it gets more exact as the capture runs;
// emitted times stay monotonic because the encoder never moves time backwards.
class TickConverter {
public:
    void start(uint64_t ns, uint64_t ticks);
    // Called by the writer at each drain with a fresh (ns, ticks) pair.
    void refine(uint64_t ns, uint64_t ticks);
    uint64_t toNsSinceStart(uint64_t ticks) const
    {
        if (ticks <= m_startTicks) return 0;
        if (!g_ticksAreTsc) return ticks - m_startTicks;
        return static_cast<uint64_t>((static_cast<unsigned __int128>(ticks - m_startTicks) * m_nsPerTick32) >> 32);
    }
    // About the tick at which toNsSinceStart reaches ns (within a tick or two: callers settle
    // it with toNsSinceStart).
    uint64_t ticksEstimateForNs(uint64_t ns) const
    {
        if (!g_ticksAreTsc) return m_startTicks + ns;
        if (m_nsPerTick32 == 0) return ~0ull;
        return m_startTicks + static_cast<uint64_t>((static_cast<unsigned __int128>(ns) << 32) / m_nsPerTick32);
    }

private:
    uint64_t m_startNs = 0;
    uint64_t m_startTicks = 0;
    uint64_t m_nsPerTick32 = uint64_t{1} << 32;  // ns per tick, 32.32 fixed point
};

}  // namespace memtrace::shim
