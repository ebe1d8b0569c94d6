// A real capture, damaged every way a byte can be: cut at every offset, and every byte
// flipped in turn (header, chunk headers, zstd frames, records). Reading never crashes, says
// what happened, and never asks for more memory than the format's chunk limits: a size read
// from the file is checked against the limits and the bytes left before anything is reserved
// (memray #1005 reserved whatever a corrupt size said).
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>

#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <new>
#include <string>
#include <vector>

#include "memtrace/format.h"
#include "reader/capture_loader.h"

// The largest single allocation asked of operator new (std::vector, std::string...). Every
// non-aligned form is replaced, all on malloc/free, so they pair up (ASan checks that).
static std::atomic<size_t> g_largestNew{0};
#if !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"  // free() is what our new's malloc pairs with
#endif

static void* countedNew(size_t size) noexcept
{
    size_t seen = g_largestNew.load(std::memory_order_relaxed);
    while (size > seen && !g_largestNew.compare_exchange_weak(seen, size)) {
    }
    return std::malloc(size ? size : 1);
}

void* operator new(size_t size)
{
    if (void* p = countedNew(size)) return p;
    throw std::bad_alloc();
}
void* operator new[](size_t size) { return operator new(size); }
void* operator new(size_t size, const std::nothrow_t&) noexcept { return countedNew(size); }
void* operator new[](size_t size, const std::nothrow_t&) noexcept { return countedNew(size); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, size_t) noexcept { std::free(p); }
void operator delete[](void* p, size_t) noexcept { std::free(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { std::free(p); }

using namespace memtrace;
using Outcome = reader::StreamResult::Outcome;

namespace {

std::vector<uint8_t> seed(const std::string& name)
{
    std::ifstream in(std::string(MEMTRACE_FUZZ_SEEDS) + "/" + name, std::ios::binary);
    REQUIRE(in);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

struct Reading {
    reader::StreamResult result;
    uint64_t allocations = 0;
    bool hasEnd = false;
};

Reading readBytes(const std::vector<uint8_t>& bytes, size_t size)
{
    static const int fd = memfd_create("damaged-capture", 0);
    REQUIRE(fd >= 0);
    REQUIRE(ftruncate(fd, 0) == 0);
    REQUIRE(pwrite(fd, bytes.data(), size, 0) == static_cast<ssize_t>(size));
    reader::CaptureModel model;
    Reading reading;
    reading.result = reader::loadCapture("/proc/self/fd/" + std::to_string(fd), model);
    reading.allocations = model.heap().allocations();
    reading.hasEnd = model.end().has_value();
    return reading;
}

// The chunk boundaries of an intact capture: a cut there leaves a well-formed shorter file.
std::vector<size_t> chunkEnds(const std::vector<uint8_t>& bytes)
{
    std::vector<size_t> ends;
    size_t at = sizeof(format::FileHeader);
    while (at + sizeof(format::ChunkHeader) <= bytes.size()) {
        uint32_t compressed = 0;
        for (int i = 0; i < 4; ++i) compressed |= uint32_t{bytes[at + 4 + i]} << (8 * i);
        at += sizeof(format::ChunkHeader) + compressed;
        ends.push_back(at);
    }
    return ends;
}

constexpr size_t kMemoryBound = size_t{format::kMaxChunkCompressed} + format::kMaxChunkPayload;

}  // namespace

TEST_CASE("a real capture cut at every byte offset reads without crash and reports the cut")
{
    const std::vector<uint8_t> bytes = seed("threads_cross_free.mtrace");
    const Reading whole = readBytes(bytes, bytes.size());
    REQUIRE(whole.result.outcome == Outcome::Complete);
    REQUIRE(whole.hasEnd);
    const std::vector<size_t> ends = chunkEnds(bytes);
    REQUIRE(ends.back() == bytes.size());
    for (size_t cut = 0; cut < bytes.size(); ++cut) {
        INFO("cut at byte " << cut << " of " << bytes.size());
        const Reading r = readBytes(bytes, cut);
        if (cut < sizeof(format::FileHeader)) {
            CHECK(r.result.outcome == Outcome::Unreadable);  // "not a memtrace capture" / too short
            CHECK_FALSE(r.result.message.empty());
        } else if (cut == sizeof(format::FileHeader) || std::find(ends.begin(), ends.end(), cut) != ends.end()) {
            CHECK(r.result.outcome == Outcome::Complete);  // ends between chunks, and only
            // the shim's last chunk holds End (the launcher appends one with the exit status).
            CHECK(r.hasEnd == (cut >= ends[ends.size() - 2]));
        } else {
            CHECK(r.result.outcome == Outcome::Truncated);
            CHECK(r.result.usable());
            CHECK(r.result.stopOffset <= cut);
            CHECK(r.allocations <= whole.allocations);
        }
    }
    CHECK(g_largestNew.load() <= kMemoryBound);
}

TEST_CASE("every byte of a real capture flipped: a clear error or a shorter read, bounded memory")
{
    const std::vector<uint8_t> original = seed("threads_cross_free.mtrace");
    const Reading whole = readBytes(original, original.size());
    int corrupt = 0, unreadable = 0, unchanged = 0;
    for (size_t at = 0; at < original.size(); ++at) {
        for (const uint8_t mask : {uint8_t{0xff}, uint8_t{0x80}}) {
            std::vector<uint8_t> bytes = original;
            bytes[at] ^= mask;
            INFO("byte " << at << " xor " << int(mask));
            const Reading r = readBytes(bytes, bytes.size());
            switch (r.result.outcome) {
            case Outcome::Unreadable: ++unreadable; CHECK_FALSE(r.result.message.empty()); break;
            case Outcome::Corrupt: ++corrupt; CHECK_FALSE(r.result.message.empty()); break;
            // A flipped size field can make the file look cut; a flipped reserved or padding
            // byte can go unnoticed. Neither may read more than the original holds.
            case Outcome::Truncated: CHECK_FALSE(r.result.message.empty()); [[fallthrough]];
            case Outcome::Complete: ++unchanged; break;
            }
            CHECK(r.result.chunks <= whole.result.chunks);
        }
    }
    INFO("corrupt " << corrupt << ", unreadable " << unreadable << ", read anyway " << unchanged);
    CHECK(corrupt > 0);
    CHECK(unreadable > 0);
    // zstd's checksum catches a flip inside a frame: almost every flip must be noticed.
    CHECK(unchanged < static_cast<int>(original.size()) / 10);
    CHECK(g_largestNew.load() <= kMemoryBound);
}
