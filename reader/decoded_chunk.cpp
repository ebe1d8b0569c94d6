#include "decoded_chunk.h"

#include <algorithm>
#include <cstring>

namespace memtrace::reader {

using format::RecordType;

// The Events of RecordDecoder::decodeHotRun on the worker: every event becomes an item.
class DecodedChunk::Writer {
public:
    Writer(DecodedChunk& chunk, uint64_t clock) : m_chunk(chunk), m_clock(clock) {}

    void time(uint64_t timeUs)
    {
        put(header(Time, 0, 0, 0, 0), timeUs);
        m_clock = timeUs;
    }
    void alloc(format::AllocatorKind kind, uint64_t address, uint64_t size, uint64_t stack, uint32_t thread, uint64_t timeUs)
    {
        clock(timeUs);
        put(header(Alloc, static_cast<uint8_t>(kind), 0, 0, thread), address, size, stack);
    }
    void free(format::AllocatorKind kind, uint64_t address, uint64_t timeUs)
    {
        clock(timeUs);
        put(header(Free, static_cast<uint8_t>(kind), 0, 0, 0), address);
    }
    void allocFree(format::AllocatorKind kind, uint64_t address, uint64_t size, uint64_t stack, uint32_t thread, uint64_t timeUs,
                   format::AllocatorKind freeKind)
    {
        clock(timeUs);
        put(header(AllocFree, static_cast<uint8_t>(kind), static_cast<uint8_t>(freeKind), 0, thread), address, size, stack);
    }
    void records(uint64_t count) { m_chunk.m_hotRecords += count; }

private:
    void clock(uint64_t timeUs)
    {
        if (timeUs == m_clock) [[likely]] return;
        put(header(Clock, 0, 0, 0, 0), timeUs);
        m_clock = timeUs;
    }
    template <class... Word>
    void put(Word... words)
    {
        uint64_t* at = m_chunk.m_words.append(sizeof...(Word));
        ((*at++ = words), ...);
    }

    DecodedChunk& m_chunk;
    uint64_t m_clock;  // the time replay() applies the next event at
};

void DecodedChunk::Words::grow(size_t n)
{
    const size_t capacity = std::max({m_capacity * 2, m_size + n, size_t{1} << 16});
    auto data = std::make_unique_for_overwrite<uint64_t[]>(capacity);
    if (m_size != 0) std::memcpy(data.get(), m_data.get(), m_size * sizeof(uint64_t));
    m_data = std::move(data);
    m_capacity = capacity;
}

uint8_t DecodedChunk::compactFields(RecordType type)
{
    switch (type) {
    case RecordType::Time: return Value;
    case RecordType::Thread: return NoField;
    case RecordType::Alloc: return Address | Size | Stack;
    case RecordType::AllocWeighted: return Address | Size | Stack | Weight;
    case RecordType::Free: return Address;
    case RecordType::Realloc: return Address | NewAddress | Size | Stack;
    case RecordType::Munmap: return Address | Size;
    case RecordType::Mremap: return Address | OldSize | NewAddress | Size | Stack;
    case RecordType::Rss: return Value;
    case RecordType::ThreadExit: return Value;
    case RecordType::AllocationUnrecorded: return Value;
    default: return 0;  // Mmap (prot, flags), strings, bodies, codes: kept whole
    }
}

void DecodedChunk::decode(RecordDecoder& decoder, std::span<const uint8_t> payload, uint64_t startTimeUs,
                          format::PayloadLayout layout)
{
    m_words.clear();
    m_records.clear();
    m_frames.clear();
    m_frameOffsets.clear();
    m_startTimeUs = startTimeUs;
    m_hotRecords = 0;
    m_outcome = Outcome::End;
    m_error.clear();

    decoder.reset(payload, startTimeUs, layout);
    Writer writer(*this, startTimeUs);
    Record record;
    for (;;) {
        decoder.decodeHotRun(writer);
        const RecordDecoder::Step step = decoder.next(record);
        if (step == RecordDecoder::Step::Record) [[likely]] {
            appendRecord(record);
            continue;
        }
        if (step == RecordDecoder::Step::Error) {
            m_outcome = Outcome::Error;
            m_error = decoder.error();
        }
        break;
    }
    m_endTimeUs = decoder.timeUs();
    fixFrameSpans();
}

void DecodedChunk::appendRecord(const Record& r)
{
    const uint8_t fields = r.known ? compactFields(r.type) : 0;
    if (fields == 0) {
        uint64_t* at = m_words.append(2);
        at[0] = header(Full, 0, 0, 0, 0);
        at[1] = m_records.size();
        m_frameOffsets.push_back(m_frames.size());
        m_frames.insert(m_frames.end(), r.frames.begin(), r.frames.end());
        m_records.push_back(r);
        return;
    }
    uint64_t* at = m_words.append(2 + static_cast<size_t>(__builtin_popcount(fields & ~NoField)));
    *at++ = header(Compact, static_cast<uint8_t>(r.kind), static_cast<uint8_t>(r.type), r.rawType, r.thread);
    *at++ = r.timeUs;
    if (fields & Address) *at++ = r.address;
    if (fields & NewAddress) *at++ = r.newAddress;
    if (fields & Size) *at++ = r.size;
    if (fields & OldSize) *at++ = r.oldSize;
    if (fields & Stack) *at++ = r.stack;
    if (fields & Weight) *at++ = r.weight;
    if (fields & Value) *at++ = r.value;
}

// The Full records' frames were copied into m_frames, which may have moved as it grew.
void DecodedChunk::fixFrameSpans()
{
    for (size_t i = 0; i < m_records.size(); ++i) {
        Record& r = m_records[i];
        r.frames = std::span<const uint64_t>(m_frames.data() + m_frameOffsets[i], r.frames.size());
    }
}

void DecodedChunk::replayCompact(const uint64_t* w, Record& r) const
{
    const uint64_t h = w[0];
    r = Record{};
    r.kind = static_cast<format::AllocatorKind>((h >> 8) & 0xff);
    r.type = static_cast<RecordType>((h >> 16) & 0xff);
    r.rawType = static_cast<uint8_t>((h >> 24) & 0xff);
    r.thread = static_cast<uint32_t>(h >> 32);
    r.timeUs = w[1];
    const uint8_t fields = compactFields(r.type);
    const uint64_t* f = w + 2;
    if (fields & Address) r.address = *f++;
    if (fields & NewAddress) r.newAddress = *f++;
    if (fields & Size) r.size = *f++;
    if (fields & OldSize) r.oldSize = *f++;
    if (fields & Stack) r.stack = *f++;
    if (fields & Weight) r.weight = *f++;
    if (fields & Value) r.value = *f++;
}

}  // namespace memtrace::reader
