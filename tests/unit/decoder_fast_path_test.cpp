// The decoder's unchecked fast path (Time/Alloc/Free while a whole record's room remains) must
// produce exactly what the checked path produces, and still reject malformed varints.
#include <catch2/catch.hpp>

#include <cstring>
#include <vector>

#include "memtrace/record_encoder.h"
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
    decoder.reset({buffer.data(), e.size()});
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
    std::vector<uint8_t> payload(64, 0);
    payload[0] = static_cast<uint8_t>(RecordType::Free);
    payload[1] = 32;  // kind
    for (int i = 2; i < 13; ++i) payload[i] = 0xff;  // 11 continuation bytes: not a 64-bit varint
    RecordDecoder decoder;
    decoder.reset({payload.data(), payload.size()});
    Record r;
    CHECK(decoder.next(r) == RecordDecoder::Step::Error);
    CHECK(decoder.errorOffset() == 0);
}
