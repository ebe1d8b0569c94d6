// Turns the rings into the capture: one *drain* reads every ring, emits the module map if it
// changed, the Stack records of new ids, then the rings' events merged by timestamp, then an
// RSS sample; chunks are compressed and written as the payload buffer fills or the flush
// interval passes.
//
// The causal cut. A drain takes S = now BEFORE it reads any ring and emits only events with
// ts < S (and below any in-flight realloc/munmap start). If event e1 causally precedes e2
// (e1 was committed before e2's timestamp was taken - e.g. the malloc of p returned before
// another thread freed p, or a free was committed before the real free let p be reused), then
// e2 emitted in this drain means e1.commit < e2.ts < S, so e1 was committed before the drain
// read its ring: e1 is emitted in this drain or an earlier one, and the merge puts it first.
//
// Resizes (realloc/mremap) are the exception to "one timestamp per event": see
// resize_ordering.h for how they are keyed and held back.
//
// Only one drain runs at a time (DrainLock); all methods are called with it held.
// No allocation through the program's allocator (every buffer is a raw mapping).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

#include "capture_file.h"
#include "clock.h"
#include "memtrace/format.h"
#include "memtrace/record_encoder.h"
#include "process_info.h"
#include "raw_event.h"
#include "soak_aggregator.h"
#include "tick_ownership.h"

namespace memtrace::shim {

class ThreadRing;

enum class DrainMode {
    Periodic,  // events before the causal cut
    Final,     // everything committed (exit, exec, _exit, stop)
};

class CaptureWriter {
public:
    // Buffers and compressor; once per process.
    bool init();

    // Opens a new capture (root start, or a followed fork child): FileHeader, then the first
    // chunk starts with ProcessInfo; the module map and every stack are emitted again.
    bool startCapture(const char* path, const ProcessFacts& facts, uint64_t startNs, uint64_t startTicks,
                      const char** error);

    // cutLimit: emit nothing stamped at or after it (control records, control.h).
    void drain(DrainMode mode, uint64_t cutLimit = UINT64_MAX);
    // A producer's drain in the writer thread's place (writer_thread.h, helpDrain): only the
    // events of the rings, merged as drain() merges them. Everything that calls into the loader
    // or reads /proc (module map, RSS, exited rings, soak snapshots) stays the writer's, so it
    // declines - returns false, having emitted nothing - when a Stack record is still to be
    // emitted: that needs the module map checked first.
    bool drainEventsOnly();
    // Seals the chunk if the payload is nearly full or the flush interval has passed.
    void maybeFlush(uint64_t now);
    // Compresses and writes every pending chunk (the one being compressed, then what is
    // encoded so far) before returning.
    bool flush();
    // The sealed chunk is compressed in slices (capture_file.h) between drains: the writer
    // thread compresses about `bytes` of it per turn while compressing() says so.
    bool compressing() const { return m_file.chunkInProgress(); }
    bool compressSlice(size_t bytes);

    void writeEnd(format::EndReason reason);
    void writeExitStatus(format::ExitKind kind, uint64_t code);
    void writeTrackingStopped(const char* reason);
    // Pause, Resume (no label) or Marker at event tick atTicks (control.h).
    void writeControl(format::RecordType type, const char* label, size_t length, uint64_t atTicks);
    void close();
    // Fork child without follow-fork: drop our copy of the parent's descriptor, write nothing.
    void abandonInChild();

    bool isOpen() const { return m_file.isOpen(); }
    const char* path() const { return m_file.path(); }
    uint64_t writtenUpToUs() const { return m_writtenUpToUs; }

private:
    struct Pending {
        ThreadRing* ring;
        uint64_t next;
        uint64_t end;
        uint64_t key;  // merge key of the head event (see resize_ordering.h)
    };

    void ensureRoom(size_t bytes);
    // Hands the chunk being filled to the compressor and starts the next one in the other buffer.
    bool seal();
    bool finishCompression() { return compressSlice(SIZE_MAX); }
    // Closes the capture after a failed chunk; returns false.
    bool failed(const char* error);
    void publishConsumed();
    // Called after each event the merge takes from a ring: every kPublishEvery of them, the
    // room made so far in the rings whose threads wait for it is published, so that they go
    // on during the drain instead of after it (alloc_bench 2 threads: wall -8%, CPU -4%).
    // Only rings with a waiter and that much room made: publishing every ring each time cost
    // 8 threads +9% CPU.
    void noteTaken()
    {
        if (++m_takenSincePublish < kPublishEvery) return;
        m_takenSincePublish = 0;
        publishRoomForWaiters();
    }
    void publishRoomForWaiters();
    static constexpr uint32_t kPublishEvery = 2048;  // 1/8 of a ring
    // Event ticks (clock.h) -> µs since the capture started.
    uint64_t toUs(uint64_t ticks) const { return m_clock.toNsSinceStart(ticks) / 1000; }
    size_t snapshotRings(uint64_t& cut, DrainMode mode);
    void emitModuleMapIfChanged();
    void emitNewStacks(uint32_t limit);
    void mergeEvents(size_t count, uint64_t cut, uint64_t drainStart);
    uint64_t conflictingReleaseTime(const RawEvent& resize, size_t self, size_t count) const;
    void emitOrFold(const RawEvent& ev, uint64_t key);
    // Runs of one ring's events within a time tick (tick_ownership.h).
    uint64_t tickEndKey(uint64_t key) const;
    void noteOwnersOfTick(size_t count, uint64_t limit);
    void emitRunOfSameTick(Pending& top, uint8_t owner, size_t count, uint64_t cut);
    void emitEvent(const RawEvent& ev, uint64_t key);
    void emitRss(uint64_t atTicks, uint64_t bytes);
    void recycleExitedRings(uint64_t atTicks);
    uint64_t readRss();
    bool growPending(size_t needed);
    // Soak mode: a Snapshot (all its parts) at atTicks, then a flush (soak_aggregator.h).
    void emitSnapshot(uint64_t atTicks);

    CaptureFile m_file;
    std::optional<format::RecordEncoder> m_enc;
    uint8_t* m_payload[2] = {};  // one fills while the other is compressed
    int m_filling = 0;
    Pending* m_pending = nullptr;
    size_t m_pendingCapacity = 0;
    size_t m_merging = 0;  // rings in the merge under way (publishConsumed)
    uint32_t m_takenSincePublish = 0;
    uint32_t* m_heap = nullptr;
    TickOwnership m_ownership;
    uint64_t m_tickEnd = 0;         // first key after the current tick of this merge
    bool m_ownershipNoted = false;  // m_ownership describes the current tick

    TickConverter m_clock;
    uint32_t m_sequence = 0;
    uint64_t m_lastFlushNs = 0;
    uint64_t m_lastRssNs = 0;
    uint64_t m_currentUs = 0;
    uint64_t m_writtenUpToUs = 0;
    uint64_t m_sealedUpToUs = 0;  // m_currentUs when the chunk being compressed was sealed
    uint64_t m_moduleGeneration = 0;
    uint64_t m_eventsWritten = 0;
    uint64_t m_eventsAtFlush = 0;  // m_eventsWritten at the last chunk written
    uint64_t m_programDrains = 0;  // drainEventsOnly runs (End)
    // The key of the latest Pause record while paused, else UINT64_MAX (emitOrFold).
    uint64_t m_pausedFromKey = UINT64_MAX;
    int m_statmFd = -1;
    const char* m_exePath = nullptr;
    SoakAggregator m_soak;
    uint64_t m_lastSnapshotNs = 0;
};

}  // namespace memtrace::shim
