#include <catch2/catch.hpp>

#include <cstdint>
#include <limits>
#include <vector>

#include "memtrace/varint.h"

using namespace memtrace;

TEST_CASE("varint round trips at every length boundary")
{
    std::vector<uint64_t> values = {0, 1, 127, 128, 300, 16383, 16384, (1ull << 32) - 1, 1ull << 32,
                                    (1ull << 63) - 1, 1ull << 63, std::numeric_limits<uint64_t>::max()};
    for (int bits = 0; bits < 64; ++bits) values.push_back(1ull << bits), values.push_back((1ull << bits) - 1);
    for (uint64_t v : values) {
        uint8_t buffer[varint::kMaxBytes];
        uint8_t* end = varint::put(buffer, v);
        REQUIRE(end - buffer <= static_cast<long>(varint::kMaxBytes));
        const uint8_t* p = buffer;
        uint64_t out = 0;
        REQUIRE(varint::get(p, end, out));
        CHECK(out == v);
        CHECK(p == end);
    }
}

TEST_CASE("varint worked example: 300 is AC 02")
{
    uint8_t buffer[varint::kMaxBytes];
    REQUIRE(varint::put(buffer, 300) - buffer == 2);
    CHECK(buffer[0] == 0xAC);
    CHECK(buffer[1] == 0x02);
}

TEST_CASE("zigzag round trips signed values")
{
    for (int64_t v : {int64_t{0}, int64_t{-1}, int64_t{1}, int64_t{-2}, int64_t{2}, std::numeric_limits<int64_t>::min(),
                      std::numeric_limits<int64_t>::max(), int64_t{-123456789}}) {
        uint8_t buffer[varint::kMaxBytes];
        uint8_t* end = varint::putSigned(buffer, v);
        const uint8_t* p = buffer;
        int64_t out = 0;
        REQUIRE(varint::getSigned(p, end, out));
        CHECK(out == v);
    }
    CHECK(varint::zigzag(-1) == 1);
    CHECK(varint::zigzag(2) == 4);
}

TEST_CASE("varint get is bounds-checked")
{
    uint8_t buffer[varint::kMaxBytes];
    uint8_t* end = varint::put(buffer, 1ull << 40);
    for (uint8_t* cut = buffer; cut < end; ++cut) {
        const uint8_t* p = buffer;
        uint64_t out;
        CHECK_FALSE(varint::get(p, cut, out));
    }
    // Eleven continuation bytes: does not fit 64 bits.
    uint8_t tooLong[11];
    for (auto& b : tooLong) b = 0x80;
    tooLong[10] = 0x01;
    const uint8_t* p = tooLong;
    uint64_t out;
    CHECK_FALSE(varint::get(p, tooLong + 11, out));
    // A 10th byte carrying more than the 64th bit.
    uint8_t overflow[10] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02};
    p = overflow;
    CHECK_FALSE(varint::get(p, overflow + 10, out));
}

TEST_CASE("padded 4-byte varints decode to their value")
{
    for (uint32_t v : {0u, 1u, 127u, 128u, 5000u, (1u << 28) - 1}) {
        uint8_t buffer[4];
        varint::putPadded4(buffer, v);
        const uint8_t* p = buffer;
        uint64_t out;
        REQUIRE(varint::get(p, buffer + 4, out));
        CHECK(out == v);
        CHECK(p == buffer + 4);
    }
}
