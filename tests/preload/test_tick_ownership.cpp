// TickOwnership: an address is owned by a ring only if that ring alone noted it since begin().
#include <catch2/catch.hpp>

#include "tick_ownership.h"

using memtrace::shim::TickOwnership;

TEST_CASE("an address noted by one ring is owned by it, by two rings by neither")
{
    TickOwnership table;
    REQUIRE(table.init());
    table.begin();
    table.note(0x1000, 0);
    table.note(0x1000, 0);
    table.note(0x2000, 1);
    table.note(0x3000, 0);
    table.note(0x3000, 2);
    CHECK(table.ownedBy(0x1000, 0));
    CHECK_FALSE(table.ownedBy(0x1000, 1));
    CHECK(table.ownedBy(0x2000, 1));
    CHECK_FALSE(table.ownedBy(0x3000, 0));
    CHECK_FALSE(table.ownedBy(0x3000, 2));
    CHECK_FALSE(table.ownedBy(0x4000, 0));  // never noted: nobody's
}

TEST_CASE("begin() forgets every address, also across stamp wrap-around")
{
    TickOwnership table;
    REQUIRE(table.init());
    table.begin();
    table.note(0x1000, 3);
    REQUIRE(table.ownedBy(0x1000, 3));
    table.begin();
    CHECK_FALSE(table.ownedBy(0x1000, 3));
    table.note(0x1000, 4);
    CHECK(table.ownedBy(0x1000, 4));
    // 2^24 ticks later the stamp wraps; an address of the tick before must not come back.
    table.note(0x5000, 7);
    for (uint32_t i = 0; i < (1u << 24); ++i) table.begin();
    CHECK_FALSE(table.ownedBy(0x5000, 7));
    CHECK_FALSE(table.ownedBy(0x1000, 4));
}

TEST_CASE("the highest owner index is not confused with a shared slot")
{
    TickOwnership table;
    REQUIRE(table.init());
    table.begin();
    const auto last = static_cast<uint8_t>(TickOwnership::kMaxOwners - 1);
    table.note(0x1000, last);
    CHECK(table.ownedBy(0x1000, last));
    table.note(0x1000, 0);
    CHECK_FALSE(table.ownedBy(0x1000, last));
    CHECK_FALSE(table.ownedBy(0x1000, 0));
}
