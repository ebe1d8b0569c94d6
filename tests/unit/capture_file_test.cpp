#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <algorithm>

#include "model_test_util.h"
#include "reader/capture_file.h"

using namespace memtrace;
using format::AllocatorKind;
using Outcome = reader::StreamResult::Outcome;
using test::CaptureBuilder;

namespace {

// Three chunks of 100 allocations each; returns the chunk offsets.
std::vector<uint64_t> buildThreeChunks(CaptureBuilder& b, bool withEnd = true)
{
    std::vector<uint64_t> offsets;
    b.processInfo(1, "/bin/p", {"p"});
    const uint64_t frames[] = {0x1000};
    for (int chunk = 0; chunk < 3; ++chunk) {
        auto& e = b.records();
        if (chunk == 0) e.stack(1, frames, 1);
        e.time(1000 * (chunk + 1));
        e.thread(1);
        for (int i = 0; i < 100; ++i) e.alloc(AllocatorKind::Malloc, 0x10000 + 64 * (chunk * 100 + i), 8, 1);
        if (chunk == 2 && withEnd) b.end();
        offsets.push_back(b.endChunk());
    }
    return offsets;
}

}  // namespace

TEST_CASE("a complete capture reads to the end")
{
    CaptureBuilder b;
    buildThreeChunks(b);
    test::LoadedCapture c;
    test::load(b, "complete.mtrace", c);
    CHECK(c.result.outcome == Outcome::Complete);
    CHECK(c.result.chunks == 3);
    CHECK(c.result.stopOffset == b.bytes().size());
    CHECK(c.model.heap().allocations() == 300);
}

TEST_CASE("a file cut anywhere is a truncation with everything before it kept")
{
    CaptureBuilder b;
    const auto offsets = buildThreeChunks(b);
    const size_t size = b.bytes().size();
    for (size_t cut = 16; cut < size; cut += (cut < 64 ? 1 : 7)) {
        test::LoadedCapture c;
        c.result = reader::loadCapture(b.write("cut.mtrace", cut), c.model);
        INFO("cut at " << cut);
        const bool atBoundary = std::find(offsets.begin(), offsets.end(), cut) != offsets.end();
        // A cut exactly between chunks leaves a well-formed file (only the End record says more).
        REQUIRE(c.result.outcome == (atBoundary ? Outcome::Complete : Outcome::Truncated));
        CHECK(c.result.usable());
        // The chunk in which the cut falls is dropped whole.
        size_t complete = 0;
        while (complete < offsets.size() && (complete + 1 < offsets.size() ? offsets[complete + 1] : size) <= cut) ++complete;
        CHECK(c.result.chunks == complete);
        CHECK(c.result.stopOffset == offsets[complete]);
        CHECK(c.model.heap().allocations() == 100 * complete);
        CHECK_FALSE(c.model.end().has_value());
    }
}

TEST_CASE("a capture without an End record is complete on disk but has no end")
{
    CaptureBuilder b;
    buildThreeChunks(b, false);
    test::LoadedCapture c;
    test::load(b, "noend.mtrace", c);
    CHECK(c.result.outcome == Outcome::Complete);
    CHECK_FALSE(c.model.end().has_value());
    CHECK(c.model.durationUs() == 3000);
}

TEST_CASE("a damaged chunk is corruption at its offset; earlier chunks are kept")
{
    CaptureBuilder b;
    const auto offsets = buildThreeChunks(b);
    SECTION("flipped byte inside the zstd frame")
    {
        auto bytes = b.bytes();
        bytes[offsets[1] + 16 + 20] ^= 0x55;
        test::LoadedCapture c;
        c.result = reader::loadCapture(CaptureBuilder::writeBytes("flip.mtrace", bytes.data(), bytes.size()), c.model);
        CHECK(c.result.outcome == Outcome::Corrupt);
        CHECK(c.result.stopOffset == offsets[1]);
        CHECK(c.result.chunks == 1);
        CHECK(c.result.usable());
        CHECK(c.model.heap().allocations() == 100);
        CHECK_THAT(c.result.message, Catch::Contains(std::to_string(offsets[1])));
    }
    SECTION("bad chunk magic")
    {
        auto bytes = b.bytes();
        bytes[offsets[2]] = 'X';
        test::LoadedCapture c;
        c.result = reader::loadCapture(CaptureBuilder::writeBytes("magic.mtrace", bytes.data(), bytes.size()), c.model);
        CHECK(c.result.outcome == Outcome::Corrupt);
        CHECK(c.result.stopOffset == offsets[2]);
        CHECK(c.model.heap().allocations() == 200);
    }
    SECTION("sequence gap")
    {
        auto bytes = b.bytes();
        bytes[offsets[1] + 12] = 7;
        test::LoadedCapture c;
        c.result = reader::loadCapture(CaptureBuilder::writeBytes("seq.mtrace", bytes.data(), bytes.size()), c.model);
        CHECK(c.result.outcome == Outcome::Corrupt);
        CHECK_THAT(c.result.message, Catch::Contains("sequence"));
    }
    SECTION("sizes over the limits are refused before allocating")
    {
        auto bytes = b.bytes();
        bytes[offsets[0] + 8 + 3] = 0x7f;  // payload size ~2 GiB
        test::LoadedCapture c;
        c.result = reader::loadCapture(CaptureBuilder::writeBytes("limits.mtrace", bytes.data(), bytes.size()), c.model);
        CHECK(c.result.outcome == Outcome::Corrupt);
        CHECK_FALSE(c.result.usable());  // nothing valid was read
    }
    SECTION("a malformed record inside a valid chunk")
    {
        CaptureBuilder bad;
        bad.records().time(5);
        bad.endChunk();
        auto& e = bad.records();
        e.time(6);
        e.beginExtension(format::RecordType::Marker);  // a Marker without its string
        e.endExtension();
        bad.endChunk();
        test::LoadedCapture c;
        test::load(bad, "record.mtrace", c);
        CHECK(c.result.outcome == Outcome::Corrupt);
        CHECK(c.result.chunks == 1);
        CHECK(c.result.usable());
        CHECK_THAT(c.result.message, Catch::Contains("Marker"));
    }
}

TEST_CASE("files that are not captures are refused with a reason")
{
    test::LoadedCapture c;
    SECTION("empty file")
    {
        c.result = reader::loadCapture(CaptureBuilder::writeBytes("empty.mtrace", nullptr, 0), c.model);
        CHECK_THAT(c.result.message, Catch::Contains("empty"));
    }
    SECTION("directory")
    {
        c.result = reader::loadCapture(CaptureBuilder::tempDir(), c.model);
        CHECK_THAT(c.result.message, Catch::Contains("directory"));
    }
    SECTION("missing file")
    {
        c.result = reader::loadCapture(CaptureBuilder::tempDir() + "/does-not-exist", c.model);
        CHECK_THAT(c.result.message, Catch::Contains("No such file"));
    }
    SECTION("text file")
    {
        const std::string text = "hello, this is not a capture at all\n";
        c.result = reader::loadCapture(CaptureBuilder::writeBytes("text.mtrace", reinterpret_cast<const uint8_t*>(text.data()), text.size()), c.model);
        CHECK_THAT(c.result.message, Catch::Contains("not a memtrace capture"));
    }
    SECTION("short file")
    {
        const uint8_t bytes[] = {0x89, 'M', 'T'};
        c.result = reader::loadCapture(CaptureBuilder::writeBytes("short.mtrace", bytes, sizeof bytes), c.model);
        CHECK_THAT(c.result.message, Catch::Contains("not a memtrace capture"));
    }
    SECTION("future version")
    {
        CaptureBuilder b(7);
        b.end();
        b.endChunk();
        test::load(b, "future.mtrace", c);
        CHECK(c.result.message == "capture format version 7 is newer than this memtrace (reads up to 5)");
    }
    CHECK(c.result.outcome == Outcome::Unreadable);
    CHECK_FALSE(c.result.usable());
}

TEST_CASE("a header-only capture reads as empty, without an End record")
{
    CaptureBuilder b;
    test::LoadedCapture c;
    test::load(b, "header-only.mtrace", c);
    CHECK(c.result.outcome == Outcome::Complete);
    CHECK(c.result.chunks == 0);
    CHECK_FALSE(c.model.end().has_value());
}

TEST_CASE("version 1 and 2 captures (address fields inside their records) still read")
{
    // 1: before recency coding; 2: before the address stream (format.h, hasAddressStream).
    const uint16_t version = GENERATE(uint16_t{1}, uint16_t{2});
    INFO("version " << version);
    CaptureBuilder b(version);
    b.records().time(3);
    b.records().thread(1);
    b.records().alloc(format::AllocatorKind::Malloc, 0x1000, 24, 0);
    b.records().free(format::AllocatorKind::Free, 0x1000);
    b.end();
    b.endChunk();
    test::LoadedCapture c;
    test::load(b, "v" + std::to_string(version) + ".mtrace", c);
    CHECK(c.result.outcome == Outcome::Complete);
    CHECK(c.model.heap().allocations() == 1);
    CHECK(c.model.heap().frees() == 1);
    CHECK(c.model.heap().freesUnmatched() == 0);  // the Free found the Alloc's address
}

TEST_CASE("a larger header is skipped")
{
    CaptureBuilder b;
    auto& bytes = b.bytes();
    bytes[12] = 24;  // header size 24: eight unknown bytes follow
    bytes.insert(bytes.end(), 8, 0xaa);
    b.records().time(3);
    b.end();
    b.endChunk();
    test::LoadedCapture c;
    test::load(b, "bigheader.mtrace", c);
    CHECK(c.result.outcome == Outcome::Complete);
    CHECK(c.model.end().has_value());
}
