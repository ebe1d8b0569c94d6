// Which zstd level compresses the next chunk. Every chunk is its own zstd frame, so the level
// is the writer's choice alone: the reader decodes any level, and the file format is unchanged.
//
// The thorough level makes real programs' captures much smaller (sqlite3 -25% and redis-server
// -20% when every chunk gets it), and costs little when a program records few events a second;
// under an allocation storm it would take more CPU than all the rest of the writer
// (alloc_bench: CPU ratio 3.6 -> 4.7). So the thorough level is rationed: it earns credit at
// kShare of wall time (of one core), spends what each thorough compression measured, and a
// chunk gets it only if the credit covers what it is predicted to cost. A busy writer therefore
// adds at most ~kShare of a core over the fast level, and an idle one compresses everything
// thoroughly. While the machine has an idle core (idle_cores.h) the writer's work costs the
// program no wall time, and the share is kIdleShare (sqlite3 would need ~10% of a core to
// compress every chunk at level 6).
//
// The writer compresses a chunk in slices of `sliceBytes` and drains the rings between them
// (capture_file.h); while it compresses a slice, nobody empties the threads' rings, and a
// thread whose ring fills waits. So a chunk also gets the thorough level only if one slice is
// predicted to take less than the time the program needs, at its latest event rate, for
// `stallEvents` events (half a ring). Session 5 compressed whole chunks: alloc_bench's 1 MiB
// took ~15 ms at level 6 while one thread fills half a ring in ~1.5 ms (fp wall ratio
// 2.27 -> 2.50 without the bound), and sqlite3 (4.8 M events/s at its peak) never got level 6.
//
// The thorough level must also pay: when it made chunks less than kMinGainPercent smaller
// than the fast level did (alloc_bench: 2% since the fast level's minMatch is 5, at 4x the
// CPU; sqlite3 22%, redis-server 19%), chunks stay at the fast level, and only every
// kProbeInterval-th chunk tries the thorough level again to follow the data.
//
// Pure arithmetic on times and sizes the caller measures: no clock, no allocation (unit-tested).
#pragma once

#include <cstddef>
#include <cstdint>

namespace memtrace::shim {

class CompressionBudget {
public:
    static constexpr int kFastLevel = 1;
    static constexpr int kThoroughLevel = 6;
    static constexpr uint64_t kShareDivisor = 25;              // kShare = 1/25 = 4% of wall time
    static constexpr uint64_t kIdleShareDivisor = 8;           // kIdleShare = 1/8 = 12.5%
    static constexpr uint64_t kCreditCapNs = 200'000'000;      // credit saved up: at most 200 ms
    // Before a thorough compression was measured, it is predicted at kUnmeasuredFactor x the
    // fast level's measured cost (the largest ratio seen here: ~7.5 on alloc_bench; sqlite3's
    // records: 1.5), and at kUnmeasuredPsPerByte (8 ns a byte) before either was measured.
    static constexpr uint64_t kUnmeasuredFactor = 8;
    static constexpr uint64_t kUnmeasuredPsPerByte = 8'000;
    // Smaller chunks (time-based flushes) cost mostly zstd's fixed set-up: not a rate.
    static constexpr size_t kMeasureFrom = 64 << 10;
    static constexpr uint64_t kMinGainPercent = 5;
    static constexpr uint32_t kProbeInterval = 32;

    // Starts earning credit at `nowNs` (capture start). `sliceBytes`: what the writer
    // compresses between two drains (SIZE_MAX: whole chunks).
    void start(uint64_t nowNs, uint64_t stallEvents, size_t sliceBytes = SIZE_MAX)
    {
        m_lastNs = nowNs;
        m_creditNs = 0;
        m_stallEvents = stallEvents;
        m_sliceBytes = sliceBytes;
        m_chunksSinceThorough = 0;
    }

    // The level for a chunk of `bytes` holding `events` events (those since the previous
    // chunk), about to be compressed at `nowNs`; `idleCore`: whether the machine had an idle
    // core since the previous chunk.
    int levelFor(size_t bytes, uint64_t events, uint64_t nowNs, bool idleCore = false)
    {
        const uint64_t elapsedNs = nowNs > m_lastNs ? nowNs - m_lastNs : 0;
        m_creditNs += static_cast<int64_t>(elapsedNs / (idleCore ? kIdleShareDivisor : kShareDivisor));
        if (m_creditNs > static_cast<int64_t>(kCreditCapNs)) m_creditNs = kCreditCapNs;
        m_lastNs = nowNs > m_lastNs ? nowNs : m_lastNs;
        if (!thoroughPays() && m_chunksSinceThorough < kProbeInterval) return fast();
        const uint64_t predictedNs = bytes * thoroughPsPerByte() / 1000;
        if (m_creditNs < static_cast<int64_t>(predictedNs)) return fast();
        // One slice's predicted time < elapsed x stallEvents / events, without dividing.
        const uint64_t sliceNs = (bytes < m_sliceBytes ? bytes : m_sliceBytes) * thoroughPsPerByte() / 1000;
        const unsigned __int128 stallBound = static_cast<unsigned __int128>(elapsedNs) * m_stallEvents;
        if (events > 0 && static_cast<unsigned __int128>(sliceNs) * events >= stallBound) return fast();
        m_chunksSinceThorough = 0;
        return kThoroughLevel;
    }

    // What compressing `bytes` at `level` took (the compressing thread's CPU time) and gave
    // (`compressedBytes`; 0: not known).
    void spent(int level, size_t bytes, uint64_t cpuNs, size_t compressedBytes = 0)
    {
        if (level == kThoroughLevel) {
            m_creditNs -= static_cast<int64_t>(cpuNs);
            if (m_creditNs < -static_cast<int64_t>(kCreditCapNs)) m_creditNs = -static_cast<int64_t>(kCreditCapNs);
        }
        if (bytes < kMeasureFrom) return;
        // The latest measurement counts half: the data's compressibility drifts slowly.
        const bool thorough = level == kThoroughLevel;
        const uint64_t measured = cpuNs * 1000 / bytes + 1;
        uint64_t& rate = thorough ? m_thoroughPsPerByte : m_fastPsPerByte;
        rate = rate ? (rate + measured) / 2 : measured;
        if (compressedBytes == 0) return;
        const uint64_t size = compressedBytes * kRatioUnit / bytes + 1;
        uint64_t& ratio = thorough ? m_thoroughRatio : m_fastRatio;
        ratio = ratio ? (ratio + size) / 2 : size;
    }

    int64_t creditNs() const { return m_creditNs; }

private:
    static constexpr uint64_t kRatioUnit = 1 << 16;  // compressed size per kRatioUnit input bytes

    int fast()
    {
        ++m_chunksSinceThorough;
        return kFastLevel;
    }
    // Unknown until both levels were measured: then it is tried.
    bool thoroughPays() const
    {
        return m_fastRatio == 0 || m_thoroughRatio == 0 ||
               m_thoroughRatio * 100 <= m_fastRatio * (100 - kMinGainPercent);
    }
    uint64_t thoroughPsPerByte() const
    {
        if (m_thoroughPsPerByte) return m_thoroughPsPerByte;
        return m_fastPsPerByte ? m_fastPsPerByte * kUnmeasuredFactor : kUnmeasuredPsPerByte;
    }

    uint64_t m_lastNs = 0;
    int64_t m_creditNs = 0;
    uint64_t m_stallEvents = 0;
    size_t m_sliceBytes = SIZE_MAX;
    uint64_t m_fastPsPerByte = 0;      // 0 = not measured yet
    uint64_t m_thoroughPsPerByte = 0;  // 0 = not measured yet
    uint64_t m_fastRatio = 0;          // 0 = not measured yet
    uint64_t m_thoroughRatio = 0;
    uint32_t m_chunksSinceThorough = 0;
};

}  // namespace memtrace::shim
