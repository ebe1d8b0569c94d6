// A chunk's records, decoded ahead on the pipeline's worker thread (chunk_pipeline.h) and
// replayed into the model on the main thread: decoding (varints, recency rings, reuse
// stacks) and the model's table work then run on two cores at once.
//
//   worker:  decoded.decode(decoder, chunk.records(), startTimeUs, layout);
//   main:    decoded.replay(sink);           // sink: onRecord(Record) and hotEvents()
//            decoded.outcome() / error() / endTimeUs()
//
// replay() has exactly the effects that streamCaptureTo's own loop (RecordDecoder::next and
// decodeHotRun into the sink) has, in the same order. The items are 64-bit words:
//   Clock     [h, time]                      the events after it happened at `time`
//   Time      [h, time]                      a Time record of the hot loop: events.time(time)
//   Alloc     [h, address, size, stack]      h: kind, thread
//   AllocFree [h, address, size, stack]      h: kind, free kind, thread
//   Free      [h, address]                   h: kind
//   Compact   [h, timeUs, fields...]         a numeric record from next(): h holds its type,
//                                            raw type, kind and thread; the fields its type
//                                            has (compactFields), in Record's order
//   Full      [h, index]                     any other record, kept whole in m_records (its
//                                            strings and bodies point into the chunk's payload)
// h = op | kind << 8 | free kind or type << 16 | raw type << 24 | thread << 32.
// A Record replayed from a Compact item carries no offset or length: the model reads neither.
// Memory: ~20 bytes per event (alloc_bench: 4.8 MB for a 1 MiB chunk), two chunks at a time.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "memtrace/format.h"
#include "record.h"
#include "record_decoder.h"

namespace memtrace::reader {

class DecodedChunk {
public:
    enum class Outcome { End, Error };

    // Decodes the whole payload, stopping at its end or at the first malformed record.
    void decode(RecordDecoder& decoder, std::span<const uint8_t> payload, uint64_t startTimeUs, format::PayloadLayout layout);

    template <class Sink>
    void replay(Sink& sink) const;

    Outcome outcome() const { return m_outcome; }
    const std::string& error() const { return m_error; }
    uint64_t endTimeUs() const { return m_endTimeUs; }  // the decoder's time after the last record

private:
    enum Op : uint8_t { Clock, Time, Alloc, AllocFree, Free, Compact, Full };
    // Record fields a Compact item carries, as bits of this order.
    // NoField: a Compact record without fields (Thread: its thread is in the header).
    enum Field : uint8_t { Address = 1, NewAddress = 2, Size = 4, OldSize = 8, Stack = 16, Weight = 32, Value = 64, NoField = 128 };
    // The fields a Compact item holds for a record type, or 0: keep the record whole.
    static uint8_t compactFields(format::RecordType type);
    static uint64_t header(Op op, uint64_t kind, uint64_t second, uint64_t third, uint64_t thread)
    {
        return op | kind << 8 | second << 16 | third << 24 | thread << 32;
    }
    static size_t itemWords(uint64_t h);

    class Writer;  // the decodeHotRun Events that append items
    void appendRecord(const Record& r);
    void fixFrameSpans();
    void replayCompact(const uint64_t* w, Record& r) const;

    // The items: a vector without zero-filling, grown by doubling (decoding appends ~4 words
    // an event; std::vector's push_back checked capacity once a word).
    class Words {
    public:
        uint64_t* data() { return m_data.get(); }
        const uint64_t* data() const { return m_data.get(); }
        size_t size() const { return m_size; }
        void clear() { m_size = 0; }
        // Room for n more words; returns where they go (the caller fills them all).
        uint64_t* append(size_t n)
        {
            if (m_size + n > m_capacity) [[unlikely]] grow(n);
            uint64_t* at = m_data.get() + m_size;
            m_size += n;
            return at;
        }

    private:
        void grow(size_t n);
        std::unique_ptr<uint64_t[]> m_data;
        size_t m_size = 0;
        size_t m_capacity = 0;
    };
    Words m_words;
    std::vector<Record> m_records;
    std::vector<uint64_t> m_frames;        // the Full records' frames, one after another
    std::vector<size_t> m_frameOffsets;    // per Full record: where its frames start in m_frames
    uint64_t m_startTimeUs = 0;
    uint64_t m_hotRecords = 0;  // records the hot loop consumed
    Outcome m_outcome = Outcome::End;
    std::string m_error;
    uint64_t m_endTimeUs = 0;
};

inline size_t DecodedChunk::itemWords(uint64_t h)
{
    switch (static_cast<Op>(h & 0xff)) {
    case Alloc:
    case AllocFree: return 4;
    case Compact:
        return 2 + static_cast<size_t>(__builtin_popcount(compactFields(static_cast<format::RecordType>((h >> 16) & 0xff)) & ~NoField));
    default: return 2;
    }
}

template <class Sink>
void DecodedChunk::replay(Sink& sink) const
{
    auto events = sink.hotEvents();
    const uint64_t* w = m_words.data();
    const uint64_t* const end = w + m_words.size();
    // The live-table slot of the event kPrefetchAhead items on is loaded while this one is
    // applied (the cursor `ahead` walks the same items). It costs a few instructions an event
    // and pays at any heap that outgrows L1: alloc_bench's capture (2 k live blocks, a 320 KiB
    // table) 0.66 -> 0.60 s; 1 M live blocks -38% wall against decoding and applying in one loop.
    // An allocation's stack totals too, once they outgrow a core's L2 share (with 100000
    // stacks they are 9.6 MB, and the miss on them was 69% of an allocation's time in the
    // report's history pass); with 16 stacks the hint only cost 2% CPU.
    constexpr int kPrefetchAhead = 16;
    constexpr size_t kStackPrefetchFrom = 256 << 10;
    const bool stacksToo = events.stackStatsBytes() > kStackPrefetchFrom;
    const uint64_t* ahead = w;
    auto prefetchNext = [&] {
        if (ahead == end) return;
        const Op op = static_cast<Op>(*ahead & 0xff);
        if (op == Alloc || op == AllocFree || op == Free) events.prefetch(ahead[1]);
        if (stacksToo && (op == Alloc || op == AllocFree)) events.prefetchStack(ahead[3]);
        ahead += itemWords(*ahead);
    };
    for (int i = 0; i < kPrefetchAhead; ++i) prefetchNext();
    uint64_t time = m_startTimeUs;
    Record compact;
    while (w < end) {
        const uint64_t h = *w;
        const auto kind = static_cast<format::AllocatorKind>((h >> 8) & 0xff);
        switch (static_cast<Op>(h & 0xff)) {
        case Clock: time = w[1]; w += 2; break;
        case Time:
            time = w[1];
            events.time(time);
            w += 2;
            break;
        case Alloc:
            events.alloc(kind, w[1], w[2], w[3], static_cast<uint32_t>(h >> 32), time);
            w += 4;
            break;
        case AllocFree:
            events.allocFree(kind, w[1], w[2], w[3], static_cast<uint32_t>(h >> 32), time,
                             static_cast<format::AllocatorKind>((h >> 16) & 0xff));
            w += 4;
            break;
        case Free:
            events.free(kind, w[1], time);
            w += 2;
            break;
        case Compact:
            replayCompact(w, compact);
            sink.onRecord(compact);
            w += itemWords(h);
            break;
        case Full:
            sink.onRecord(m_records[w[1]]);
            w += 2;
            break;
        }
        prefetchNext();
    }
    events.records(m_hotRecords);
}

}  // namespace memtrace::reader
