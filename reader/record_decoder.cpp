#include "record_decoder.h"

#include <cstdio>

#include "byte_cursor.h"
#include "module_map_cursor.h"
#include "snapshot_record.h"

namespace memtrace::reader {

using format::RecordType;

const char* recordTypeName(uint8_t type)
{
    switch (static_cast<RecordType>(type)) {
    case RecordType::Time: return "Time";
    case RecordType::Thread: return "Thread";
    case RecordType::Alloc: return "Alloc";
    case RecordType::Free: return "Free";
    case RecordType::Realloc: return "Realloc";
    case RecordType::Mmap: return "Mmap";
    case RecordType::Munmap: return "Munmap";
    case RecordType::Mremap: return "Mremap";
    case RecordType::Stack: return "Stack";
    case RecordType::AllocWeighted: return "AllocWeighted";
    case RecordType::AllocRecent: return "AllocRecent";
    case RecordType::FreeRecent: return "FreeRecent";
    case RecordType::SizeClasses: return "SizeClasses";
    case RecordType::AllocReused: return "AllocReused";
    case RecordType::ProcessInfo: return "ProcessInfo";
    case RecordType::ThreadStart: return "ThreadStart";
    case RecordType::ThreadName: return "ThreadName";
    case RecordType::ModuleMap: return "ModuleMap";
    case RecordType::Rss: return "Rss";
    case RecordType::End: return "End";
    case RecordType::ExitStatus: return "ExitStatus";
    case RecordType::Marker: return "Marker";
    case RecordType::Pause: return "Pause";
    case RecordType::Resume: return "Resume";
    case RecordType::Snapshot: return "Snapshot";
    case RecordType::TrackingStopped: return "TrackingStopped";
    case RecordType::ThreadExit: return "ThreadExit";
    case RecordType::AllocationUnrecorded: return "AllocationUnrecorded";
    }
    return format::isExtension(type) ? "Extension" : "UnknownCore";
}

RecordDecoder::RecordDecoder()
    : m_allocRing(format::kRecencyWindow),
      m_allocClassRing(format::kRecencyWindow),
      m_freeRing(format::kRecencyWindow),
      m_frames(format::kMaxStackDepth)
{
}

namespace {

uint64_t readLength(const uint8_t* at)
{
    uint64_t length = 0;
    for (size_t i = 0; i < format::kRecordsLengthBytes; ++i) length |= uint64_t{at[i]} << (8 * i);
    return length;
}

}  // namespace

void RecordDecoder::reset(std::span<const uint8_t> payload, uint64_t startTimeUs, format::PayloadLayout layout)
{
    const uint8_t* const end = payload.data() + payload.size();
    m_begin = m_p = payload.data();
    m_end = m_a = m_aEnd = m_r = m_rEnd = m_t = m_tEnd = end;
    m_split = layout != format::PayloadLayout::OneStream;
    m_resizeSplit = layout >= format::PayloadLayout::ResizeStream;
    m_reuseRecords = layout >= format::PayloadLayout::ReuseStacks;
    m_reuseOn = false;
    m_sizeClasses = format::SizeClasses::Exact;
    m_reuse->reset();
    m_layoutError = nullptr;
    if (m_split) {
        // u32 records length [, u32 addresses length, u32 resizes length], records, addresses
        // [, resizes, times]
        const size_t lengths = m_resizeSplit
                                   ? format::kRecordsLengthBytes + format::kAddressesLengthBytes + format::kResizesLengthBytes
                                   : format::kRecordsLengthBytes;
        uint64_t records = 0, addresses = 0, resizes = 0;
        if (payload.size() < lengths) {
            m_layoutError = "payload shorter than its stream length fields";
        } else {
            records = readLength(payload.data());
            if (m_resizeSplit) {
                addresses = readLength(payload.data() + format::kRecordsLengthBytes);
                resizes = readLength(payload.data() + format::kRecordsLengthBytes + format::kAddressesLengthBytes);
            }
            const uint64_t left = payload.size() - lengths;
            if (records > left) m_layoutError = "records length past the end of the payload";
            else if (addresses > left - records) m_layoutError = "address stream length past the end of the payload";
            else if (resizes > left - records - addresses) m_layoutError = "resize stream length past the end of the payload";
        }
        if (m_layoutError) {
            m_end = m_a = m_aEnd = m_r = m_rEnd = m_t = m_tEnd = m_p;  // next() reports it
        } else {
            m_p += lengths;
            m_end = m_a = m_p + records;
            if (m_resizeSplit) {
                m_aEnd = m_r = m_a + addresses;
                m_rEnd = m_t = m_r + resizes;
            }
        }
    }
    m_recordsToTime = ~0ull;
    m_timeChangePending = false;
    m_timeStreamBroken = false;
    if (m_resizeSplit && !readTimeChange()) m_recordsToTime = 0;  // next() reports it
    m_lastAddress = 0;
    m_lastResizeAddress = 0;
    m_lastStack = 0;
    m_stackBases->reset();
    m_timeUs = startTimeUs;
    m_timeSet = false;
    m_thread = ~0u;
    m_allocCount = 0;
    m_freeCount = 0;
    m_error.clear();
    m_errorOffset = 0;
}

// After an error: every stream is used up, so next() says End from now on.
RecordDecoder::Step RecordDecoder::stopChunk()
{
    m_p = m_end;
    m_a = m_aEnd;
    m_r = m_rEnd;
    m_t = m_tEnd;
    m_recordsToTime = ~0ull;
    m_timeChangePending = false;
    return Step::Error;
}

// Reads the time stream's next change (version 4): how many records come before it, and its dt.
bool RecordDecoder::readTimeChange()
{
    m_timeChangePending = false;
    m_recordsToTime = ~0ull;
    if (m_t == m_tEnd) return true;
    ByteCursor in{m_t, m_tEnd};
    uint64_t before = 0;
    if (!in.varint(before) || !in.varint(m_nextDt) || before >= ~0ull) {
        m_timeStreamBroken = true;
        return false;
    }
    m_t = in.p;
    m_recordsToTime = before;
    m_timeChangePending = true;
    return true;
}

// A time change of the time stream, handed out as a Time record in its place.
RecordDecoder::Step RecordDecoder::timeChange(Record& out)
{
    const size_t offset = static_cast<size_t>(m_p - m_begin);
    if (m_timeStreamBroken || !m_timeChangePending) {
        m_error = "malformed time stream at payload offset " + std::to_string(m_t - m_begin);
        m_errorOffset = static_cast<size_t>(m_t - m_begin);
        m_timeStreamBroken = false;
        return stopChunk();
    }
    m_timeUs = m_timeSet ? m_timeUs + m_nextDt : m_nextDt;
    m_timeSet = true;
    out.rawType = static_cast<uint8_t>(RecordType::Time);
    out.type = RecordType::Time;
    out.known = true;
    out.kind = format::AllocatorKind{};
    out.value = m_nextDt;
    out.offset = static_cast<uint32_t>(offset);
    out.length = 0;
    out.timeUs = m_timeUs;
    out.thread = m_thread;
    readTimeChange();  // a broken rest is reported by the next call
    if (m_timeStreamBroken) m_recordsToTime = 0;
    return Step::Record;
}

RecordDecoder::Step RecordDecoder::fail(size_t offset, const char* what, uint8_t type)
{
    char buffer[160];
    std::snprintf(buffer, sizeof buffer, "%s in %s record (type 0x%02x) at payload offset %zu", what,
                  recordTypeName(type), type, offset);
    m_error = buffer;
    m_errorOffset = offset;
    return stopChunk();
}

// The records are all read: the address and resize streams must be too.
RecordDecoder::Step RecordDecoder::endOfRecords()
{
    const char* what = m_layoutError;
    const uint8_t* where = m_p;
    if (!what && m_split && m_a != m_aEnd) {
        what = "address stream longer than its records need";
        where = m_a;
    }
    if (!what && m_resizeSplit && m_r != m_rEnd) {
        what = "resize stream longer than its records need";
        where = m_r;
    }
    if (!what && m_timeChangePending) {
        what = "time stream longer than its records need";
        where = m_t;
    }
    if (!what) return Step::End;
    m_error = std::string("malformed chunk payload: ") + what;
    m_errorOffset = static_cast<size_t>(where - m_begin);
    m_layoutError = nullptr;
    m_a = m_aEnd;  // reported once; End after this
    m_r = m_rEnd;
    m_t = m_tEnd;
    m_timeChangePending = false;
    return Step::Error;
}

RecordDecoder::Step RecordDecoder::nextChecked(Record& out)
{
    if (m_recordsToTime == 0) return timeChange(out);
    if (m_p == m_end) return endOfRecords();
    const size_t offset = static_cast<size_t>(m_p - m_begin);
    const uint8_t type = *m_p++;
    out.rawType = type;
    out.type = static_cast<RecordType>(type);
    out.offset = static_cast<uint32_t>(offset);
    out.known = true;

    if (!format::isExtension(type)) {
        const auto lastCore = m_reuseRecords ? RecordType::AllocReused : RecordType::FreeRecent;
        if (type == 0 || type > static_cast<uint8_t>(lastCore)) {
            m_error = "unknown core record type 0x";
            char hex[8];
            std::snprintf(hex, sizeof hex, "%02x", type);
            m_error += hex;
            m_error += " at payload offset " + std::to_string(offset) + ": the capture needs a newer memtrace";
            m_errorOffset = offset;
            return stopChunk();
        }
        if (!decodeCore(type, out)) return fail(offset, "malformed or truncated fields", type);
    } else {
        ByteCursor in{m_p, m_end};
        uint64_t length;
        if (!in.varint(length) || length > in.left()) return fail(offset, "bad extension length", type);
        std::span<const uint8_t> payload(in.p, static_cast<size_t>(length));
        m_p = in.p + length;
        if (!decodeExtension(type, payload, out)) return fail(offset, "malformed payload", type);
    }
    out.length = static_cast<uint32_t>(static_cast<size_t>(m_p - m_begin) - offset);
    out.timeUs = m_timeUs;
    out.thread = m_thread;
    --m_recordsToTime;
    return Step::Record;
}

bool RecordDecoder::decodeCore(uint8_t type, Record& out)
{
    ByteCursor in{m_p, m_end};
    ByteCursor addressStream{m_a, m_aEnd};
    ByteCursor resizeStream{m_r, m_rEnd};
    ByteCursor& at = m_split ? addressStream : in;  // where the address fields are
    ByteCursor& resizeAt = m_resizeSplit ? resizeStream : at;  // ... and those of Realloc and Mremap
    uint8_t kind = 0;
    int64_t delta = 0;
    auto stack = [&](uint64_t& field) {
        if (!in.signedVarint(delta)) return false;
        field = m_lastStack + static_cast<uint64_t>(delta);
        m_lastStack = field;
        return true;
    };
    // Realloc and Mremap: the old address, then new = old + zz delta, and the new address
    // becomes the last (resize) address.
    uint64_t& lastResize = m_resizeSplit ? m_lastResizeAddress : m_lastAddress;
    auto oldAddress = [&](uint64_t& field) { return resizeAt.address(lastResize, field); };
    auto newAddress = [&](uint64_t old, uint64_t& field) {
        if (!resizeAt.signedVarint(delta)) return false;
        field = old + static_cast<uint64_t>(delta);
        lastResize = field;
        return true;
    };

    bool ok = false;
    switch (static_cast<RecordType>(type)) {
    case RecordType::Time: {
        ok = in.varint(out.value);
        if (ok) {
            m_timeUs = m_timeSet ? m_timeUs + out.value : out.value;
            m_timeSet = true;
        }
        break;
    }
    case RecordType::Thread: {
        uint64_t index;
        ok = in.varint(index) && index <= 0xffffffffu;
        if (ok) m_thread = static_cast<uint32_t>(index);
        break;
    }
    case RecordType::Alloc:
    case RecordType::AllocWeighted: {
        // The delta is from the stack's base in version 3 (format.h): read the stack first.
        int64_t addressDelta = 0;
        ok = in.byte(kind) && at.signedVarint(addressDelta) && in.varint(out.size) && stack(out.stack);
        if (ok) {
            const uint64_t base = m_split ? m_stackBases->baseFor(out.stack, m_lastAddress) : m_lastAddress;
            out.address = m_lastAddress = base + static_cast<uint64_t>(addressDelta);
            if (m_split) m_stackBases->note(out.stack, out.address);
        }
        out.weight = 0;
        if (ok && type == static_cast<uint8_t>(RecordType::AllocWeighted)) ok = in.varint(out.weight);
        if (ok && type == static_cast<uint8_t>(RecordType::Alloc)) noteAllocated(out.address, out.size);
        break;
    }
    case RecordType::AllocRecent: {
        uint64_t distance = 0;
        ok = in.byte(kind) && at.varint(distance) && recentAddress(m_freeRing, m_freeCount, distance, out.address) &&
             in.varint(out.size) && stack(out.stack);
        out.weight = 0;
        if (ok) noteAllocated(out.address, out.size);
        if (ok && m_split) m_stackBases->note(out.stack, out.address);
        out.type = RecordType::Alloc;  // what it records; rawType keeps the encoding
        break;
    }
    case RecordType::AllocReused:
        ok = in.byte(kind) && in.varint(out.size) && stack(out.stack) && reusedAddress(m_thread, out.size, out.address);
        out.weight = 0;
        if (ok) noteAllocated(out.address, out.size);
        if (ok) m_stackBases->note(out.stack, out.address);
        out.type = RecordType::Alloc;
        break;
    case RecordType::SizeClasses: {
        uint8_t scheme = 0;
        ok = in.byte(scheme) && scheme <= format::kMaxSizeClasses;
        if (ok) {
            m_sizeClasses = static_cast<format::SizeClasses>(scheme);
            m_reuseOn = true;
            out.value = scheme;
        }
        break;
    }
    case RecordType::Free:
        ok = in.byte(kind) && at.address(m_lastAddress, out.address);
        if (ok) m_freeRing[m_freeCount++ & kRecencyMask] = out.address;
        break;
    case RecordType::FreeRecent: {
        uint64_t distance = 0;
        ok = in.byte(kind) && at.varint(distance) && recentAddress(m_allocRing, m_allocCount, distance, out.address);
        if (ok) noteRecentRelease(m_thread, out.address, distance);
        out.type = RecordType::Free;
        break;
    }
    case RecordType::Realloc:
        ok = in.byte(kind) && oldAddress(out.address) && newAddress(out.address, out.newAddress) && in.varint(out.size) &&
             stack(out.stack);
        if (ok && m_resizeSplit) {  // version 4: a release and an allocation for recency coding and the bases
            m_freeRing[m_freeCount++ & kRecencyMask] = out.address;
            noteAllocated(out.newAddress, out.size);
            m_stackBases->note(out.stack, out.newAddress);
        }
        break;
    case RecordType::Mmap:
        ok = in.byte(kind) && at.address(m_lastAddress, out.address) && in.varint(out.size) && in.varint(out.prot) &&
             in.varint(out.flags) && stack(out.stack);
        break;
    case RecordType::Munmap:
        kind = static_cast<uint8_t>(format::AllocatorKind::Munmap);
        ok = at.address(m_lastAddress, out.address) && in.varint(out.size);
        break;
    case RecordType::Mremap:
        kind = static_cast<uint8_t>(format::AllocatorKind::Mremap);
        ok = oldAddress(out.address) && in.varint(out.oldSize) && newAddress(out.address, out.newAddress) &&
             in.varint(out.size) && stack(out.stack);
        break;
    case RecordType::Stack: {
        uint64_t depth = 0;
        ok = in.varint(out.stack) && in.varint(depth) && depth <= format::kMaxStackDepth;
        for (uint64_t i = 0; ok && i < depth; ++i) {
            if (i == 0) {
                ok = in.varint(m_frames[0]);
            } else {
                ok = in.signedVarint(delta);
                m_frames[i] = m_frames[i - 1] + static_cast<uint64_t>(delta);
            }
        }
        if (ok) out.frames = std::span<const uint64_t>(m_frames.data(), static_cast<size_t>(depth));
        break;
    }
    default: break;
    }
    out.kind = static_cast<format::AllocatorKind>(kind);
    m_p = in.p;
    if (m_split) m_a = addressStream.p;
    if (m_resizeSplit) m_r = resizeStream.p;
    return ok;
}

bool RecordDecoder::decodeExtension(uint8_t type, std::span<const uint8_t> payload, Record& out)
{
    ByteCursor in{payload.data(), payload.data() + payload.size()};
    out.body = payload;
    out.text = {};
    switch (static_cast<RecordType>(type)) {
    case RecordType::ProcessInfo: {
        ProcessInfoView& p = out.process;
        p.sampleRate = 0;
        p.timeResolutionUs = 1;
        p.foreignMalloc = {};
        return in.varint(p.pid) && in.varint(p.ppid) && in.varint(p.startUnixNs) && in.varint(p.pageSize) &&
               in.varint(p.maxDepth) && in.varint(p.options) && in.string(p.exePath) && in.string(p.cmdline) &&
               in.string(p.hostname) && in.string(p.version) && (in.left() == 0 || in.varint(p.sampleRate)) &&
               (in.left() == 0 || in.varint(p.timeResolutionUs)) && (in.left() == 0 || in.string(p.foreignMalloc));
    }
    case RecordType::ThreadStart:
        return in.varint(out.value) && in.varint(out.value2) && in.string(out.text);
    case RecordType::ThreadName:
        return in.varint(out.value) && in.string(out.text);
    case RecordType::ModuleMap: {
        if (!in.varint(out.value) || !in.varint(out.value2) || out.value2 > in.left()) return false;
        out.body = std::span<const uint8_t>(in.p, in.end);
        // Validate every module now, so consumers can walk the map without error handling.
        ModuleMapCursor cursor(out.body, out.value2);
        ModuleEntry module;
        uint64_t seen = 0;
        while (cursor.next(module)) ++seen;
        return !cursor.failed() && seen == out.value2;
    }
    case RecordType::Rss:
    case RecordType::ThreadExit:
    case RecordType::AllocationUnrecorded:
        return in.varint(out.value);
    case RecordType::End:
        // Appended fields (ring-full waits, program-thread drains): absent in older captures.
        return in.byte(out.code) && in.varint(out.value) && in.varint(out.value2) &&
               (in.left() == 0 || (in.varint(out.value3) && in.varint(out.value4)));
    case RecordType::ExitStatus:
        return in.byte(out.code) && in.varint(out.value);
    case RecordType::Marker:
    case RecordType::TrackingStopped:
        return in.string(out.text);
    case RecordType::Pause:
    case RecordType::Resume:
        return true;
    case RecordType::Snapshot:  // body = payload; walk it with SnapshotCursor
        return validSnapshot(payload);
    default:
        out.known = false;  // types from newer writers: skipped by length.
        return true;
    }
}

}  // namespace memtrace::reader
