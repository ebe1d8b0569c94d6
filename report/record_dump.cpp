#include "record_dump.h"

#include <cinttypes>
#include <string_view>

#include "human_size.h"
#include "reader/module_map_cursor.h"
#include "reader/record_decoder.h"
#include "reader/snapshot_record.h"

namespace memtrace::report {

using format::RecordType;

namespace {

// Writes a string with C-style escapes, in double quotes.
void quoted(std::FILE* out, std::string_view text)
{
    std::fputc('"', out);
    for (unsigned char c : text) {
        if (c == '"' || c == '\\') std::fprintf(out, "\\%c", c);
        else if (c == 0) std::fputs("\\0", out);
        else if (c < 0x20 || c >= 0x7f) std::fprintf(out, "\\x%02x", c);
        else std::fputc(c, out);
    }
    std::fputc('"', out);
}

void hex(std::FILE* out, std::string_view bytes)
{
    for (unsigned char c : bytes) std::fprintf(out, "%02x", c);
}

// Kind names as one word, so that lines split on spaces: "operator new[](align, nothrow)"
// becomes "operator_new[](align,_nothrow)".
const char* kindWord(format::AllocatorKind kind, char (&buffer)[48])
{
    const char* name = format::allocatorKindName(kind);
    size_t i = 0;
    for (; name[i] && i + 1 < sizeof buffer; ++i) buffer[i] = name[i] == ' ' ? '_' : name[i];
    buffer[i] = 0;
    return buffer;
}

bool isEvent(uint8_t type)
{
    switch (static_cast<RecordType>(type)) {
    case RecordType::Alloc:
    case RecordType::AllocWeighted:
    case RecordType::AllocRecent:
    case RecordType::AllocReused:
    case RecordType::Free:
    case RecordType::FreeRecent:
    case RecordType::Realloc:
    case RecordType::Mmap:
    case RecordType::Munmap:
    case RecordType::Mremap: return true;
    default: return false;
    }
}

}  // namespace

void RecordDump::onHeader(const format::FileHeader& h)
{
    if (m_statsOnly) return;
    std::fprintf(m_out, "header version=%u flags=0x%x header_size=%u\n", h.version, h.flags, h.headerSize);
    if (h.flags & format::kFlagSoak)
        std::fprintf(m_out, "# soak capture: no individual allocation events, only Snapshot records (docs/SOAK.md)\n");
}

void RecordDump::onChunk(const reader::ChunkBuffer& chunk)
{
    ++m_chunks;
    m_compressedBytes += sizeof(format::ChunkHeader) + chunk.header.compressedSize;
    m_payloadBytes += chunk.header.payloadSize;
    if (m_statsOnly) return;
    std::fprintf(m_out, "chunk %u @%" PRIu64 " csize=%u usize=%u\n", chunk.header.sequence, chunk.fileOffset,
                 chunk.header.compressedSize, chunk.header.payloadSize);
}

void RecordDump::onRecord(const reader::Record& r)
{
    TypeStats& stats = m_types[r.rawType];
    stats.count += 1;
    stats.bytes += r.length;
    if (!m_statsOnly) printRecord(r);
}

void RecordDump::printRecord(const reader::Record& r)
{
    std::FILE* o = m_out;
    std::fprintf(o, "t=%s ", seconds(r.timeUs).c_str());
    if (r.thread == ~0u) std::fputs("T? ", o);
    else std::fprintf(o, "T%u ", r.thread);
    char kindBuffer[48];
    const char* kind = kindWord(r.kind, kindBuffer);
    switch (r.type) {
    case RecordType::Time: std::fprintf(o, "time +%" PRIu64, r.value); break;
    case RecordType::Thread: std::fprintf(o, "thread %u", r.thread); break;
    case RecordType::Alloc:
        std::fprintf(o, "alloc %s 0x%" PRIx64 " %" PRIu64 " stack=%" PRIu64, kind, r.address, r.size, r.stack);
        break;
    case RecordType::AllocWeighted:
        std::fprintf(o, "alloc_weighted %s 0x%" PRIx64 " %" PRIu64 " stack=%" PRIu64 " weight=%" PRIu64, kind, r.address,
                     r.size, r.stack, r.weight);
        break;
    case RecordType::Free: std::fprintf(o, "free %s 0x%" PRIx64, kind, r.address); break;
    case RecordType::Realloc:
        std::fprintf(o, "realloc %s 0x%" PRIx64 " -> 0x%" PRIx64 " %" PRIu64 " stack=%" PRIu64, kind, r.address,
                     r.newAddress, r.size, r.stack);
        break;
    case RecordType::Mmap:
        std::fprintf(o, "mmap %s 0x%" PRIx64 " %" PRIu64 " prot=0x%" PRIx64 " flags=0x%" PRIx64 " stack=%" PRIu64, kind,
                     r.address, r.size, r.prot, r.flags, r.stack);
        break;
    case RecordType::Munmap: std::fprintf(o, "munmap 0x%" PRIx64 " %" PRIu64, r.address, r.size); break;
    case RecordType::SizeClasses: std::fprintf(o, "size_classes %" PRIu64, r.value); break;
    case RecordType::Mremap:
        std::fprintf(o, "mremap 0x%" PRIx64 " %" PRIu64 " -> 0x%" PRIx64 " %" PRIu64 " stack=%" PRIu64, r.address,
                     r.oldSize, r.newAddress, r.size, r.stack);
        break;
    case RecordType::Stack:
        std::fprintf(o, "stack %" PRIu64 " depth=%zu", r.stack, r.frames.size());
        for (uint64_t ip : r.frames) std::fprintf(o, " 0x%" PRIx64, ip);
        break;
    case RecordType::ProcessInfo: {
        const reader::ProcessInfoView& p = r.process;
        std::fprintf(o,
                     "process pid=%" PRIu64 " ppid=%" PRIu64 " start_ns=%" PRIu64 " page_size=%" PRIu64 " max_depth=%" PRIu64
                     " options=0x%" PRIx64 " exe=",
                     p.pid, p.ppid, p.startUnixNs, p.pageSize, p.maxDepth, p.options);
        quoted(o, p.exePath);
        std::fputs(" cmdline=", o);
        quoted(o, p.cmdline);
        std::fputs(" host=", o);
        quoted(o, p.hostname);
        std::fputs(" version=", o);
        quoted(o, p.version);
        break;
    }
    case RecordType::ThreadStart:
        std::fprintf(o, "thread_start %" PRIu64 " tid=%" PRIu64 " name=", r.value, r.value2);
        quoted(o, r.text);
        break;
    case RecordType::ThreadName:
        std::fprintf(o, "thread_name %" PRIu64 " name=", r.value);
        quoted(o, r.text);
        break;
    case RecordType::ThreadExit: std::fprintf(o, "thread_exit %" PRIu64, r.value); break;
    case RecordType::AllocationUnrecorded: std::fprintf(o, "allocation_unrecorded thread=%" PRIu64, r.value); break;
    case RecordType::ModuleMap: {
        std::fprintf(o, "module_map generation=%" PRIu64 " count=%" PRIu64, r.value, r.value2);
        reader::ModuleMapCursor cursor(r.body, r.value2);
        reader::ModuleEntry m;
        while (cursor.next(m)) {
            std::fputs(" [", o);
            quoted(o, m.path);
            std::fprintf(o, " bias=0x%" PRIx64 " build_id=", m.loadBias);
            hex(o, m.buildId);
            m.forEachSegment([&](const reader::ModuleSegment& s) {
                std::fprintf(o, " 0x%" PRIx64 "+0x%" PRIx64, s.vaddr, s.memsz);
            });
            std::fputc(']', o);
        }
        break;
    }
    case RecordType::Rss: std::fprintf(o, "rss %" PRIu64, r.value); break;
    case RecordType::End:
        std::fprintf(o, "end reason=%u written=%" PRIu64 " lost=%" PRIu64 " ring_full=%" PRIu64 " program_drains=%" PRIu64, r.code,
                     r.value, r.value2, r.value3, r.value4);
        break;
    case RecordType::ExitStatus:
        std::fprintf(o, "exit_status %s %" PRIu64, r.code == 1 ? "signal" : "exited", r.value);
        break;
    case RecordType::Marker:
        std::fputs("marker ", o);
        quoted(o, r.text);
        break;
    case RecordType::Snapshot: {  // soak captures: the totals, then one line per changed stack
        reader::SnapshotCursor cursor(r.body);
        reader::SnapshotTotals t;
        cursor.totals(t);
        std::fprintf(o,
                     "snapshot seq=%" PRIu64 " last_part=%d heap=%" PRIu64 " blocks=%" PRIu64 " peak=%" PRIu64
                     " allocs=%" PRIu64 " alloc_bytes=%" PRIu64 " frees=%" PRIu64 " freed_bytes=%" PRIu64
                     " unmatched=%" PRIu64 " anomalies=%" PRIu64 " temporary=%" PRIu64 " stacks=%" PRIu64,
                     t.sequence, t.lastPart ? 1 : 0, t.heapBytes, t.heapBlocks, t.peakBytes, t.allocations, t.allocatedBytes,
                     t.frees, t.freedBytes, t.freesUnmatched, t.anomalies, t.temporary, cursor.entries());
        reader::SnapshotEntry e;
        while (cursor.next(e))
            std::fprintf(o,
                         "\n    stack %" PRIu64 " kind=%u live=%" PRIu64 " blocks=%" PRIu64 " allocs=%" PRIu64
                         " alloc_bytes=%" PRIu64 " frees=%" PRIu64 " temporary=%" PRIu64,
                         e.stack, e.kind, e.liveBytes, e.liveBlocks, e.allocations, e.allocatedBytes, e.frees, e.temporary);
        break;
    }
    case RecordType::Pause: std::fputs("pause", o); break;
    case RecordType::Resume: std::fputs("resume", o); break;
    case RecordType::TrackingStopped:
        std::fputs("tracking_stopped ", o);
        quoted(o, r.text);
        break;
    default: std::fprintf(o, "ext 0x%02x len=%zu", r.rawType, r.body.size()); break;
    }
    std::fputc('\n', o);
}

void RecordDump::finish(const reader::StreamResult& result)
{
    if (!m_statsOnly) {
        if (result.outcome == reader::StreamResult::Outcome::Complete) {
            std::fprintf(m_out, "end of file @%" PRIu64 "\n", result.stopOffset);
        } else {
            std::fprintf(m_out, "stopped @%" PRIu64 ": %s\n", result.stopOffset, result.message.c_str());
        }
        return;
    }
    uint64_t records = 0, events = 0, recordBytes = 0;
    std::fprintf(m_out, "%-16s %12s %14s %10s\n", "record", "count", "bytes", "bytes/rec");
    for (size_t t = 0; t < m_types.size(); ++t) {
        const TypeStats& s = m_types[t];
        if (s.count == 0) continue;
        records += s.count;
        recordBytes += s.bytes;
        if (isEvent(static_cast<uint8_t>(t))) events += s.count;
        std::string name = reader::recordTypeName(static_cast<uint8_t>(t));
        if (name == "Extension") {
            char buffer[16];
            std::snprintf(buffer, sizeof buffer, "ext(0x%02zx)", t);
            name = buffer;
        }
        std::fprintf(m_out, "%-16s %12" PRIu64 " %14" PRIu64 " %10.2f\n", name.c_str(), s.count, s.bytes,
                     static_cast<double>(s.bytes) / static_cast<double>(s.count));
    }
    std::fprintf(m_out, "%-16s %12" PRIu64 " %14" PRIu64 "\n", "total", records, recordBytes);
    std::fprintf(m_out, "chunks %" PRIu64 ", file bytes in chunks %" PRIu64 ", payload bytes %" PRIu64 "\n", m_chunks,
                 m_compressedBytes, m_payloadBytes);
    if (events > 0) {
        std::fprintf(m_out, "events %" PRIu64 ": %.2f payload bytes/event, %.2f file bytes/event (compression %.2fx)\n",
                     events, static_cast<double>(m_payloadBytes) / static_cast<double>(events),
                     static_cast<double>(m_compressedBytes) / static_cast<double>(events),
                     m_compressedBytes ? static_cast<double>(m_payloadBytes) / static_cast<double>(m_compressedBytes) : 0.0);
    }
}

}  // namespace memtrace::report
