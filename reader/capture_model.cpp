#include "capture_model.h"

#include <algorithm>

#include "flat_hash_map.h"
#include "sample_weights.h"

namespace memtrace::reader {

using format::RecordType;

namespace {

std::vector<std::string> splitArguments(std::string_view cmdline)
{
    std::vector<std::string> argv;
    while (!cmdline.empty()) {
        const size_t nul = cmdline.find('\0');
        argv.emplace_back(cmdline.substr(0, nul));
        if (nul == std::string_view::npos) break;
        cmdline.remove_prefix(nul + 1);
    }
    return argv;
}

}  // namespace

void CaptureModel::apply(const Record& r)
{
    ++m_records;
    m_lastTimeUs = std::max(m_lastTimeUs, r.timeUs);
    bool sample = false;
    switch (r.type) {
    case RecordType::Time:
    case RecordType::Thread:
        break;
    case RecordType::Alloc:
        m_heap.alloc(r.kind, r.address, r.size, m_stacks.lookup(StackId{r.stack}), threadOf(r), r.timeUs);
        sample = true;
        break;
    case RecordType::AllocWeighted:  // a sampled block: counts as the bytes and blocks it stands for
        m_heap.alloc(r.kind, r.address, r.weight > r.size ? r.weight : r.size, m_stacks.lookup(StackId{r.stack}),
                     threadOf(r), r.timeUs, estimatedBlocks(r.size, r.weight, r.address, ++m_weightedRecords));
        sample = true;
        break;
    case RecordType::Marker:
    case RecordType::Pause:
    case RecordType::Resume:
        m_control.apply(r);
        break;
    case RecordType::Free:
        m_heap.free(r.kind, r.address);
        sample = true;
        break;
    case RecordType::Realloc:
        m_heap.realloc(r.kind, r.address, r.newAddress, r.size, m_stacks.lookup(StackId{r.stack}), threadOf(r), r.timeUs);
        sample = true;
        break;
    case RecordType::Mmap:
        m_mmaps.map(r.kind, r.address, r.size, m_stacks.lookup(StackId{r.stack}), r.timeUs);
        sample = true;
        break;
    case RecordType::Munmap:
        m_mmaps.unmap(r.address, r.size);
        sample = true;
        break;
    case RecordType::Mremap:
        m_mmaps.remap(r.address, r.oldSize, r.newAddress, r.size, m_stacks.lookup(StackId{r.stack}), r.timeUs);
        sample = true;
        break;
    case RecordType::Stack:
        m_stacks.define(StackId{r.stack}, r.frames);
        break;
    case RecordType::ProcessInfo: {
        ProcessInfo p;
        p.pid = r.process.pid;
        p.ppid = r.process.ppid;
        p.startUnixNs = r.process.startUnixNs;
        p.pageSize = r.process.pageSize;
        p.maxDepth = r.process.maxDepth;
        p.options = r.process.options;
        p.sampleRate = r.process.sampleRate;
        p.timeResolutionUs = r.process.timeResolutionUs;
        p.exePath = r.process.exePath;
        p.argv = splitArguments(r.process.cmdline);
        p.hostname = r.process.hostname;
        p.memtraceVersion = r.process.version;
        p.foreignMalloc = r.process.foreignMalloc;
        m_process = std::move(p);
        break;
    }
    case RecordType::ThreadStart: {
        ThreadInfo& t = m_threads[static_cast<uint32_t>(r.value)];
        t.tid = r.value2;
        t.name = r.text;
        t.startUs = r.timeUs;
        break;
    }
    case RecordType::ThreadName: {
        ThreadInfo& t = m_threads[static_cast<uint32_t>(r.value)];
        t.renames.emplace_back(r.timeUs, std::string(r.text));
        t.name = r.text;
        break;
    }
    case RecordType::AllocationUnrecorded:
        m_heap.forgetLatestAllocation(ThreadIndex{static_cast<uint32_t>(r.value)});
        break;
    case RecordType::ThreadExit:
        m_threads[static_cast<uint32_t>(r.value)].exitUs = r.timeUs;
        break;
    case RecordType::ModuleMap:
        m_stacks.setModuleMap(r.value, r.timeUs, r.body, r.value2);
        break;
    case RecordType::Rss:
        m_rssLast = r.value;
        ++m_rssSamples;
        if (r.value > m_rssPeak) {
            m_rssPeak = r.value;
            m_rssPeakTimeUs = r.timeUs;
        }
        sample = true;
        break;
    case RecordType::End:
        m_end = EndInfo{static_cast<format::EndReason>(r.code), r.value, r.value2, r.value3, r.value4, r.timeUs};
        break;
    case RecordType::ExitStatus:
        m_exitStatus = ExitStatus{static_cast<format::ExitKind>(r.code), r.value};
        break;
    case RecordType::TrackingStopped:
        m_trackingStopped = std::string(r.text);
        break;
    case RecordType::Snapshot:
        sample = m_snapshots.apply(r, m_heap, m_stacks);  // a timeline point per complete snapshot
        break;
    default:
        if (!r.known) ++m_unknownExtensions;
        break;
    }
    if (sample) m_timeline.update(r.timeUs, m_heap.heapBytes(), m_mmaps.bytes(), m_rssLast);
}

void CaptureModel::finish()
{
    m_heap.finish();

    // Group live blocks by (stack, kind): key = stack index << 8 | kind.
    FlatHashMap64<uint32_t> groupOf;
    m_leaks.clear();
    m_heap.liveBlocks().forEach([&](uint64_t, const LiveBlock& block) {
        const uint64_t key = (static_cast<uint64_t>(block.stack) << 8) | static_cast<uint8_t>(block.kind);
        auto [index, inserted] = groupOf.insert(key, static_cast<uint32_t>(m_leaks.size()));
        if (inserted) m_leaks.push_back(LeakGroup{StackIndex{block.stack}, block.kind, 0, 0});
        LeakGroup& group = m_leaks[*index];
        group.bytes += block.size;
        group.blocks += block.blocks;
    });
    // Soak: no blocks, but each stack's live bytes at the last snapshot ("live at end").
    if (isSoak()) {
        const auto& stats = m_heap.stacks();
        for (uint32_t i = 0; i < stats.size(); ++i)
            if (stats[i].liveBlocks > 0) m_leaks.push_back(LeakGroup{StackIndex{i}, stats[i].kind, stats[i].liveBytes, stats[i].liveBlocks});
    }
    std::sort(m_leaks.begin(), m_leaks.end(), [](const LeakGroup& a, const LeakGroup& b) {
        if (a.bytes != b.bytes) return a.bytes > b.bytes;
        if (a.stack != b.stack) return a.stack < b.stack;
        return a.kind < b.kind;
    });
}

}  // namespace memtrace::reader
