#include "summary_json.h"
#include "stack_json.h"

namespace memtrace::report {

namespace {

using nlohmann::json;

double toSeconds(uint64_t us) { return static_cast<double>(us) / 1e6; }

json stackRowsJson(const std::vector<StackRow>& rows, bool withBlocks, bool withTemporary = false)
{
    json out = json::array();
    for (const StackRow& row : rows) {
        json entry = {{"bytes", row.bytes}, {"kind", row.kind}, {"allocations", row.allocations}};
        if (withBlocks) entry["blocks"] = row.blocks;
        if (withTemporary) entry["temporary"] = row.temporary;
        entry["stack"] = framesJson(row.frames);
        out.push_back(std::move(entry));
    }
    return out;
}

}  // namespace

json summaryJson(const Summary& s)
{
    json j;
    j["program"] = s.program;
    j["command_line"] = s.commandLine;
    j["pid"] = s.pid ? json(*s.pid) : json(nullptr);
    j["threads"] = s.threads;
    j["duration_s"] = toSeconds(s.durationUs);
    if (s.exitStatus) {
        j["exit_status"] = {{"kind", s.exitStatus->kind == format::ExitKind::Signaled ? "signal" : "exit"},
                            {"code", s.exitStatus->code}};
    } else {
        j["exit_status"] = nullptr;
    }
    j["tracking_stopped"] = s.trackingStopped ? json(*s.trackingStopped) : json(nullptr);  // the shim's reason
    j["ended_by_signal"] = s.endedBySignal;  // the shim's End: a fatal signal (exit_status names it under memtrace run)
    j["truncated"] = s.truncated;
    j["truncated_at_byte"] = s.stopByte ? json(*s.stopByte) : json(nullptr);
    j["corrupt"] = s.corrupt;
    if (!s.stopReason.empty()) j["stop_reason"] = s.stopReason;
    // The program's own malloc's object: its heap is not in the capture, only its mappings.
    j["foreign_malloc"] = s.foreignMalloc.empty() ? json(nullptr) : json(s.foreignMalloc);

    j["time_resolution_us"] = s.timeResolutionUs;  // times are multiples of this (run --time-resolution)
    j["sample_rate_bytes"] = s.sampleRate;  // 0: exact; else the heap numbers are estimates
    j["estimated"] = s.sampleRate != 0;
    j["events_lost"] = s.eventsLost;          // dropped by the shim: the counts are short by them
    j["ring_full_waits"] = s.ringFullWaits;  // times a program thread found its event ring full
    j["program_thread_drains"] = s.programDrains;  // of those, drains it ran in the writer's place
    j["soak"] = s.soak;  // docs/SOAK.md: numbers from snapshots
    j["snapshots"] = s.snapshots;
    json markers = json::array();
    for (const reader::MarkerEvent& m : s.markers) markers.push_back({{"label", m.label}, {"time_s", toSeconds(m.timeUs)}});
    j["markers"] = std::move(markers);
    j["pauses"] = s.pauses;
    json paused = json::array();  // [from_s, to_s or null = until the end]
    for (const reader::PauseInterval& p : s.pauseIntervals)
        paused.push_back({{"from_s", toSeconds(p.fromUs)}, {"to_s", p.toUs ? json(toSeconds(*p.toUs)) : json(nullptr)}});
    j["paused"] = std::move(paused);
    j["allocations"] = s.allocations;
    j["frees"] = s.frees;
    j["allocated_bytes"] = s.allocatedBytes;
    j["freed_bytes"] = s.freedBytes;
    j["frees_unmatched"] = s.freesUnmatched;
    j["temporary_allocations"] = s.temporary;
    j["anomalies"] = s.anomalies;
    j["peak_heap_bytes"] = s.peakHeapBytes;
    j["peak_heap_time_s"] = toSeconds(s.peakHeapTimeUs);
    j["peak_rss_bytes"] = s.peakRssBytes;
    j["peak_rss_time_s"] = toSeconds(s.peakRssTimeUs);
    j["mmap_bytes_peak"] = s.mmapBytesPeak;
    j["mmap_calls"] = s.mmapCalls;
    j["leaked_bytes"] = s.leakedBytes;
    j["leaked_blocks"] = s.leakedBlocks;

    json kinds = json::object();
    for (const KindRow& row : s.byKind) {
        if (!kinds.contains(row.name)) kinds[row.name] = {{"count", uint64_t{0}}, {"bytes", uint64_t{0}}};
        json& entry = kinds[row.name];  // "unknown" kinds share one entry
        entry["count"] = entry["count"].get<uint64_t>() + row.count;
        entry["bytes"] = entry["bytes"].get<uint64_t>() + row.bytes;
    }
    j["by_kind"] = std::move(kinds);
    json sizes = json::array();
    for (const SizeRow& row : s.sizes)
        sizes.push_back({{"min_bytes", row.minSize}, {"max_bytes", row.maxSize}, {"allocations", row.count}, {"bytes", row.bytes}});
    j["size_histogram"] = std::move(sizes);
    j["top_peak_stacks"] = stackRowsJson(s.topPeakStacks, false);
    j["top_leaks"] = stackRowsJson(s.topLeaks, true);
    j["top_allocation_stacks"] = stackRowsJson(s.topAllocationStacks, false, true);
    j["top_temporary_stacks"] = stackRowsJson(s.topTemporaryStacks, false, true);
    json threads = json::array();
    for (const ThreadTotalsRow& t : s.threadTotals) {
        threads.push_back({{"index", t.index},
                           {"tid", t.tid ? json(*t.tid) : json(nullptr)},
                           {"name", t.name},
                           {"allocations", t.allocations},
                           {"allocated_bytes", t.allocatedBytes},
                           {"temporary_allocations", t.temporary},
                           {"leaked_bytes", t.leakedBytes},
                           {"leaked_blocks", t.leakedBlocks},
                           {"peak_bytes", t.peakBytes}});
    }
    j["thread_totals"] = std::move(threads);  // `threads` is their count (with threads that did not allocate)
    return j;
}

}  // namespace memtrace::report
