#include <algorithm>
#include <catch2/catch.hpp>

#include <cstring>
#include <string>
#include <memory>
#include <utility>
#include <vector>

#include "capture_builder.h"
#include "memtrace/record_encoder.h"
#include "memtrace/reuse_stacks.h"
#include "reader/module_map_cursor.h"
#include "reader/record_decoder.h"

using namespace memtrace;
using format::AllocatorKind;
using format::RecordType;
using reader::Record;
using reader::RecordDecoder;

namespace {

std::vector<Record> decodeAll(std::span<const uint8_t> payload, RecordDecoder::Step* last = nullptr,
                              std::string* error = nullptr,
                              format::PayloadLayout layout = format::payloadLayout(format::kFormatVersion))
{
    RecordDecoder decoder;
    decoder.reset(payload, 0, layout);
    std::vector<Record> out;
    Record r;
    RecordDecoder::Step step;
    while ((step = decoder.next(r)) == RecordDecoder::Step::Record) out.push_back(r);
    if (last) *last = step;
    if (error) *error = decoder.error();
    return out;
}

// A payload in the layout before version 3: address fields inside their records.
std::vector<Record> decodeLegacy(const uint8_t* data, size_t size, RecordDecoder::Step* last = nullptr,
                                 std::string* error = nullptr)
{
    return decodeAll({data, size}, last, error, format::PayloadLayout::OneStream);
}

}  // namespace

TEST_CASE("every core record round trips through encoder and decoder")
{
    std::vector<uint8_t> buffer(4096);
    format::RecordEncoder e(buffer.data(), buffer.size());
    const uint64_t frames[] = {0x555555554000 + 0x1234, 0x555555554000 + 0x1000, 0x7ffff7a00000};
    e.time(1500);
    e.thread(3);
    e.stack(7, frames, 3);
    e.alloc(AllocatorKind::Malloc, 0x5555555592a0, 48, 7);
    e.allocWeighted(AllocatorKind::New, 0x555555559000, 4096, 6, 65536);
    e.time(1600);
    e.free(AllocatorKind::Delete, 0x555555559000);
    e.realloc(AllocatorKind::Realloc, 0x5555555592a0, 0x555555560000, 100, 8);
    e.realloc(AllocatorKind::Realloc, 0, 0x400000, 5, 1);
    e.mmap(AllocatorKind::MmapAnonymous, 0x7f0000000000, 8192, 3, 0x22, 9);
    e.munmap(0x7f0000001000, 4096);
    e.mremap(0x7f0000000000, 4096, 0x7f0000100000, 16384, 9);
    e.thread(4);
    e.free(AllocatorKind::Free, 0x400000);

    RecordDecoder::Step last;
    const auto records = decodeAll(e.payload(), &last);
    REQUIRE(last == RecordDecoder::Step::End);
    REQUIRE(records.size() == 14);

    CHECK(records[0].type == RecordType::Time);
    CHECK(records[0].timeUs == 1500);
    CHECK(records[1].type == RecordType::Thread);
    CHECK(records[1].thread == 3);
    const Record& stack = records[2];
    CHECK(stack.type == RecordType::Stack);
    CHECK(stack.stack == 7);
    // (a stack's frames stay valid only until the next record: checked in the next test)
    const Record& alloc = records[3];
    CHECK(alloc.type == RecordType::Alloc);
    CHECK(alloc.kind == AllocatorKind::Malloc);
    CHECK(alloc.address == 0x5555555592a0);
    CHECK(alloc.size == 48);
    CHECK(alloc.stack == 7);
    CHECK(alloc.thread == 3);
    CHECK(alloc.timeUs == 1500);
    const Record& weighted = records[4];
    CHECK(weighted.type == RecordType::AllocWeighted);
    CHECK(weighted.kind == AllocatorKind::New);
    CHECK(weighted.address == 0x555555559000);
    CHECK(weighted.size == 4096);
    CHECK(weighted.stack == 6);
    CHECK(weighted.weight == 65536);
    CHECK(records[5].timeUs == 1600);
    CHECK(records[6].type == RecordType::Free);
    CHECK(records[6].kind == AllocatorKind::Delete);
    CHECK(records[6].address == 0x555555559000);
    CHECK(records[6].timeUs == 1600);
    const Record& realloc = records[7];
    CHECK(realloc.type == RecordType::Realloc);
    CHECK(realloc.address == 0x5555555592a0);
    CHECK(realloc.newAddress == 0x555555560000);
    CHECK(realloc.size == 100);
    CHECK(realloc.stack == 8);
    CHECK(records[8].address == 0);
    CHECK(records[8].newAddress == 0x400000);
    CHECK(records[8].stack == 1);
    const Record& mmap = records[9];
    CHECK(mmap.type == RecordType::Mmap);
    CHECK(mmap.kind == AllocatorKind::MmapAnonymous);
    CHECK(mmap.address == 0x7f0000000000);
    CHECK(mmap.size == 8192);
    CHECK(mmap.prot == 3);
    CHECK(mmap.flags == 0x22);
    CHECK(mmap.stack == 9);
    CHECK(records[10].type == RecordType::Munmap);
    CHECK(records[10].address == 0x7f0000001000);
    CHECK(records[10].size == 4096);
    const Record& mremap = records[11];
    CHECK(mremap.type == RecordType::Mremap);
    CHECK(mremap.address == 0x7f0000000000);
    CHECK(mremap.oldSize == 4096);
    CHECK(mremap.newAddress == 0x7f0000100000);
    CHECK(mremap.size == 16384);
    CHECK(mremap.stack == 9);
    CHECK(records[12].type == RecordType::Thread);
    CHECK(records[13].type == RecordType::Free);
    CHECK(records[13].address == 0x400000);
    CHECK(records[13].thread == 4);
}

TEST_CASE("stack frames decode innermost first")
{
    std::vector<uint8_t> buffer(4096);
    format::RecordEncoder e(buffer.data(), buffer.size());
    const uint64_t frames[] = {0x7f0000001000, 0x555555554100, 0x7f0000000fff, 0xffffffffffff0000};
    e.stack(42, frames, 4);
    RecordDecoder decoder;
    decoder.reset(e.payload());
    Record r;
    REQUIRE(decoder.next(r) == RecordDecoder::Step::Record);
    REQUIRE(r.frames.size() == 4);
    for (size_t i = 0; i < 4; ++i) CHECK(r.frames[i] == frames[i]);
    CHECK(r.length == e.size() - format::kRecordsLengthBytes - format::kAddressesLengthBytes - format::kResizesLengthBytes);
    CHECK(decoder.next(r) == RecordDecoder::Step::End);
}

TEST_CASE("extension records decode and unknown ones are skipped by length")
{
    test::CaptureBuilder b;
    b.processInfo(4242, "/usr/bin/prog", {"prog", "--flag", "a b"});
    b.threadStart(1, 777, "main");
    b.threadName(1, "worker");
    b.moduleMap(2, {{"/usr/bin/prog", 0x555555554000, "\x01\x02", {{0, 0x1000}, {0x1000, 0x2000}}},
                    {"/lib/libc.so.6", 0x7ffff7800000, "", {{0, 0x200000}}}});
    b.rss(123456);
    b.extension(0x7e, {1, 2, 3, 4, 5});
    b.extension(static_cast<uint8_t>(RecordType::Marker), {3, 'a', 'b', 'c', 0xee});  // trailing byte ignored
    b.end(format::EndReason::QuickExit, 100, 2);
    b.exitStatus(format::ExitKind::Signaled, 9);
    b.threadExit(1);
    auto& e = b.records();

    RecordDecoder::Step last;
    const auto records = decodeAll(e.payload(), &last);
    REQUIRE(last == RecordDecoder::Step::End);
    REQUIRE(records.size() == 10);
    CHECK(records[0].type == RecordType::ProcessInfo);
    CHECK(records[0].process.pid == 4242);
    CHECK(records[0].process.exePath == "/usr/bin/prog");
    CHECK(records[0].process.cmdline == std::string_view("prog\0--flag\0a b", 15));
    CHECK(records[0].process.hostname == "testhost");
    CHECK(records[1].type == RecordType::ThreadStart);
    CHECK(records[1].value == 1);
    CHECK(records[1].value2 == 777);
    CHECK(records[1].text == "main");
    CHECK(records[2].text == "worker");
    CHECK(records[3].type == RecordType::ModuleMap);
    CHECK(records[3].value == 2);
    CHECK(records[3].value2 == 2);
    reader::ModuleMapCursor cursor(records[3].body, records[3].value2);
    reader::ModuleEntry m;
    REQUIRE(cursor.next(m));
    CHECK(m.path == "/usr/bin/prog");
    CHECK(m.loadBias == 0x555555554000);
    CHECK(m.buildId == "\x01\x02");
    std::vector<std::pair<uint64_t, uint64_t>> segments;
    m.forEachSegment([&](const reader::ModuleSegment& s) { segments.emplace_back(s.vaddr, s.memsz); });
    CHECK(segments == std::vector<std::pair<uint64_t, uint64_t>>{{0, 0x1000}, {0x1000, 0x2000}});
    REQUIRE(cursor.next(m));
    CHECK(m.path == "/lib/libc.so.6");
    CHECK_FALSE(cursor.next(m));
    CHECK_FALSE(cursor.failed());
    CHECK(records[4].value == 123456);
    CHECK(records[5].rawType == 0x7e);
    CHECK_FALSE(records[5].known);
    CHECK(records[5].body.size() == 5);
    CHECK(records[6].type == RecordType::Marker);
    CHECK(records[6].text == "abc");
    CHECK(records[7].type == RecordType::End);
    CHECK(records[7].code == 2);
    CHECK(records[7].value == 100);
    CHECK(records[7].value2 == 2);
    CHECK(records[7].value3 == 0);  // an End without the appended counters
    CHECK(records[7].value4 == 0);
    CHECK(records[8].type == RecordType::ExitStatus);
    CHECK(records[8].code == 1);
    CHECK(records[8].value == 9);
    CHECK(records[9].type == RecordType::ThreadExit);
}

TEST_CASE("End's appended writer counters decode, and a cut one is malformed")
{
    test::CaptureBuilder b;
    b.end(format::EndReason::Exit, 100, 0, std::pair<uint64_t, uint64_t>{119, 18});
    RecordDecoder::Step last;
    const auto records = decodeAll(b.records().payload(), &last);
    REQUIRE(last == RecordDecoder::Step::End);
    REQUIRE(records.size() == 1);
    CHECK(records[0].value == 100);
    CHECK(records[0].value3 == 119);
    CHECK(records[0].value4 == 18);

    // ring-full waits present, drains missing: one of the pair is an error, not a zero.
    test::CaptureBuilder cut;
    cut.extension(static_cast<uint8_t>(RecordType::End), {0, 100, 0, 119});
    decodeAll(cut.records().payload(), &last);
    CHECK(last == RecordDecoder::Step::Error);
}

TEST_CASE("an unknown core type stops with 'needs a newer memtrace'")
{
    const uint8_t payload[] = {0x01, 0x05, 0x3f, 0x00};
    RecordDecoder::Step last;
    std::string error;
    const auto records = decodeLegacy(payload, sizeof payload, &last, &error);
    CHECK(records.size() == 1);
    CHECK(last == RecordDecoder::Step::Error);
    CHECK_THAT(error, Catch::Contains("newer memtrace"));
}

TEST_CASE("every truncation of a record is an error, never a crash")
{
    std::vector<uint8_t> buffer(4096);
    format::RecordEncoder e(buffer.data(), buffer.size(), format::PayloadLayout::OneStream);  // cut anywhere: one stream
    const uint64_t frames[] = {0x1000, 0x2000};
    e.time(1);
    e.stack(1, frames, 2);
    e.alloc(AllocatorKind::Malloc, 0x5555555592a0, 48, 1);
    e.realloc(AllocatorKind::Realloc, 0x5555555592a0, 0x555555560000, 100, 1);
    e.mremap(0x7f0000000000, 4096, 0x7f0000100000, 16384, 1);
    e.beginExtension(RecordType::ThreadStart);
    e.field(1);
    e.field(2);
    e.fieldString("name");
    e.endExtension();
    const size_t full = e.size();
    const size_t complete = decodeLegacy(buffer.data(), full).size();
    for (size_t cut = 0; cut < full; ++cut) {
        RecordDecoder::Step last;
        const auto records = decodeLegacy(buffer.data(), cut, &last);
        CHECK(records.size() < complete);
        // A cut exactly between records decodes cleanly; anywhere else it is an error.
        if (last == RecordDecoder::Step::End) {
            size_t consumed = 0;
            for (const Record& r : records) consumed += r.length;
            CHECK(consumed == cut);
        }
    }
}

TEST_CASE("limits: stack depth and string length are enforced")
{
    std::vector<uint8_t> payload = {static_cast<uint8_t>(RecordType::Stack), 1};
    uint8_t tmp[varint::kMaxBytes];
    uint8_t* end = varint::put(tmp, format::kMaxStackDepth + 1);
    payload.insert(payload.end(), tmp, end);
    for (int i = 0; i < 2000; ++i) payload.push_back(1);
    RecordDecoder::Step last;
    decodeLegacy(payload.data(), payload.size(), &last);
    CHECK(last == RecordDecoder::Step::Error);

    // A ThreadName whose string claims more bytes than the record holds.
    const uint8_t bad[] = {0x42, 0x83, 0x80, 0x80, 0x00, 0x01, 0x7f, 'x'};
    decodeLegacy(bad, sizeof bad, &last);
    CHECK(last == RecordDecoder::Step::Error);
}

TEST_CASE("delta state resets per chunk")
{
    std::vector<uint8_t> buffer(256);
    format::RecordEncoder e(buffer.data(), buffer.size());
    e.time(100);
    e.thread(1);
    e.alloc(AllocatorKind::Malloc, 0x1000, 8, 3);
    RecordDecoder decoder;
    Record r;
    for (int chunk = 0; chunk < 2; ++chunk) {
        decoder.reset(e.payload(), chunk == 0 ? 0 : 5000);
        REQUIRE(decoder.next(r) == RecordDecoder::Step::Record);
        CHECK(r.timeUs == 100);  // first Time of a chunk is absolute
        decoder.next(r);
        REQUIRE(decoder.next(r) == RecordDecoder::Step::Record);
        CHECK(r.address == 0x1000);
        CHECK(r.stack == 3);
    }
}

TEST_CASE("a time resolution rounds Time records down and drops the ones that round to no change")
{
    std::vector<uint8_t> buffer(256);
    format::RecordEncoder e(buffer.data(), buffer.size());
    e.setTimeResolution(100);
    e.time(1234);  // -> 1200
    e.alloc(AllocatorKind::Malloc, 0x1000, 8, 3);
    e.time(1299);  // still 1200: no record
    e.free(AllocatorKind::Free, 0x1000);
    e.time(1300);  // -> 1300
    e.free(AllocatorKind::Free, 0x2000);
    const auto records = decodeAll(e.payload());
    REQUIRE(records.size() == 5);
    CHECK(records[0].type == RecordType::Time);
    CHECK(records[0].timeUs == 1200);
    CHECK(records[1].type == RecordType::Alloc);
    CHECK(records[2].type == RecordType::Free);
    CHECK(records[2].timeUs == 1200);
    CHECK(records[3].type == RecordType::Time);
    CHECK(records[3].timeUs == 1300);
    CHECK(records[4].timeUs == 1300);
}

#include <random>

#include "reader/capture_model.h"

TEST_CASE("mutated payloads never crash the decoder or the model")
{
    test::CaptureBuilder b;
    b.processInfo(1, "/bin/x", {"x", "y"});
    b.moduleMap(1, {{"/bin/x", 0x400000, "\x01", {{0, 0x1000}}}});
    b.threadStart(1, 2, "t");
    auto& e = b.records();
    const uint64_t frames[] = {0x400100, 0x400200};
    e.stack(1, frames, 2);
    e.time(5);
    e.thread(1);
    for (int i = 0; i < 20; ++i) {
        e.alloc(AllocatorKind::Malloc, 0x1000 + 32 * i, 10 + i, 1);
        e.realloc(AllocatorKind::Realloc, 0x1000 + 32 * i, 0x9000 + 32 * i, 5, 1);
        e.mmap(AllocatorKind::MmapAnonymous, 0x7f0000000000 + 0x10000 * i, 8192, 3, 0x22, 1);
        e.munmap(0x7f0000000000 + 0x10000 * i + 4096, 4096);
        e.mremap(0x7f0000000000 + 0x10000 * i, 4096, 0x7e0000000000 + 0x10000 * i, 16384, 1);
        e.free(AllocatorKind::Free, 0x9000 + 32 * i);
    }
    b.end();
    const std::span<const uint8_t> payload = e.payload();
    const std::vector<uint8_t> original(payload.begin(), payload.end());

    std::mt19937_64 rng(7);
    RecordDecoder decoder;
    Record r;
    for (int iteration = 0; iteration < 3000; ++iteration) {
        std::vector<uint8_t> bytes = original;
        const int flips = 1 + static_cast<int>(rng() % 4);
        for (int f = 0; f < flips; ++f) bytes[rng() % bytes.size()] = static_cast<uint8_t>(rng());
        if (rng() % 4 == 0) bytes.resize(rng() % bytes.size());
        reader::CaptureModel model;
        decoder.reset(bytes);
        while (decoder.next(r) == RecordDecoder::Step::Record) model.apply(r);
        model.finish();
    }
    SUCCEED();
}

TEST_CASE("recency coding: AllocRecent and FreeRecent decode to the addresses they stand for")
{
    auto tables = std::make_unique<format::RecencyTables>();  // value-initialized: zeroed
    std::vector<uint8_t> buffer(1 << 20);
    format::RecordEncoder e(buffer.data(), buffer.size());
    e.enableRecency(tables.get());
    std::mt19937_64 random(7);
    struct Event {
        bool alloc;
        uint64_t address, size, stack;
    };
    for (int chunk = 0; chunk < 3; ++chunk) {
        e.reset();
        e.time(1);
        e.thread(1);
        // An allocator-like pattern: blocks freed soon (LIFO reuse of the last freed address),
        // some kept for long, some addresses never seen before, one kept across chunks.
        std::vector<Event> expected;
        std::vector<uint64_t> live, freed;
        uint64_t fresh = 0x10000 + static_cast<uint64_t>(chunk) * 0x1000000;
        for (int i = 0; i < 20000; ++i) {
            const uint64_t r = random();
            if (live.empty() || r % 3 != 0) {
                uint64_t address;
                if (!freed.empty() && r % 5 != 0) {
                    address = freed.back();
                    freed.pop_back();
                } else {
                    address = fresh += 16 * (1 + r % 64);
                }
                const uint64_t size = 1 + (r >> 8) % 4096, stack = 1 + (r >> 20) % 50;
                e.alloc(format::AllocatorKind::Malloc, address, size, stack);
                expected.push_back({true, address, size, stack});
                live.push_back(address);
            } else {
                const size_t which = (r >> 8) % std::min<size_t>(live.size(), (r >> 40) % 2 ? 4 : live.size());
                const uint64_t address = live[live.size() - 1 - which];
                live.erase(live.end() - 1 - static_cast<std::ptrdiff_t>(which));
                e.free(format::AllocatorKind::Free, address);
                expected.push_back({false, address, 0, 0});
                freed.push_back(address);
            }
        }
        RecordDecoder::Step last;
        const auto records = decodeAll(e.payload(), &last);
        REQUIRE(last == RecordDecoder::Step::End);
        size_t recent = 0, n = 0;
        for (const Record& r : records) {
            if (r.type != RecordType::Alloc && r.type != RecordType::Free) continue;
            REQUIRE(n < expected.size());
            const Event& want = expected[n++];
            recent += r.rawType == static_cast<uint8_t>(RecordType::AllocRecent) ||
                      r.rawType == static_cast<uint8_t>(RecordType::FreeRecent);
            CHECK((r.type == RecordType::Alloc) == want.alloc);
            CHECK(r.address == want.address);
            if (want.alloc) {
                CHECK(r.size == want.size);
                CHECK(r.stack == want.stack);
            }
        }
        CHECK(n == expected.size());
        CHECK(recent > expected.size() / 2);  // the pattern is mostly recent: the coding was used
    }
}

TEST_CASE("recency coding: a distance past the chunk's records is an error, never a guess")
{
    std::vector<uint8_t> buffer(64);
    format::RecordEncoder e(buffer.data(), buffer.size(), format::PayloadLayout::OneStream);  // records appended by hand below
    e.time(1);
    e.thread(1);
    e.alloc(format::AllocatorKind::Malloc, 0x1000, 8, 1);
    size_t size = e.size();
    for (const auto& [type, distance] : {std::pair{RecordType::FreeRecent, 1}, std::pair{RecordType::AllocRecent, 0}}) {
        std::vector<uint8_t> payload(buffer.begin(), buffer.begin() + static_cast<std::ptrdiff_t>(size));
        payload.push_back(static_cast<uint8_t>(type));
        payload.push_back(0);  // kind
        payload.push_back(static_cast<uint8_t>(distance));
        if (type == RecordType::AllocRecent) payload.insert(payload.end(), {8, 0});
        std::string error;
        RecordDecoder::Step last;
        decodeLegacy(payload.data(), payload.size(), &last, &error);
        CHECK(last == RecordDecoder::Step::Error);
        CHECK(error.find("malformed") != std::string::npos);
    }
    // Distance 0 after one Alloc is that Alloc's address.
    std::vector<uint8_t> payload(buffer.begin(), buffer.begin() + static_cast<std::ptrdiff_t>(size));
    payload.insert(payload.end(), {static_cast<uint8_t>(RecordType::FreeRecent), 32, 0});
    const auto records = decodeLegacy(payload.data(), payload.size());
    REQUIRE(records.size() == 4);
    CHECK(records[3].type == RecordType::Free);
    CHECK(records[3].address == 0x1000);
}

namespace {

// Every core record, with recency coding on, into an encoder of either layout.
void encodeEveryCoreRecord(format::RecordEncoder& e, format::RecencyTables& tables)
{
    e.enableRecency(&tables);
    const uint64_t frames[] = {0x555555555000, 0x555555554100};
    e.time(7);
    e.thread(2);
    e.stack(1, frames, 2);
    for (uint64_t i = 0; i < 40; ++i) {
        const uint64_t block = 0x5555555592a0 + 64 * (i % 5);
        e.alloc(AllocatorKind::Malloc, block, 16 + i, 1);
        if (i % 3 == 0) e.free(AllocatorKind::Free, block);  // FreeRecent: the block just allocated
        e.allocWeighted(AllocatorKind::New, 0x555555600000 + 16 * i, 32, 1, 4096);
        e.realloc(AllocatorKind::Realloc, 0x555555700000 + 8 * i, 0x555555710000 + 8 * i, 100, 1);
        e.mmap(AllocatorKind::MmapAnonymous, 0x7f0000000000 + 0x10000 * i, 8192, 3, 0x22, 1);
        e.munmap(0x7f0000001000 + 0x10000 * i, 4096);
        e.mremap(0x7f0000000000 + 0x10000 * i, 4096, 0x7e0000000000 + 0x10000 * i, 16384, 1);
        e.free(AllocatorKind::Free, block);
        e.time(7 + i);
    }
}

std::vector<uint8_t> everyCoreRecord(format::PayloadLayout layout)
{
    std::vector<uint8_t> buffer(1 << 16);
    auto tables = std::make_unique<format::RecencyTables>();
    format::RecordEncoder e(buffer.data(), buffer.size(), layout);
    encodeEveryCoreRecord(e, *tables);
    const std::span<const uint8_t> payload = e.payload();
    return {payload.begin(), payload.end()};
}

// A version 4 payload cut into its four streams, and joined again.
struct Streams {
    std::vector<uint8_t> records, addresses, resizes, times;
};
constexpr size_t kV4Lengths = format::kRecordsLengthBytes + format::kAddressesLengthBytes + format::kResizesLengthBytes;
Streams streamsOf(std::span<const uint8_t> payload)
{
    uint32_t records = 0, addresses = 0, resizes = 0;
    std::memcpy(&records, payload.data(), sizeof records);
    std::memcpy(&addresses, payload.data() + 4, sizeof addresses);
    std::memcpy(&resizes, payload.data() + 8, sizeof resizes);
    REQUIRE(payload.size() >= kV4Lengths + records + addresses + resizes);
    const auto a = payload.begin() + kV4Lengths, b = a + records, c = b + addresses, d = c + resizes;
    return {{a, b}, {b, c}, {c, d}, {d, payload.end()}};
}
std::vector<uint8_t> join(const Streams& s)
{
    std::vector<uint8_t> out(kV4Lengths);
    const uint32_t lengths[3] = {static_cast<uint32_t>(s.records.size()), static_cast<uint32_t>(s.addresses.size()),
                                 static_cast<uint32_t>(s.resizes.size())};
    std::memcpy(out.data(), lengths, sizeof lengths);
    for (const auto* part : {&s.records, &s.addresses, &s.resizes, &s.times}) out.insert(out.end(), part->begin(), part->end());
    return out;
}

}  // namespace

TEST_CASE("address and resize streams: versions 3 and 4 decode to the same records as the older layout")
{
    const auto layout = GENERATE(format::PayloadLayout::AddressStream, format::PayloadLayout::ResizeStream);
    INFO("layout " << static_cast<int>(layout));
    const std::vector<uint8_t> split = everyCoreRecord(layout);
    const std::vector<uint8_t> inPlace = everyCoreRecord(format::PayloadLayout::OneStream);
    // The same fields, moved; allocations' deltas from their stack's base (smaller here). (Not
    // so for version 4 here: its resizes alternate between heap and mappings, as few programs do.)
    if (layout == format::PayloadLayout::AddressStream) CHECK(split.size() < inPlace.size() + format::kRecordsLengthBytes);
    RecordDecoder::Step lastSplit, lastInPlace;
    const auto a = decodeAll(split, &lastSplit, nullptr, layout);
    const auto b = decodeLegacy(inPlace.data(), inPlace.size(), &lastInPlace);
    REQUIRE(lastSplit == RecordDecoder::Step::End);
    REQUIRE(lastInPlace == RecordDecoder::Step::End);
    REQUIRE(a.size() == b.size());
    size_t recent = 0;
    for (size_t i = 0; i < a.size(); ++i) {
        INFO("record " << i);
        CHECK(a[i].rawType == b[i].rawType);
        CHECK(a[i].address == b[i].address);
        CHECK(a[i].newAddress == b[i].newAddress);
        CHECK(a[i].size == b[i].size);
        CHECK(a[i].oldSize == b[i].oldSize);
        CHECK(a[i].stack == b[i].stack);
        CHECK(a[i].timeUs == b[i].timeUs);
        if (a[i].rawType == static_cast<uint8_t>(RecordType::FreeRecent) ||
            a[i].rawType == static_cast<uint8_t>(RecordType::AllocRecent))
            ++recent;
    }
    CHECK(recent > 20);  // the recency forms were exercised
}

TEST_CASE("per-stack address bases: an allocation's delta is from its own stack's last allocation")
{
    std::vector<uint8_t> buffer(1 << 16);
    format::RecordEncoder e(buffer.data(), buffer.size());
    const uint64_t frames[] = {0x401000};
    e.stack(1, frames, 1);
    e.stack(2, frames, 1);
    e.time(1);
    e.thread(1);
    // Two call sites, each handed the next block of its size class: +0x50 and +0x30.
    for (uint64_t i = 0; i < 10; ++i) {
        e.alloc(AllocatorKind::Malloc, 0x7f0000010000 + 0x50 * i, 68, 1);
        e.alloc(AllocatorKind::Malloc, 0x7f0000090000 + 0x30 * i, 40, 2);
    }
    const std::span<const uint8_t> payload = e.payload();
    const std::vector<uint8_t> addresses = streamsOf(payload).addresses;
    // After each stack's first allocation: zigzag(+0x50) = a0 01, zigzag(+0x30) = 60, in turn.
    std::vector<uint8_t> tail;
    for (int i = 1; i < 10; ++i) tail.insert(tail.end(), {0xa0, 0x01, 0x60});
    REQUIRE(addresses.size() > tail.size());
    CHECK(std::vector<uint8_t>(addresses.end() - static_cast<long>(tail.size()), addresses.end()) == tail);

    RecordDecoder::Step last;
    const auto records = decodeAll(payload, &last);
    REQUIRE(last == RecordDecoder::Step::End);
    std::vector<uint64_t> allocated;
    for (const Record& r : records)
        if (r.type == RecordType::Alloc) allocated.push_back(r.address);
    REQUIRE(allocated.size() == 20);
    for (uint64_t i = 0; i < 10; ++i) {
        CHECK(allocated[2 * i] == 0x7f0000010000 + 0x50 * i);
        CHECK(allocated[2 * i + 1] == 0x7f0000090000 + 0x30 * i);
    }

    // Chunks decode on their own: a new chunk forgets the bases.
    e.reset();
    e.alloc(AllocatorKind::Malloc, 0x7f0000010000, 68, 1);
    const auto again = decodeAll(e.payload(), &last);
    REQUIRE(last == RecordDecoder::Step::End);
    REQUIRE(again.size() == 1);
    CHECK(again[0].address == 0x7f0000010000);
}

TEST_CASE("address stream: a bad records length, missing or extra address bytes are errors")
{
    const std::vector<uint8_t> good = everyCoreRecord(format::PayloadLayout::AddressStream);
    auto decodeAll = [](std::span<const uint8_t> payload, RecordDecoder::Step* last, std::string* error) {
        return ::decodeAll(payload, last, error, format::PayloadLayout::AddressStream);
    };
    uint32_t recordsLength = 0;
    std::memcpy(&recordsLength, good.data(), sizeof recordsLength);
    REQUIRE(recordsLength + format::kRecordsLengthBytes < good.size());
    std::string error;
    RecordDecoder::Step last;

    SECTION("payload shorter than the length field")
    {
        decodeAll(std::span<const uint8_t>(good.data(), 3), &last, &error);
        CHECK(last == RecordDecoder::Step::Error);
        CHECK_THAT(error, Catch::Contains("malformed chunk payload"));
    }
    SECTION("records length past the end")
    {
        std::vector<uint8_t> bad = good;
        const uint32_t tooLong = static_cast<uint32_t>(good.size());
        std::memcpy(bad.data(), &tooLong, sizeof tooLong);
        const auto records = decodeAll(bad, &last, &error);
        CHECK(records.empty());
        CHECK(last == RecordDecoder::Step::Error);
        CHECK_THAT(error, Catch::Contains("records length past the end"));
    }
    SECTION("every cut of the address stream")
    {
        const size_t addresses = good.size() - format::kRecordsLengthBytes - recordsLength;
        for (size_t keep = 0; keep < addresses; ++keep) {
            const std::vector<uint8_t> cut(good.begin(), good.end() - static_cast<std::ptrdiff_t>(addresses - keep));
            decodeAll(cut, &last, &error);
            CHECK(last == RecordDecoder::Step::Error);
        }
    }
    SECTION("address bytes left over")
    {
        std::vector<uint8_t> bad = good;
        bad.push_back(0);
        decodeAll(bad, &last, &error);
        CHECK(last == RecordDecoder::Step::Error);
        CHECK_THAT(error, Catch::Contains("address stream longer"));
    }
}

TEST_CASE("resize stream: Realloc and Mremap address fields go to it, old addresses from the last resize")
{
    std::vector<uint8_t> buffer(1 << 16);
    format::RecordEncoder e(buffer.data(), buffer.size());
    const uint64_t frames[] = {0x401000};
    e.stack(1, frames, 1);
    e.time(1);
    e.thread(1);
    e.alloc(AllocatorKind::Malloc, 0x1000, 16, 1);
    e.realloc(AllocatorKind::Realloc, 0x1000, 0x2000, 32, 1);  // moved: old from 0 (no resize yet)
    e.realloc(AllocatorKind::Realloc, 0x2000, 0x2000, 48, 1);  // grew in place: old = last resize's new
    e.free(AllocatorKind::Free, 0x2000);                       // from the last address, 0x1000
    e.mremap(0x7f0000000000, 4096, 0x7f0000010000, 8192, 1);
    const std::span<const uint8_t> payload = e.payload();
    const Streams streams = streamsOf(payload);
    // zigzag(+0x1000) = 80 40, twice; then 00 00; then the mremap's old from 0x2000, new - old.
    const std::vector<uint8_t> resizeHead = {0x80, 0x40, 0x80, 0x40, 0x00, 0x00};
    REQUIRE(streams.resizes.size() > resizeHead.size());
    CHECK(std::vector<uint8_t>(streams.resizes.begin(), streams.resizes.begin() + 6) == resizeHead);
    // The address stream: the Alloc's delta (zigzag(+0x1000) from 0) and the Free's, nothing else.
    CHECK(streams.addresses == std::vector<uint8_t>({0x80, 0x40, 0x80, 0x40}));

    RecordDecoder::Step last;
    const auto records = decodeAll(payload, &last);
    REQUIRE(last == RecordDecoder::Step::End);
    std::vector<std::pair<uint64_t, uint64_t>> got;
    for (const Record& r : records)
        if (r.type == RecordType::Realloc || r.type == RecordType::Mremap || r.type == RecordType::Free)
            got.emplace_back(r.address, r.type == RecordType::Free ? 0 : r.newAddress);
    const std::vector<std::pair<uint64_t, uint64_t>> want = {
        {0x1000, 0x2000}, {0x2000, 0x2000}, {0x2000, 0}, {0x7f0000000000, 0x7f0000010000}};
    CHECK(got == want);
}

TEST_CASE("resize stream: bad lengths, missing or extra resize bytes are errors")
{
    const std::vector<uint8_t> good = everyCoreRecord(format::PayloadLayout::ResizeStream);
    const Streams streams = streamsOf(good);
    REQUIRE(!streams.resizes.empty());
    std::string error;
    RecordDecoder::Step last;

    SECTION("payload shorter than the length fields")
    {
        decodeAll(std::span<const uint8_t>(good.data(), 7), &last, &error);
        CHECK(last == RecordDecoder::Step::Error);
        CHECK_THAT(error, Catch::Contains("malformed chunk payload"));
    }
    SECTION("address stream length past the end")
    {
        std::vector<uint8_t> bad = good;
        const uint32_t tooLong =
            static_cast<uint32_t>(streams.addresses.size() + streams.resizes.size() + streams.times.size() + 1);
        std::memcpy(bad.data() + format::kRecordsLengthBytes, &tooLong, sizeof tooLong);
        const auto records = decodeAll(bad, &last, &error);
        CHECK(records.empty());
        CHECK(last == RecordDecoder::Step::Error);
        CHECK_THAT(error, Catch::Contains("address stream length past the end"));
    }
    SECTION("resize stream length past the end")
    {
        std::vector<uint8_t> bad = good;
        const uint32_t tooLong = static_cast<uint32_t>(streams.resizes.size() + streams.times.size() + 1);
        std::memcpy(bad.data() + format::kRecordsLengthBytes + format::kAddressesLengthBytes, &tooLong, sizeof tooLong);
        decodeAll(bad, &last, &error);
        CHECK(last == RecordDecoder::Step::Error);
        CHECK_THAT(error, Catch::Contains("resize stream length past the end"));
    }
    SECTION("every cut of the resize stream is an error; of the time stream, an error or fewer changes")
    {
        for (size_t keep = 0; keep < streams.resizes.size(); ++keep) {
            Streams cut = streams;
            cut.resizes.resize(keep);
            decodeAll(join(cut), &last, &error);
            CHECK(last == RecordDecoder::Step::Error);
        }
        auto times = [](const std::vector<Record>& records) {
            return std::count_if(records.begin(), records.end(), [](const Record& r) { return r.type == RecordType::Time; });
        };
        const auto all = times(decodeAll(good, &last, &error));
        REQUIRE(last == RecordDecoder::Step::End);
        REQUIRE(all > 2);
        for (size_t keep = 0; keep < streams.times.size(); ++keep) {
            Streams cut = streams;
            cut.times.resize(keep);
            const auto records = decodeAll(join(cut), &last, &error);
            if (last == RecordDecoder::Step::End) CHECK(times(records) < all);
            else CHECK(last == RecordDecoder::Step::Error);
        }
    }
    SECTION("resize or time bytes left over")
    {
        Streams more = streams;
        more.resizes.push_back(0);
        decodeAll(join(more), &last, &error);
        CHECK(last == RecordDecoder::Step::Error);
        CHECK_THAT(error, Catch::Contains("resize stream longer"));
        more = streams;
        more.times.insert(more.times.end(), {0x00, 0x01});  // a change after the last record: allowed
        decodeAll(join(more), &last, &error);
        CHECK(last == RecordDecoder::Step::End);
        more.times.insert(more.times.end(), {0x01, 0x01});  // one record too far
        decodeAll(join(more), &last, &error);
        CHECK(last == RecordDecoder::Step::Error);
        CHECK_THAT(error, Catch::Contains("time stream longer"));
    }
}

TEST_CASE("time stream: time changes come out as Time records in their places, as in older layouts")
{
    std::vector<uint8_t> buffer(1 << 16);
    format::RecordEncoder e(buffer.data(), buffer.size());
    e.setTimeResolution(100);
    const uint64_t frames[] = {0x401000};
    e.stack(1, frames, 1);
    e.time(250);  // 200: the first change is absolute
    e.thread(1);
    e.alloc(AllocatorKind::Malloc, 0x1000, 16, 1);
    e.time(260);  // the same tick: nothing
    e.alloc(AllocatorKind::Malloc, 0x2000, 16, 1);
    e.time(1000);
    e.free(AllocatorKind::Free, 0x1000);
    e.time(1100);
    e.time(1300);  // two changes with no record between
    const std::span<const uint8_t> payload = e.payload();
    const Streams streams = streamsOf(payload);
    // (records before, dt): (1: the Stack, 200), (3, 800), (1, 100), (0, 200). 800 = 0xa0 0x06.
    CHECK(streams.times == std::vector<uint8_t>({0x01, 0xc8, 0x01, 0x03, 0xa0, 0x06, 0x01, 0x64, 0x00, 0xc8, 0x01}));
    RecordDecoder::Step last;
    const auto records = decodeAll(payload, &last);
    REQUIRE(last == RecordDecoder::Step::End);
    size_t recordBytes = 0;  // the records stream holds the other records only: Time has length 0
    for (const Record& r : records) recordBytes += r.type == RecordType::Time ? 100000 * r.length : r.length;
    CHECK(recordBytes == streams.records.size());
    std::vector<std::pair<RecordType, uint64_t>> got;
    for (const Record& r : records) got.emplace_back(r.type, r.timeUs);
    const std::vector<std::pair<RecordType, uint64_t>> want = {
        {RecordType::Stack, 0},    {RecordType::Time, 200},  {RecordType::Thread, 200}, {RecordType::Alloc, 200},
        {RecordType::Alloc, 200},  {RecordType::Time, 1000}, {RecordType::Free, 1000},  {RecordType::Time, 1100},
        {RecordType::Time, 1300}};
    CHECK(got == want);
}

TEST_CASE("version 4: a Realloc counts as a release and an allocation for recency coding and the bases")
{
    std::vector<uint8_t> buffer(1 << 16);
    auto tables = std::make_unique<format::RecencyTables>();
    format::RecordEncoder e(buffer.data(), buffer.size());
    e.enableRecency(tables.get());
    const uint64_t frames[] = {0x401000};
    e.stack(1, frames, 1);
    e.stack(2, frames, 1);
    e.time(1);
    e.thread(1);
    e.alloc(AllocatorKind::Malloc, 0x1000, 16, 1);
    e.realloc(AllocatorKind::Realloc, 0x1000, 0x2000, 32, 2);  // releases 0x1000, allocates 0x2000 (stack 2)
    e.alloc(AllocatorKind::Malloc, 0x1000, 16, 1);              // the block the realloc released: AllocRecent
    e.alloc(AllocatorKind::Malloc, 0x2040, 16, 2);              // delta from stack 2's base, the realloc's block
    e.free(AllocatorKind::Free, 0x2000);                        // the realloc's block: FreeRecent, 2 back
    const std::span<const uint8_t> payload = e.payload();

    RecordDecoder::Step last;
    const auto records = decodeAll(payload, &last);
    REQUIRE(last == RecordDecoder::Step::End);
    std::vector<std::pair<uint8_t, uint64_t>> got;
    for (const Record& r : records)
        if (r.type == RecordType::Alloc || r.type == RecordType::Free) got.emplace_back(r.rawType, r.address);
    const std::vector<std::pair<uint8_t, uint64_t>> want = {
        {static_cast<uint8_t>(RecordType::Alloc), 0x1000},
        {static_cast<uint8_t>(RecordType::AllocRecent), 0x1000},
        {static_cast<uint8_t>(RecordType::Alloc), 0x2040},
        {static_cast<uint8_t>(RecordType::FreeRecent), 0x2000}};
    CHECK(got == want);
    // The address stream: the first Alloc's delta 80 40, the AllocRecent's distance 00 (the
    // realloc's release is the latest), the Alloc's zigzag(+0x40) 80 01, the FreeRecent's 02.
    CHECK(streamsOf(payload).addresses == std::vector<uint8_t>({0x80, 0x40, 0x00, 0x80, 0x01, 0x02}));

    // Version 3 keeps the older rule: the same events, every Realloc outside the lists.
    format::RecordEncoder v3(buffer.data(), buffer.size(), format::PayloadLayout::AddressStream);
    auto tables3 = std::make_unique<format::RecencyTables>();
    v3.enableRecency(tables3.get());
    v3.alloc(AllocatorKind::Malloc, 0x1000, 16, 1);
    v3.realloc(AllocatorKind::Realloc, 0x1000, 0x2000, 32, 2);
    v3.free(AllocatorKind::Free, 0x2000);
    const auto old = decodeAll(v3.payload(), &last, nullptr, format::PayloadLayout::AddressStream);
    REQUIRE(last == RecordDecoder::Step::End);
    REQUIRE(old.size() == 3);
    CHECK(old[2].rawType == static_cast<uint8_t>(RecordType::Free));
    CHECK(old[2].address == 0x2000);
}

namespace {

// A toy allocator with per-thread LIFO free lists per size class, as glibc's tcache and
// jemalloc's thread caches behave: what reuse coding (version 5) predicts.
struct LifoHeap {
    format::SizeClasses scheme;
    uint64_t next = 0x555555560000;
    std::vector<std::pair<uint64_t, std::vector<uint64_t>>> lists;  // (thread << 16 | class, LIFO)
    std::vector<uint64_t>& listOf(uint32_t thread, uint64_t size)
    {
        const uint64_t key = uint64_t{thread} << 16 | format::sizeClassOf(scheme, size);
        for (auto& [k, list] : lists)
            if (k == key) return list;
        return lists.emplace_back(key, std::vector<uint64_t>{}).second;
    }
    uint64_t allocate(uint32_t thread, uint64_t size)
    {
        auto& list = listOf(thread, size);
        if (list.empty() || format::sizeClassOf(scheme, size) == 0) return next += 0x40 + (size + 15) / 16 * 16;
        const uint64_t a = list.back();
        list.pop_back();
        return a;
    }
    void release(uint32_t thread, uint64_t address, uint64_t size) { listOf(thread, size).push_back(address); }
};

}  // namespace

TEST_CASE("version 5: allocations that reuse the block their thread freed last take no address field")
{
    const auto scheme = GENERATE(format::SizeClasses::Glibc, format::SizeClasses::Jemalloc, format::SizeClasses::Exact);
    INFO("size classes " << static_cast<int>(scheme));
    std::vector<uint8_t> buffer(1 << 22);
    auto tables = std::make_unique<format::RecencyTables>();
    format::RecordEncoder e(buffer.data(), buffer.size());
    e.enableRecency(tables.get());
    e.enableReuse(scheme);
    const uint64_t frames[] = {0x401000};
    e.stack(1, frames, 1);
    e.time(1);
    LifoHeap heap{scheme, 0x555555560000, {}};
    struct Event {
        bool alloc;
        uint32_t thread;
        uint64_t address;
        uint64_t size;
    };
    std::vector<Event> want;
    std::vector<Event> live;
    uint64_t state = 88172645463325252ull;
    auto random = [&] { state ^= state << 13; state ^= state >> 7; state ^= state << 17; return state; };
    uint32_t thread = 1;
    for (int i = 0; i < 40000; ++i) {
        const uint64_t r = random();
        if (r % 50 == 0) thread = 1 + static_cast<uint32_t>((r >> 8) % 3);
        e.thread(thread);
        if (r % 3 != 0 || live.empty()) {
            // Sizes from a few classes, so that blocks come back; realloc now and then.
            const uint64_t size = 1 + (r >> 16) % 8 * 24 + (r >> 24) % 5;
            const uint64_t a = heap.allocate(thread, size);
            if ((r >> 32) % 17 == 0) e.realloc(AllocatorKind::Realloc, 0, a, size, 1);
            else e.alloc(AllocatorKind::Malloc, a, size, 1);
            want.push_back({true, thread, a, size});
            live.push_back({true, thread, a, size});
        } else {
            const size_t at = (r >> 8) % live.size();
            const Event block = live[at];
            live[at] = live.back();
            live.pop_back();
            e.free(AllocatorKind::Free, block.address);
            heap.release(thread, block.address, block.size);
            want.push_back({false, thread, block.address, 0});
        }
    }
    RecordDecoder::Step last;
    std::string error;
    const auto records = decodeAll(e.payload(), &last, &error);
    INFO(error);
    REQUIRE(last == RecordDecoder::Step::End);
    std::vector<Event> got;
    size_t reused = 0;
    for (const Record& r : records) {
        if (r.type == RecordType::Alloc || r.type == RecordType::Realloc)
            got.push_back({true, r.thread, r.type == RecordType::Realloc ? r.newAddress : r.address, r.size});
        else if (r.type == RecordType::Free)
            got.push_back({false, r.thread, r.address, 0});
        reused += r.rawType == static_cast<uint8_t>(RecordType::AllocReused);
    }
    REQUIRE(got.size() == want.size());
    for (size_t i = 0; i < want.size(); ++i) {
        INFO("event " << i);
        REQUIRE(got[i].alloc == want[i].alloc);
        REQUIRE(got[i].thread == want[i].thread);
        REQUIRE(got[i].address == want[i].address);
        REQUIRE(got[i].size == want[i].size);
    }
    CHECK(reused > 5000);  // the prediction is used, not only decoded

    // The same events in a version 4 payload: no reuse records (the encoder refuses them).
    format::RecordEncoder v4(buffer.data(), buffer.size(), format::PayloadLayout::ResizeStream);
    auto tables4 = std::make_unique<format::RecencyTables>();
    v4.enableRecency(tables4.get());
    v4.enableReuse(scheme);
    v4.thread(1);
    v4.alloc(AllocatorKind::Malloc, 0x1000, 16, 1);
    v4.free(AllocatorKind::Free, 0x1000);
    v4.alloc(AllocatorKind::Malloc, 0x1000, 16, 1);
    const auto old = decodeAll(v4.payload(), &last, nullptr, format::PayloadLayout::ResizeStream);
    REQUIRE(last == RecordDecoder::Step::End);
    for (const Record& r : old) CHECK(r.rawType != static_cast<uint8_t>(RecordType::AllocReused));
}

TEST_CASE("version 5: a reuse record without its stack or its SizeClasses is malformed; in version 4 it is unknown")
{
    auto payloadOf = [](const std::vector<uint8_t>& records) {
        // Version 4/5 layout: three lengths (records, addresses, resizes), then the records.
        std::vector<uint8_t> p(12, 0);
        p[0] = static_cast<uint8_t>(records.size());
        p.insert(p.end(), records.begin(), records.end());
        return p;
    };
    const uint8_t reused = static_cast<uint8_t>(RecordType::AllocReused);
    const uint8_t classes = static_cast<uint8_t>(RecordType::SizeClasses);
    const uint8_t thread = static_cast<uint8_t>(RecordType::Thread);
    RecordDecoder::Step last;
    std::string error;
    // AllocReused(kind 0, size 16, stack +0) with no SizeClasses record before it.
    decodeAll(payloadOf({thread, 1, reused, 0, 16, 0}), &last, &error);
    CHECK(last == RecordDecoder::Step::Error);
    CHECK(error.find("AllocReused") != std::string::npos);
    // With SizeClasses, but nothing freed: the stack is empty.
    decodeAll(payloadOf({thread, 1, classes, 1, reused, 0, 16, 0}), &last, &error);
    CHECK(last == RecordDecoder::Step::Error);
    // An unknown scheme.
    decodeAll(payloadOf({thread, 1, classes, 9}), &last, &error);
    CHECK(last == RecordDecoder::Step::Error);
    CHECK(error.find("SizeClasses") != std::string::npos);
    // A version 4 payload knows neither record.
    decodeAll(payloadOf({thread, 1, classes, 1}), &last, &error, format::PayloadLayout::ResizeStream);
    CHECK(last == RecordDecoder::Step::Error);
    CHECK(error.find("needs a newer memtrace") != std::string::npos);
    // A well-formed pair: SizeClasses, Alloc, FreeRecent (pushes), AllocReused (pops).
    // Address stream: the Alloc's delta zigzag(0x1000) = 80 40, the FreeRecent's distance 00.
    std::vector<uint8_t> p(12, 0);
    const std::vector<uint8_t> records = {thread, 1, classes, 1, static_cast<uint8_t>(RecordType::Alloc), 0, 16, 2,
                                          static_cast<uint8_t>(RecordType::FreeRecent), 32, reused, 0, 20, 0};
    p[0] = static_cast<uint8_t>(records.size());
    p[4] = 3;
    p.insert(p.end(), records.begin(), records.end());
    p.insert(p.end(), {0x80, 0x40, 0x00});
    const auto good = decodeAll(p, &last, &error);
    INFO(error);
    REQUIRE(last == RecordDecoder::Step::End);
    REQUIRE(good.size() == 5);
    CHECK(good[4].rawType == reused);
    CHECK(good[4].address == 0x1000);  // sizes 16 and 20: one glibc class (32-byte chunks)
    CHECK(good[4].size == 20);
}
