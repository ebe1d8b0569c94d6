// The decoder's unchecked fast path (Time/Alloc/Free while a whole record's room remains) must
// produce exactly what the checked path produces, and still reject malformed varints.
#include <catch2/catch.hpp>

#include <cstring>
#include <memory>
#include <span>
#include <utility>
#include <vector>

#include "memtrace/record_encoder.h"
#include "reader/capture_model.h"
#include "reader/decoded_chunk.h"
#include "reader/record_decoder.h"

using namespace memtrace;
using format::AllocatorKind;
using format::RecordType;
using reader::Record;
using reader::RecordDecoder;

namespace {

struct Expected {
    RecordType type;
    uint64_t a = 0, b = 0, c = 0;  // Time: absolute µs; Alloc: address, size, stack; Free: address
};

}  // namespace

TEST_CASE("fast and checked decoding agree on a long mixed payload")
{
    std::vector<uint8_t> buffer(1 << 20);
    format::RecordEncoder e(buffer.data(), buffer.size());
    std::vector<Expected> expected;
    uint64_t state = 0x9E3779B97F4A7C15ull, time = 5;
    auto next = [&] { state ^= state >> 12; state ^= state << 25; state ^= state >> 27; return state * 0x2545F4914F6CDD1DULL; };
    e.time(time);
    expected.push_back({RecordType::Time, time});
    e.thread(1);
    expected.push_back({RecordType::Thread, 1});
    for (int i = 0; i < 20000; ++i) {
        const uint64_t r = next();
        switch (r % 4) {
        case 0: time += r >> 60; e.time(time); if (r >> 60) expected.push_back({RecordType::Time, time}); break;
        case 1: {
            // Addresses from the whole 64-bit range: deltas of every varint length, up to 10 bytes.
            const uint64_t address = (r & 8) ? next() : 0x555555550000 + (next() & 0xffff0);
            const uint64_t size = next() >> (next() % 64), stack = 1 + next() % 100;
            e.alloc(AllocatorKind::Malloc, address, size, stack);
            expected.push_back({RecordType::Alloc, address, size, stack});
            break;
        }
        default: {
            const uint64_t address = (r & 16) ? next() : 0x555555550000 + (next() & 0xffff0);
            e.free(AllocatorKind::Free, address);
            expected.push_back({RecordType::Free, address});
        }
        }
    }
    RecordDecoder decoder;
    decoder.reset(e.payload());
    Record r;
    size_t i = 0;
    while (decoder.next(r) == RecordDecoder::Step::Record) {
        REQUIRE(i < expected.size());
        const Expected& x = expected[i++];
        REQUIRE(r.type == x.type);
        switch (x.type) {
        case RecordType::Time: CHECK(r.timeUs == x.a); break;
        case RecordType::Thread: CHECK(r.thread == x.a); break;
        case RecordType::Alloc:
            CHECK(r.address == x.a);
            CHECK(r.size == x.b);
            CHECK(r.stack == x.c);
            CHECK(r.kind == AllocatorKind::Malloc);
            CHECK(r.thread == 1);
            break;
        default:
            CHECK(r.address == x.a);
            CHECK(r.kind == AllocatorKind::Free);
            break;
        }
    }
    CHECK(decoder.error().empty());
    CHECK(i == expected.size());
}

TEST_CASE("the fast path rejects an over-long varint in a hot record")
{
    RecordDecoder decoder;
    Record r;
    SECTION("in place (before version 3)")
    {
        std::vector<uint8_t> payload(64, 0);
        payload[0] = static_cast<uint8_t>(RecordType::Free);
        payload[1] = 32;  // kind
        for (int i = 2; i < 13; ++i) payload[i] = 0xff;  // 11 continuation bytes: not a 64-bit varint
        decoder.reset({payload.data(), payload.size()}, 0, format::PayloadLayout::OneStream);
        CHECK(decoder.next(r) == RecordDecoder::Step::Error);
        CHECK(decoder.errorOffset() == 0);
    }
    SECTION("in the address stream")
    {
        // records length 24: a Free (type, kind) and padding Time records; then the address.
        std::vector<uint8_t> payload = {24, 0, 0, 0, static_cast<uint8_t>(RecordType::Free), 32};
        for (int i = 0; i < 11; ++i) payload.insert(payload.end(), {static_cast<uint8_t>(RecordType::Time), 0});
        for (int i = 0; i < 11; ++i) payload.push_back(0xff);
        payload.resize(payload.size() + 20, 0);
        decoder.reset(payload, 0, format::PayloadLayout::AddressStream);
        CHECK(decoder.next(r) == RecordDecoder::Step::Error);
        CHECK(decoder.errorOffset() == format::kRecordsLengthBytes);
    }
}

// The model loader's loop (RecordDecoder::decodeHotRun into CaptureModel::HotEvents, with
// Alloc + Free of the same block folded into one step) must build exactly the model that
// next() + apply() builds, record by record, on every kind of sequence it can meet.
namespace {

void applyPlain(std::span<const uint8_t> payload, format::PayloadLayout layout, reader::CaptureModel& model)
{
    RecordDecoder decoder;
    decoder.reset(payload, 0, layout);
    Record r;
    while (decoder.next(r) == RecordDecoder::Step::Record) model.apply(r);
    model.finish();
}

void applyHot(std::span<const uint8_t> payload, format::PayloadLayout layout, reader::CaptureModel& model)
{
    RecordDecoder decoder;
    decoder.reset(payload, 0, layout);
    Record r;
    for (;;) {
        auto events = model.hotEvents();
        decoder.decodeHotRun(events);
        if (decoder.next(r) != RecordDecoder::Step::Record) break;
        model.apply(r);
    }
    model.finish();
}

// The model loader's way (capture_stream.h): the payload decoded ahead into a DecodedChunk
// (on the pipeline's worker), then replayed into the model. `chunk` is reused, as the
// pipeline reuses it; returns whether the payload decoded to its end.
struct ReplaySink {
    reader::CaptureModel& model;
    void onRecord(const Record& r) { model.apply(r); }
    reader::CaptureModel::HotEvents hotEvents() { return model.hotEvents(); }
};
bool applyDecoded(std::span<const uint8_t> payload, format::PayloadLayout layout, reader::DecodedChunk& chunk,
                  reader::CaptureModel& model)
{
    RecordDecoder decoder;
    chunk.decode(decoder, payload, 0, layout);
    ReplaySink sink{model};
    chunk.replay(sink);
    model.finish();
    return chunk.outcome() == reader::DecodedChunk::Outcome::End;
}

// Whether next() decodes the payload to its end (else it stops at a malformed record).
bool decodesToEnd(std::span<const uint8_t> payload, format::PayloadLayout layout)
{
    RecordDecoder decoder;
    decoder.reset(payload, 0, layout);
    Record r;
    RecordDecoder::Step step;
    while ((step = decoder.next(r)) == RecordDecoder::Step::Record) {}
    return step == RecordDecoder::Step::End;
}

void requireSameModel(const reader::CaptureModel& a, const reader::CaptureModel& b)
{
    const reader::HeapTracker& x = a.heap();
    const reader::HeapTracker& y = b.heap();
    REQUIRE(a.records() == b.records());
    REQUIRE(a.durationUs() == b.durationUs());
    // Records outside the hot loop: mappings, reallocs, stack definitions (their frames).
    REQUIRE(a.mmaps().bytes() == b.mmaps().bytes());
    REQUIRE(a.mmaps().mmapCalls() == b.mmaps().mmapCalls());
    REQUIRE(a.mmaps().peakTimeUs() == b.mmaps().peakTimeUs());
    REQUIRE(a.stacks().size() == b.stacks().size());
    for (uint32_t i = 0; i < a.stacks().size(); ++i) {
        const auto f = a.stacks().frames(reader::StackIndex{i});
        const auto g = b.stacks().frames(reader::StackIndex{i});
        REQUIRE(f.size() == g.size());
        for (size_t k = 0; k < f.size(); ++k) REQUIRE(f[k].ip == g[k].ip);
    }
    REQUIRE(x.heapBytes() == y.heapBytes());
    REQUIRE(x.peakBytes() == y.peakBytes());
    REQUIRE(x.peakTimeUs() == y.peakTimeUs());
    REQUIRE(x.allocations() == y.allocations());
    REQUIRE(x.allocatedBytes() == y.allocatedBytes());
    REQUIRE(x.frees() == y.frees());
    REQUIRE(x.freedBytes() == y.freedBytes());
    REQUIRE(x.freesUnmatched() == y.freesUnmatched());
    REQUIRE(x.anomalies() == y.anomalies());
    REQUIRE(x.temporary() == y.temporary());
    for (size_t k = 0; k < x.byKind().size(); ++k) {
        REQUIRE(x.byKind()[k].count == y.byKind()[k].count);
        REQUIRE(x.byKind()[k].bytes == y.byKind()[k].bytes);
    }
    REQUIRE(x.stacks().size() == y.stacks().size());
    for (size_t i = 0; i < x.stacks().size(); ++i) {
        const reader::StackStats& s = x.stacks()[i];
        const reader::StackStats& t = y.stacks()[i];
        REQUIRE(s.allocations == t.allocations);
        REQUIRE(s.allocatedBytes == t.allocatedBytes);
        REQUIRE(s.frees == t.frees);
        REQUIRE(s.temporary == t.temporary);
        REQUIRE(s.liveBytes == t.liveBytes);
        REQUIRE(s.liveBlocks == t.liveBlocks);
        REQUIRE(s.peakBytes == t.peakBytes);
        REQUIRE(s.firstAllocUs == t.firstAllocUs);
        REQUIRE(s.lastAllocUs == t.lastAllocUs);
        REQUIRE(s.kind == t.kind);
    }
    // The live table in the same slots: reports walk it in this order.
    std::vector<std::pair<uint64_t, reader::LiveBlock>> live[2];
    x.liveBlocks().forEach([&](uint64_t address, const reader::LiveBlock& block) { live[0].emplace_back(address, block); });
    y.liveBlocks().forEach([&](uint64_t address, const reader::LiveBlock& block) { live[1].emplace_back(address, block); });
    REQUIRE(live[0].size() == live[1].size());
    for (size_t i = 0; i < live[0].size(); ++i) {
        REQUIRE(live[0][i].first == live[1][i].first);
        REQUIRE(live[0][i].second.size == live[1][i].second.size);
        REQUIRE(live[0][i].second.timeUs == live[1][i].second.timeUs);
        REQUIRE(live[0][i].second.stack == live[1][i].second.stack);
        REQUIRE(live[0][i].second.thread == live[1][i].second.thread);
        REQUIRE(live[0][i].second.kind == live[1][i].second.kind);
    }
    const auto& u = a.timeline().samples();
    const auto& v = b.timeline().samples();
    REQUIRE(u.size() == v.size());
    for (size_t i = 0; i < u.size(); ++i) {
        REQUIRE(u[i].timeUs == v[i].timeUs);
        REQUIRE(u[i].heapMax == v[i].heapMax);
        REQUIRE(u[i].heapLast == v[i].heapLast);
        REQUIRE(u[i].mmapMax == v[i].mmapMax);
        REQUIRE(u[i].rssMax == v[i].rssMax);
    }
}

}  // namespace

TEST_CASE("the model's hot loop builds the same model as apply() per record")
{
    // With recency coding (AllocRecent / FreeRecent, format.h) and without.
    const bool recency = GENERATE(false, true);
    // With reuse coding (version 5), the resize stream (version 4), the address stream alone
    // (version 3) and with address fields in place (older captures).
    const auto layout = GENERATE(format::PayloadLayout::ReuseStacks, format::PayloadLayout::ResizeStream,
                                 format::PayloadLayout::AddressStream, format::PayloadLayout::OneStream);
    // A heap bigger than L2 (12 k live blocks at first), and a small one.
    const bool bigHeap = GENERATE(false, true);
    INFO("recency coding " << recency << ", layout " << static_cast<int>(layout) << ", big heap " << bigHeap);
    auto tables = std::make_unique<format::RecencyTables>();
    std::vector<uint8_t> buffer(1 << 22);
    format::RecordEncoder e(buffer.data(), buffer.size(), layout);
    if (recency) e.enableRecency(tables.get());
    const bool reuse = recency && layout == format::PayloadLayout::ReuseStacks;
    if (reuse) e.enableReuse(format::SizeClasses::Glibc);
    uint64_t state = 0x2545F4914F6CDD1Dull, time = 3;
    auto next = [&] { state ^= state >> 12; state ^= state << 25; state ^= state >> 27; return state * 0x2545F4914F6CDD1DULL; };
    const uint64_t frames[2] = {0x401000, 0x402000};
    e.stack(1, frames, 2);
    e.time(time);
    uint64_t nextStack = 2;
    std::vector<uint64_t> deepFrames(64);
    std::vector<uint64_t> live;
    std::pair<uint64_t, uint64_t> lastFreed{0, 0};  // address, size
    // A small address pool, so that frees hit, addresses are reused (anomalies) and the table
    // grows while temporary blocks come and go; address 0 and ~0 now and then.
    auto address = [&]() -> uint64_t {
        const uint64_t r = next();
        if (r % 97 == 0) return 0;
        if (r % 89 == 0) return ~0ull;
        return 0x555555550000ull + (r >> 20) % (bigHeap ? 40000 : 3000) * 16;
    };
    if (bigHeap) {
        for (uint64_t i = 0; i < 12000; ++i) {
            const uint64_t a = 0x555555550000ull + i * 3 * 16;
            e.alloc(AllocatorKind::Malloc, a, 64 + i % 500, 1 + i % 40);
            live.push_back(a);
        }
    }
    for (int i = 0; i < 60000; ++i) {
        const uint64_t r = next();
        switch (r % 10) {
        case 0: time += (r >> 8) % 300; e.time(time); break;
        case 1: e.thread(static_cast<uint32_t>((r >> 8) % 5 == 0 ? 70000 + (r >> 16) % 3 : 1 + (r >> 16) % 4)); break;
        case 2:
        case 3: {  // a temporary block: Alloc, then at once the Free of the same address
            // With reuse coding, often the block freed last, of its size: AllocReused.
            const bool again = reuse && lastFreed.first != 0 && (r >> 50) % 2;
            const uint64_t a = again ? lastFreed.first : address();
            const uint64_t size = again ? lastFreed.second : 1 + (r >> 12) % 5000;
            e.alloc(AllocatorKind::Malloc, a, size, 1 + (r >> 40) % 40);
            lastFreed = {a, size};
            if ((r >> 8) % 7 == 0) e.thread(1 + (r >> 16) % 4);  // not folded: a record between
            e.free((r >> 9) % 2 ? AllocatorKind::Free : AllocatorKind::Delete, a);
            break;
        }
        case 4:
        case 5: {
            const uint64_t a = address();
            e.alloc((r >> 8) % 3 ? AllocatorKind::Malloc : AllocatorKind::New, a, (r >> 12) % 100000, 1 + (r >> 40) % 40);
            live.push_back(a);
            break;
        }
        case 6:
        case 7:
            if (!live.empty()) {
                const size_t at = (r >> 8) % live.size();
                e.free(AllocatorKind::Free, live[at]);
                live[at] = live.back();
                live.pop_back();
            } else {
                e.free(AllocatorKind::Free, address());
            }
            break;
        case 8: e.free(AllocatorKind::Free, address()); break;  // often not live
        default:  // records outside the hot loop
            if ((r >> 30) % 3 == 0 && nextStack <= 40) {  // definitions of the stacks allocations name
                for (size_t k = 0; k < deepFrames.size(); ++k) deepFrames[k] = 0x400000 + nextStack * 0x1000 + k;
                e.stack(nextStack, deepFrames.data(), 1 + nextStack % 60);
                ++nextStack;
            } else if ((r >> 8) % 2) e.realloc(AllocatorKind::Realloc, address(), address(), (r >> 12) % 4000, 1 + (r >> 40) % 40);
            else e.mmap(AllocatorKind::MmapAnonymous, 0x7f0000000000ull + ((r >> 12) % 64) * 0x10000, 4096, 3, 0x22, 1);
            break;
        }
    }
    const std::span<const uint8_t> payload = e.payload();
    if (recency) {  // the recency forms are there to be checked
        size_t recent = 0, reused = 0;
        RecordDecoder decoder;
        decoder.reset(payload, 0, layout);
        Record r;
        while (decoder.next(r) == RecordDecoder::Step::Record)
        {
            recent += r.rawType == static_cast<uint8_t>(RecordType::AllocRecent) ||
                      r.rawType == static_cast<uint8_t>(RecordType::FreeRecent);
            reused += r.rawType == static_cast<uint8_t>(RecordType::AllocReused);
        }
        CHECK(recent > 10000);
        if (reuse) CHECK(reused > 1000);
    }
    reader::CaptureModel plain, hot, decoded;
    reader::DecodedChunk chunk;
    applyPlain(payload, layout, plain);
    applyHot(payload, layout, hot);
    REQUIRE(applyDecoded(payload, layout, chunk, decoded));
    REQUIRE((hot.heap().liveBlocks().size() > 3000) == bigHeap);  // the small pool has 3000 addresses
    CHECK(plain.heap().anomalies() > 0);
    CHECK(plain.heap().temporary() > 0);
    CHECK(plain.heap().freesUnmatched() > 0);
    CHECK(plain.mmaps().bytes() > 0);
    requireSameModel(plain, hot);
    requireSameModel(plain, decoded);
    // Decoded ahead, then replayed: the same model at every cut too, and the same outcome.
    auto requireSameDecoded = [&](std::span<const uint8_t> cutPayload, const reader::CaptureModel& expected) {
        reader::CaptureModel c;
        REQUIRE(applyDecoded(cutPayload, layout, chunk, c) == decodesToEnd(cutPayload, layout));
        requireSameModel(expected, c);
    };

    // Every cut of the payload (with the address stream: of the addresses): the hot loop stops
    // short of the end the same way.
    for (size_t cut = payload.size() - 200; cut < payload.size(); cut += 7) {
        reader::CaptureModel a, b;
        applyPlain(payload.first(cut), layout, a);
        applyHot(payload.first(cut), layout, b);
        requireSameModel(a, b);
        requireSameDecoded(payload.first(cut), a);
    }
    // With the address stream, cuts of the records too (their length field says so).
    if (layout != format::PayloadLayout::OneStream) {
        const size_t lengths = format::kRecordsLengthBytes +
                               (layout >= format::PayloadLayout::ResizeStream ? format::kAddressesLengthBytes : 0);
        uint32_t records = 0;
        std::memcpy(&records, payload.data(), sizeof records);
        for (uint32_t cut = records - 200; cut < records; cut += 7) {
            std::vector<uint8_t> shorter(payload.begin(), payload.end());
            std::memcpy(shorter.data(), &cut, sizeof cut);
            shorter.erase(shorter.begin() + static_cast<std::ptrdiff_t>(lengths + cut),
                          shorter.begin() + static_cast<std::ptrdiff_t>(lengths + records));
            reader::CaptureModel a, b;
            applyPlain(shorter, layout, a);
            applyHot(shorter, layout, b);
            requireSameModel(a, b);
            requireSameDecoded(shorter, a);
        }
    }
}
