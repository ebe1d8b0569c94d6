// Decodes one chunk's payload into Records: the mirror of format::RecordEncoder.
//
//   RecordDecoder decoder;
//   decoder.reset(payload, timeUsAtChunkStart, format::payloadLayout(fileVersion));
//   Record r;
//   while (decoder.next(r) == RecordDecoder::Step::Record) { ... }
//
// The delta state starts fresh at every reset() (docs/FORMAT.md, "Delta state"). Events before
// the chunk's first Time record keep the time passed to reset() (the previous chunk's last
// time). Core records are decoded field by field; extension records are cut by their length,
// the known ones decoded from the front of their payload (extra trailing bytes are ignored),
// unknown ones handed out with known = false. An unknown core type, a varint running past the
// end or a field out of its limits stops the chunk with Step::Error and a message. From
// version 3 the address fields come from the address stream, from version 4 those of
// Realloc and Mremap from the resize stream (format.h), and version 5 adds the reuse stacks
// (AllocReused, SizeClasses: reuse_stacks.h); records' offsets are payload offsets, and
// stream bytes left over after the last record are an error.
//
// The loop allocates nothing: Records point into the payload and into a frame buffer owned by
// the decoder (valid until the next call).
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "memtrace/format.h"
#include "memtrace/reuse_stacks.h"
#include "memtrace/varint.h"
#include "record.h"

namespace memtrace::reader {

class RecordDecoder {
public:
    enum class Step { Record, End, Error };

    RecordDecoder();

    // layout: the payload's, format::payloadLayout(the file's version).
    void reset(std::span<const uint8_t> payload, uint64_t startTimeUs = 0,
               format::PayloadLayout layout = format::payloadLayout(format::kFormatVersion));

    // The hot records (Time, Alloc, Free: ~all of a capture) are decoded inline without a
    // bounds check per byte while a whole record's worth of bytes remains; everything else,
    // and the last bytes of a chunk, take the checked path. Both fill the same fields.
    // In a version 4 payload the time stream's changes come out as Time records (length 0) at
    // their places among the records.
    Step next(Record& out)
    {
        if (m_recordsToTime != 0) [[likely]] {
            if (m_split) {
                if (roomForHot<true>(m_p, m_a) && decodeHot<true>(out)) [[likely]] return Step::Record;
            } else {
                if (roomForHot<false>(m_p, m_a) && decodeHot<false>(out)) [[likely]] return Step::Record;
            }
        }
        return nextChecked(out);
    }

    // The loader's tight loop: decodes the records that make up nearly all of a full capture
    // (Time, Thread, Alloc, Free and their recency and reuse forms) straight into `events`,
    // without filling a Record, and stops before any other record, before a malformed one
    // (next() then reports it exactly as always) and where less than a whole record's room is
    // left. Events get, in record order:
    //   time(timeUs)                                 after a Time record
    //   alloc(kind, address, size, stackId, thread, timeUs)
    //   free(kind, address, timeUs)
    //   allocFree(kind, address, size, stackId, thread, timeUs, freeKind)
    //                                                an Alloc and the Free of its block right after it
    //   records(count)                               once: the records consumed
    // The model loader's Events write a DecodedChunk (decoded_chunk.h) on the pipeline's worker.
    template <class Events>
    void decodeHotRun(Events& events)
    {
        if (m_split) decodeHotRun<true>(events);
        else decodeHotRun<false>(events);
    }

    // The delta state's time: that of the last record decoded (or reset()'s start time).
    uint64_t timeUs() const { return m_timeUs; }

    // Set when next() returned Error: what was wrong, and where in the payload.
    const std::string& error() const { return m_error; }
    size_t errorOffset() const { return m_errorOffset; }

private:
    // Longer than any Time/Alloc/Free record or their recency forms (type, kind, three
    // 10-byte varints). AllocRecent and FreeRecent come out as Alloc and Free records (type),
    // with rawType telling the encoding.
    static constexpr size_t kFastRoom = 2 + 3 * varint::kMaxBytes;
    static constexpr size_t kFastAddressRoom = varint::kMaxBytes;

    // Whether a whole hot record fits in what is left of the records (and address) stream.
    template <bool Split>
    bool roomForHot(const uint8_t* p, const uint8_t* a) const
    {
        return static_cast<size_t>(m_end - p) >= kFastRoom &&
               (!Split || static_cast<size_t>(m_aEnd - a) >= kFastAddressRoom);
    }

    // Split: address fields are read from the address stream `a`; otherwise in place from `p`.
    template <bool Split>
    bool decodeHot(Record& out)
    {
        const uint8_t* p = m_p;
        const uint8_t* a = m_a;
        const uint8_t*& at = Split ? a : p;  // where the address fields are
        const uint8_t type = *p++;
        uint64_t v = 0;  // AllocReused reads no address field
        switch (static_cast<format::RecordType>(type)) {
        case format::RecordType::Time:
            if (!varint::getUnchecked(p, v)) return false;
            out.value = v;
            m_timeUs = m_timeSet ? m_timeUs + v : v;
            m_timeSet = true;
            out.kind = format::AllocatorKind{};
            out.type = format::RecordType::Time;
            break;
        case format::RecordType::Alloc:
        case format::RecordType::AllocRecent:
        case format::RecordType::AllocReused: {
            out.kind = static_cast<format::AllocatorKind>(*p++);
            const bool reused = type == static_cast<uint8_t>(format::RecordType::AllocReused);
            uint64_t size, stack;
            if ((!reused && !varint::getUnchecked(at, v)) || !varint::getUnchecked(p, size) ||
                !varint::getUnchecked(p, stack))
                return false;
            const uint64_t stackId = m_lastStack + static_cast<uint64_t>(varint::unzigzag(stack));
            if (type == static_cast<uint8_t>(format::RecordType::Alloc)) {
                m_lastAddress = allocBase<Split>(stackId, m_lastAddress) + static_cast<uint64_t>(varint::unzigzag(v));
                out.address = m_lastAddress;
            } else if (reused ? !reusedAddress(m_thread, size, out.address)
                              : !recentAddress(m_freeRing, m_freeCount, v, out.address)) {
                return false;  // the checked path reports it
            }
            m_lastStack = stackId;
            out.size = size;
            out.stack = m_lastStack;
            out.weight = 0;
            noteAllocated(out.address, size);
            if constexpr (Split) m_stackBases->note(stackId, out.address);
            out.type = format::RecordType::Alloc;
            break;
        }
        case format::RecordType::Free:
        case format::RecordType::FreeRecent:
            out.kind = static_cast<format::AllocatorKind>(*p++);
            if (!varint::getUnchecked(at, v)) return false;
            if (type == static_cast<uint8_t>(format::RecordType::Free)) {
                m_lastAddress += static_cast<uint64_t>(varint::unzigzag(v));
                out.address = m_lastAddress;
                m_freeRing[m_freeCount++ & kRecencyMask] = out.address;
            } else if (!recentAddress(m_allocRing, m_allocCount, v, out.address)) {
                return false;
            } else {
                noteRecentRelease(m_thread, out.address, v);
            }
            out.type = format::RecordType::Free;
            break;
        default: return false;
        }
        out.rawType = type;
        out.known = true;
        out.offset = static_cast<uint32_t>(m_p - m_begin);
        out.length = static_cast<uint32_t>(p - m_p);
        out.timeUs = m_timeUs;
        out.thread = m_thread;
        m_p = p;
        m_a = a;
        --m_recordsToTime;
        return true;
    }

    template <bool Split, class Events>
    void decodeHotRun(Events& events);

    // The base an Alloc's address delta is from: its stack's (version 3) or the last address.
    template <bool Split>
    uint64_t allocBase(uint64_t stack, uint64_t lastAddress) const
    {
        if constexpr (Split) return m_stackBases->baseFor(stack, lastAddress);
        else return lastAddress;
    }

    // Recency coding (format.h): the address `distance` records back in `ring`, which has
    // seen `count` records in this chunk.
    static constexpr uint64_t kRecencyMask = format::kRecencyWindow - 1;
    static bool recentAddress(const std::vector<uint64_t>& ring, uint64_t count, uint64_t distance, uint64_t& address)
    {
        if (distance >= count || distance >= format::kRecencyWindow) return false;
        address = ring[(count - 1 - distance) & kRecencyMask];
        return true;
    }

    // Reuse stacks (version 5, reuse_stacks.h). An allocation record joins the allocation
    // list with its size class (0 before the chunk's SizeClasses record: it takes no part).
    void noteAllocated(uint64_t address, uint64_t size)
    {
        const uint64_t at = m_allocCount++ & kRecencyMask;
        m_allocRing[at] = address;
        if (m_reuseRecords) m_allocClassRing[at] = m_reuseOn ? format::sizeClassOf(m_sizeClasses, size) : 0;
    }
    // A FreeRecent of the allocation `distance` back (checked by recentAddress): pushed on the
    // reuse stack of (thread, that allocation's class).
    void noteRecentRelease(uint32_t thread, uint64_t address, uint64_t distance)
    {
        m_freeRing[m_freeCount++ & kRecencyMask] = address;
        if (!m_reuseOn) return;
        const uint16_t sizeClass = m_allocClassRing[(m_allocCount - 1 - distance) & kRecencyMask];
        if (sizeClass != 0) m_reuse->push(thread, static_cast<uint16_t>(sizeClass), address);
    }
    // An AllocReused record's address: the top of its reuse stack, popped. False if there is
    // none (a malformed record).
    [[gnu::always_inline]] bool reusedAddress(uint32_t thread, uint64_t size, uint64_t& address)
    {
        if (!m_reuseOn) return false;
        const uint16_t sizeClass = format::sizeClassOf(m_sizeClasses, size);
        if (sizeClass == 0 || !m_reuse->top(thread, sizeClass, address)) return false;
        m_reuse->pop(thread, sizeClass);
        return true;
    }

    Step nextChecked(Record& out);
    Step timeChange(Record& out);
    Step stopChunk();
    bool readTimeChange();
    bool decodeCore(uint8_t type, Record& out);
    bool decodeExtension(uint8_t type, std::span<const uint8_t> payload, Record& out);
    Step fail(size_t offset, const char* what, uint8_t type);
    Step endOfRecords();

    const uint8_t* m_begin = nullptr;  // the payload
    const uint8_t* m_p = nullptr;      // records
    const uint8_t* m_end = nullptr;
    const uint8_t* m_a = nullptr;  // address stream (version 3), else unused
    const uint8_t* m_aEnd = nullptr;
    const uint8_t* m_r = nullptr;  // resize stream (version 4), else unused
    const uint8_t* m_rEnd = nullptr;
    const uint8_t* m_t = nullptr;  // time stream (version 4), else unused
    const uint8_t* m_tEnd = nullptr;
    // Version 4: records to decode before the next time change (the largest value: none).
    uint64_t m_recordsToTime = ~0ull;
    bool m_timeChangePending = false;  // m_nextDt is read and waits for its place
    bool m_timeStreamBroken = false;
    uint64_t m_nextDt = 0;
    bool m_split = true;
    bool m_resizeSplit = true;
    const char* m_layoutError = nullptr;  // a payload too short for its records' length
    uint64_t m_lastAddress = 0;
    uint64_t m_lastResizeAddress = 0;  // version 4
    uint64_t m_lastStack = 0;
    uint64_t m_timeUs = 0;
    bool m_timeSet = false;
    uint32_t m_thread = ~0u;
    // Version 3: per-stack address bases (96 KiB: on the heap, decoders live on stacks).
    std::unique_ptr<format::StackAddressBases> m_stackBases = std::make_unique<format::StackAddressBases>();
    // Version 5: SizeClasses / AllocReused may appear (m_reuseRecords); a SizeClasses record
    // of this chunk turned the reuse stacks on (m_reuseOn).
    bool m_reuseRecords = true;
    bool m_reuseOn = false;
    format::SizeClasses m_sizeClasses = format::SizeClasses::Exact;
    std::unique_ptr<format::ReuseStacks> m_reuse = std::make_unique<format::ReuseStacks>();
    // The chunk's allocation records (Alloc, AllocRecent, AllocReused, Realloc): addresses, and
    // size classes (version 5; 0: none) apart, so that the address ring stays 8 bytes a slot (a
    // 16-byte entry with both: summary +22% instead of +10% on alloc_bench's capture).
    std::vector<uint64_t> m_allocRing;
    std::vector<uint16_t> m_allocClassRing;
    std::vector<uint64_t> m_freeRing;  // addresses of its Free/FreeRecent records (and Realloc's old)
    uint64_t m_allocCount = 0;
    uint64_t m_freeCount = 0;
    std::vector<uint64_t> m_frames;
    std::string m_error;
    size_t m_errorOffset = 0;
};

// Each event goes to `events` as soon as it is decoded, in record order.
template <bool Split, class Events>
void RecordDecoder::decodeHotRun(Events& events)
{
    const uint8_t* p = m_p;
    const uint8_t* a = m_a;
    uint64_t address = m_lastAddress;
    uint64_t stack = m_lastStack;
    uint64_t time = m_timeUs;
    bool timeSet = m_timeSet;
    uint32_t thread = m_thread;
    uint64_t records = 0;
    uint64_t untilTime = m_recordsToTime;  // records before the next time change (version 4)
    for (;;) {
        if (!roomForHot<Split>(p, a) || untilTime == 0) [[unlikely]]  // next() hands out the time change
            break;
        const uint8_t* q = p;
        const uint8_t*& at = Split ? a : q;  // where the address fields are
        const uint8_t type = *q++;
        uint64_t v = 0;  // AllocReused reads no address field
        if (type == static_cast<uint8_t>(format::RecordType::Alloc) ||
            type == static_cast<uint8_t>(format::RecordType::AllocRecent) ||
            type == static_cast<uint8_t>(format::RecordType::AllocReused)) {
            const auto kind = static_cast<format::AllocatorKind>(*q++);
            uint64_t size, stackDelta, allocated;
            const uint8_t* const aBefore = a;
            const bool reused = type == static_cast<uint8_t>(format::RecordType::AllocReused);
            if ((!reused && !varint::getUnchecked(at, v)) || !varint::getUnchecked(q, size) ||
                !varint::getUnchecked(q, stackDelta)) {
                a = aBefore;
                break;
            }
            const bool delta = type == static_cast<uint8_t>(format::RecordType::Alloc);
            const uint64_t stackId = stack + static_cast<uint64_t>(varint::unzigzag(stackDelta));
            if (delta) {
                address = allocBase<Split>(stackId, address) + static_cast<uint64_t>(varint::unzigzag(v));
                allocated = address;
            } else if (reused ? !reusedAddress(thread, size, allocated)
                              : !recentAddress(m_freeRing, m_freeCount, v, allocated)) {
                a = aBefore;
                break;  // next() reports it
            }
            stack = stackId;
            if constexpr (Split) m_stackBases->note(stackId, allocated);
            noteAllocated(allocated, size);
            // The Free of this very block right behind: a temporary block. Either FreeRecent
            // with distance 0, or (after an Alloc, which moved the last address) Free with delta 0.
            // Its address field is one zero byte: q[2] in place, a[0] in the address stream.
            const bool freeFits = Split ? static_cast<size_t>(m_end - q) >= 2 && a != m_aEnd
                                        : static_cast<size_t>(m_end - q) >= 3;
            if (freeFits && untilTime > 1 && (Split ? a[0] : q[2]) == 0 &&
                (q[0] == static_cast<uint8_t>(format::RecordType::FreeRecent) ||
                 (delta && q[0] == static_cast<uint8_t>(format::RecordType::Free)))) {
                const auto freeKind = static_cast<format::AllocatorKind>(q[1]);
                if (q[0] == static_cast<uint8_t>(format::RecordType::FreeRecent)) noteRecentRelease(thread, allocated, 0);
                else m_freeRing[m_freeCount++ & kRecencyMask] = allocated;
                q += 2;
                at += 1;
                ++records;
                --untilTime;
                events.allocFree(kind, allocated, size, stack, thread, time, freeKind);
            } else {
                events.alloc(kind, allocated, size, stack, thread, time);
            }
        } else if (type == static_cast<uint8_t>(format::RecordType::Free) ||
                   type == static_cast<uint8_t>(format::RecordType::FreeRecent)) {
            const auto kind = static_cast<format::AllocatorKind>(*q++);
            const uint8_t* const aBefore = a;
            if (!varint::getUnchecked(at, v)) {
                a = aBefore;
                break;
            }
            uint64_t freed;
            if (type == static_cast<uint8_t>(format::RecordType::Free)) {
                address += static_cast<uint64_t>(varint::unzigzag(v));
                freed = address;
                m_freeRing[m_freeCount++ & kRecencyMask] = freed;
            } else if (!recentAddress(m_allocRing, m_allocCount, v, freed)) {
                a = aBefore;
                break;
            } else {
                noteRecentRelease(thread, freed, v);
            }
            events.free(kind, freed, time);
        } else if (type == static_cast<uint8_t>(format::RecordType::Time)) {
            if (!varint::getUnchecked(q, v)) break;
            time = timeSet ? time + v : v;
            timeSet = true;
            events.time(time);
        } else if (type == static_cast<uint8_t>(format::RecordType::Thread)) {
            if (!varint::getUnchecked(q, v) || v > 0xffffffffu) break;
            thread = static_cast<uint32_t>(v);
        } else {
            break;
        }
        p = q;
        ++records;
        --untilTime;
    }
    m_p = p;
    m_a = a;
    m_recordsToTime = untilTime;
    m_lastAddress = address;
    m_lastStack = stack;
    m_timeUs = time;
    m_timeSet = timeSet;
    m_thread = thread;
    events.records(records);
}

// "Alloc", "ThreadStart", ... ; "ext(0x5a)" style names are built by callers for unknown types.
const char* recordTypeName(uint8_t type);

}  // namespace memtrace::reader
