// Everything the reports know about one capture, built by streaming its records once:
// CaptureModel::apply(record) per record, finish() at the end (capture_loader.h does both).
//
// Memory is O(live blocks + unique stacks + threads + modules), never O(events): per-event
// state lives in HeapTracker / MmapTracker, history only in the bounded Timeline.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "control_events.h"
#include "heap_tracker.h"
#include "ids.h"
#include "memtrace/format.h"
#include "mmap_tracker.h"
#include "record.h"
#include "snapshot_state.h"
#include "stack_table.h"
#include "timeline.h"

namespace memtrace::reader {

struct ProcessInfo {
    uint64_t pid = 0;
    uint64_t ppid = 0;
    uint64_t startUnixNs = 0;
    uint64_t pageSize = 0;
    uint64_t maxDepth = 0;
    uint64_t options = 0;
    uint64_t sampleRate = 0;  // byte sampling: mean bytes per sample; 0 = every event recorded
    uint64_t timeResolutionUs = 1;  // every timestamp is a multiple of this
    std::string exePath;
    std::vector<std::string> argv;
    std::string hostname;
    std::string memtraceVersion;
    // The object whose malloc the program used when it was not the shim's (an allocator of the
    // program's own): its allocations are not in the capture, only its mappings. "" otherwise.
    std::string foreignMalloc;
};

struct ThreadInfo {
    uint64_t tid = 0;
    std::string name;
    std::vector<std::pair<uint64_t, std::string>> renames;  // (time µs, new name), in order
    uint64_t startUs = 0;
    std::optional<uint64_t> exitUs;
};

struct EndInfo {
    format::EndReason reason{};
    uint64_t eventsWritten = 0;
    uint64_t eventsLost = 0;
    uint64_t ringFullWaits = 0;   // times a program thread found its ring full (0: also older captures)
    uint64_t programDrains = 0;   // drains run by program threads in the writer's place
    uint64_t timeUs = 0;
};

struct ExitStatus {
    format::ExitKind kind{};
    uint64_t code = 0;
};

// Blocks still live at the end of the capture, grouped by (stack, allocator kind).
struct LeakGroup {
    StackIndex stack{0};
    format::AllocatorKind kind{};
    uint64_t bytes = 0;
    uint64_t blocks = 0;
};

class CaptureModel {
public:
    void setHeader(const format::FileHeader& header) { m_header = header; }
    void apply(const Record& record);

    // apply() for the records that make up nearly all of a full capture (Time, Thread, Alloc,
    // Free), with exactly its effects but without a Record per event: what DecodedChunk::replay
    // calls (capture_stream.h), and a valid Events of RecordDecoder::decodeHotRun (the tests
    // decode straight into it). prefetch() is a hint. Records before a chunk's first Time
    // record carry the time of the stream's previous record, which the model has seen.
    class HotEvents {
    public:
        explicit HotEvents(CaptureModel& model) : m(model) {}
        void time(uint64_t timeUs)
        {
            if (timeUs > m.m_lastTimeUs) m.m_lastTimeUs = timeUs;
        }
        void prefetch(uint64_t address) const { m.m_heap.prefetch(address); }
        void prefetchStack(uint64_t stack) const { m.m_heap.prefetchStack(m.m_stacks.peek(StackId{stack})); }
        size_t stackStatsBytes() const { return m.m_heap.stacks().size() * sizeof(StackStats); }
        // What the live table's slots take: once more than a core's cache, a lookup waits for
        // memory unless prefetched (DecodedChunk::replay; capture_stream.h).
        size_t liveTableBytes() const { return m.m_heap.liveTableBytes(); }
        [[gnu::always_inline]] void alloc(format::AllocatorKind kind, uint64_t address, uint64_t size, uint64_t stack, uint32_t thread, uint64_t timeUs)
        {
            m.m_heap.alloc(kind, address, size, m.m_stacks.lookup(StackId{stack}), ThreadIndex{thread}, timeUs);
            m.m_timeline.update(timeUs, m.m_heap.heapBytes(), m.m_mmaps.bytes(), m.m_rssLast);
        }
        [[gnu::always_inline]] void free(format::AllocatorKind kind, uint64_t address, uint64_t timeUs)
        {
            m.m_heap.free(kind, address);
            m.m_timeline.update(timeUs, m.m_heap.heapBytes(), m.m_mmaps.bytes(), m.m_rssLast);
        }
        [[gnu::always_inline]] void allocFree(format::AllocatorKind kind, uint64_t address, uint64_t size, uint64_t stack, uint32_t thread,
                       uint64_t timeUs, format::AllocatorKind freeKind)
        {
            const uint64_t between =
                m.m_heap.allocThenFree(kind, address, size, m.m_stacks.lookup(StackId{stack}), ThreadIndex{thread}, timeUs, freeKind);
            // The timeline as after each of the two events.
            m.m_timeline.update(timeUs, between, m.m_mmaps.bytes(), m.m_rssLast);
            m.m_timeline.update(timeUs, m.m_heap.heapBytes(), m.m_mmaps.bytes(), m.m_rssLast);
        }
        void records(uint64_t count) { m.m_records += count; }

    private:
        CaptureModel& m;
    };
    HotEvents hotEvents() { return HotEvents(*this); }
    // Settles the peak and computes leaks. Call once, after the last record.
    void finish();

    const format::FileHeader& header() const { return m_header; }
    const std::optional<ProcessInfo>& process() const { return m_process; }
    const std::map<uint32_t, ThreadInfo>& threads() const { return m_threads; }
    const StackTable& stacks() const { return m_stacks; }
    const HeapTracker& heap() const { return m_heap; }
    const MmapTracker& mmaps() const { return m_mmaps; }
    const Timeline& timeline() const { return m_timeline; }
    const std::vector<LeakGroup>& leaks() const { return m_leaks; }  // by bytes, largest first
    // Markers, pauses, resumes (docs/CONTROL.md).
    const ControlEvents& control() const { return m_control; }
    // Byte sampling (docs/SAMPLING.md): 0 = every event; else heap numbers are estimates.
    uint64_t sampleRate() const { return m_process ? m_process->sampleRate : 0; }
    // Soak capture (header flag): numbers come from Snapshot records, at snapshot resolution;
    // there are no individual blocks (docs/SOAK.md).
    bool isSoak() const { return (m_header.flags & format::kFlagSoak) != 0; }
    const SnapshotState& snapshots() const { return m_snapshots; }

    uint64_t rssPeakBytes() const { return m_rssPeak; }
    uint64_t rssPeakTimeUs() const { return m_rssPeakTimeUs; }
    uint64_t rssSamples() const { return m_rssSamples; }
    uint64_t durationUs() const { return m_lastTimeUs; }
    const std::optional<EndInfo>& end() const { return m_end; }
    const std::optional<ExitStatus>& exitStatus() const { return m_exitStatus; }
    const std::optional<std::string>& trackingStopped() const { return m_trackingStopped; }
    uint64_t records() const { return m_records; }
    uint64_t unknownExtensions() const { return m_unknownExtensions; }

private:
    ThreadIndex threadOf(const Record& record) const { return ThreadIndex{record.thread}; }

    format::FileHeader m_header{};
    std::optional<ProcessInfo> m_process;
    std::map<uint32_t, ThreadInfo> m_threads;
    StackTable m_stacks;
    HeapTracker m_heap;
    MmapTracker m_mmaps;
    Timeline m_timeline;
    SnapshotState m_snapshots;
    ControlEvents m_control;
    uint64_t m_weightedRecords = 0;
    std::vector<LeakGroup> m_leaks;
    uint64_t m_rssLast = 0;
    uint64_t m_rssPeak = 0;
    uint64_t m_rssPeakTimeUs = 0;
    uint64_t m_rssSamples = 0;
    uint64_t m_lastTimeUs = 0;
    std::optional<EndInfo> m_end;
    std::optional<ExitStatus> m_exitStatus;
    std::optional<std::string> m_trackingStopped;
    uint64_t m_records = 0;
    uint64_t m_unknownExtensions = 0;
};

}  // namespace memtrace::reader
