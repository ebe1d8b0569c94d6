// StackTable: dedup, dense ids, concurrent inserts of the same stacks, the writer's emission
// protocol, fork reset and the full-table path.
#include <catch2/catch.hpp>

#include <atomic>
#include <map>
#include <set>
#include <thread>
#include <vector>

#include "stack_hash.h"
#include "stack_table.h"

using memtrace::shim::hashFrames;
using memtrace::shim::StackId;
using memtrace::shim::StackTable;

namespace {

std::vector<uint64_t> makeStack(uint32_t seed, uint32_t depth)
{
    std::vector<uint64_t> frames(depth);
    for (uint32_t i = 0; i < depth; ++i) frames[i] = 0x400000 + seed * 0x1000 + i * 8;
    return frames;
}

StackId intern(StackTable& t, const std::vector<uint64_t>& f)
{
    return t.intern(f.data(), static_cast<uint32_t>(f.size()), hashFrames(f.data(), static_cast<uint32_t>(f.size())));
}

}  // namespace

TEST_CASE("the same frames give the same id, ids are dense from 1")
{
    StackTable table;
    REQUIRE(table.init(12, 1 << 20));
    const auto a = makeStack(1, 10), b = makeStack(2, 10), aPrefix = makeStack(1, 9);
    CHECK(intern(table, a) == StackId{1});
    CHECK(intern(table, b) == StackId{2});
    CHECK(intern(table, aPrefix) == StackId{3});
    CHECK(intern(table, a) == StackId{1});
    CHECK(intern(table, b) == StackId{2});
    CHECK(table.idLimit() == 4);
    table.destroy();
}

TEST_CASE("frames that differ only in order are different stacks")
{
    StackTable table;
    REQUIRE(table.init(12, 1 << 20));
    std::vector<uint64_t> a{1, 2, 3}, b{3, 2, 1};
    CHECK(hashFrames(a.data(), 3) != hashFrames(b.data(), 3));
    CHECK(intern(table, a) != intern(table, b));
    table.destroy();
}

TEST_CASE("a forced hash collision is resolved by comparing frames")
{
    StackTable table;
    REQUIRE(table.init(12, 1 << 20));
    const auto a = makeStack(1, 5), b = makeStack(2, 5);
    const uint64_t sameHash = 0x1234567890abcdefull;
    const StackId ia = table.intern(a.data(), 5, sameHash);
    const StackId ib = table.intern(b.data(), 5, sameHash);
    CHECK(ia != ib);
    CHECK(table.intern(a.data(), 5, sameHash) == ia);
    CHECK(table.intern(b.data(), 5, sameHash) == ib);
    CHECK(table.matches(ia, a.data(), 5, sameHash));
    CHECK_FALSE(table.matches(ia, b.data(), 5, sameHash));
    table.destroy();
}

TEST_CASE("concurrent inserts of the same stacks from 4 threads agree on one id per stack")
{
    StackTable table;
    REQUIRE(table.init(16, 64 << 20));
    constexpr uint32_t kStacks = 2000;
    constexpr int kThreads = 4;
    std::vector<std::vector<uint64_t>> stacks;
    for (uint32_t s = 0; s < kStacks; ++s) stacks.push_back(makeStack(s, 4 + s % 40));

    std::vector<std::vector<StackId>> seen(kThreads, std::vector<StackId>(kStacks));
    std::atomic<int> ready{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back([&, t] {
            ready.fetch_add(1);
            while (ready.load() < kThreads) {
            }
            // Different orders so that threads race on the same new stacks from both ends.
            for (uint32_t i = 0; i < kStacks; ++i) {
                const uint32_t s = (t % 2 == 0) ? i : kStacks - 1 - i;
                seen[t][s] = intern(table, stacks[s]);
            }
        });
    }
    for (auto& th : threads) th.join();

    std::set<StackId> distinct;
    for (uint32_t s = 0; s < kStacks; ++s) {
        for (int t = 1; t < kThreads; ++t) REQUIRE(seen[t][s] == seen[0][s]);
        REQUIRE(seen[0][s] != StackId::None);
        distinct.insert(seen[0][s]);
        // Looked up again afterwards: still the same id.
        REQUIRE(intern(table, stacks[s]) == seen[0][s]);
    }
    CHECK(distinct.size() == kStacks);

    // The writer sees every id below the limit exactly once; a race loser's spare id is a
    // Ready duplicate with identical frames, so every emitted stack is one of ours.
    std::map<uint32_t, std::vector<uint64_t>> emitted;
    table.emitNew(table.idLimit(), [&](uint32_t id, const uint64_t* f, uint32_t depth) {
        REQUIRE(emitted.count(id) == 0);
        emitted[id] = std::vector<uint64_t>(f, f + depth);
    });
    CHECK(emitted.size() == table.idLimit() - 1);
    for (uint32_t s = 0; s < kStacks; ++s)
        REQUIRE(emitted.at(static_cast<uint32_t>(seen[0][s])) == stacks[s]);
    table.destroy();
}

TEST_CASE("emitNew emits each id once; resetForNewCapture makes them all new again")
{
    StackTable table;
    REQUIRE(table.init(12, 1 << 20));
    for (uint32_t s = 0; s < 5; ++s) intern(table, makeStack(s, 3));
    int count = 0;
    table.emitNew(table.idLimit(), [&](uint32_t, const uint64_t*, uint32_t) { ++count; });
    CHECK(count == 5);
    table.emitNew(table.idLimit(), [&](uint32_t, const uint64_t*, uint32_t) { ++count; });
    CHECK(count == 5);
    intern(table, makeStack(99, 3));
    table.emitNew(table.idLimit(), [&](uint32_t id, const uint64_t*, uint32_t) {
        CHECK(id == 6);
        ++count;
    });
    CHECK(count == 6);
    table.resetForNewCapture();
    std::vector<uint32_t> ids;
    table.emitNew(table.idLimit(), [&](uint32_t id, const uint64_t*, uint32_t) { ids.push_back(id); });
    CHECK(ids == std::vector<uint32_t>{1, 2, 3, 4, 5, 6});
    table.destroy();
}

TEST_CASE("a full table returns None and says so, known stacks still resolve")
{
    StackTable table;
    REQUIRE(table.init(4, 1 << 20));  // 16 slots, ids 1..7
    std::vector<StackId> ids;
    for (uint32_t s = 0; s < 7; ++s) ids.push_back(intern(table, makeStack(s, 2)));
    CHECK(ids.back() == StackId{7});
    CHECK_FALSE(table.full());
    CHECK(intern(table, makeStack(100, 2)) == StackId::None);
    CHECK(table.full());
    CHECK(intern(table, makeStack(3, 2)) == ids[3]);
    table.destroy();
}

TEST_CASE("a full frame arena returns None")
{
    StackTable table;
    REQUIRE(table.init(12, 4096));  // 512 frames
    CHECK(intern(table, makeStack(1, 500)) == StackId{1});
    CHECK(intern(table, makeStack(2, 500)) == StackId::None);
    CHECK(table.full());
    table.destroy();
}

TEST_CASE("levels open as stacks arrive: memory follows the number of stacks, ids stay exact")
{
    StackTable table;
    REQUIRE(table.init(21, 256 << 20));
    const size_t firstLevel = size_t{1} << 16 << 3;  // 2^16 slots of 8 bytes
    CHECK(table.slotBytesMapped() == firstLevel);
    // 4096 stacks fit the first level.
    for (uint32_t s = 0; s < 4096; ++s) REQUIRE(intern(table, makeStack(s, 12)) == StackId{s + 1});
    CHECK(table.slotBytesMapped() == firstLevel);
    // 100,000 stacks open one more level (2^18 slots: 32768 + 131072 ids at load 1/2): 2.5 MiB
    // of index instead of 16 MiB.
    for (uint32_t s = 4096; s < 100000; ++s) REQUIRE(intern(table, makeStack(s, 12)) == StackId{s + 1});
    CHECK(table.slotBytesMapped() == firstLevel + (size_t{1} << 18 << 3));
    // 200,000 open the 2^20 level.
    for (uint32_t s = 100000; s < 200000; ++s) REQUIRE(intern(table, makeStack(s, 12)) == StackId{s + 1});
    CHECK(table.slotBytesMapped() == firstLevel + (size_t{1} << 18 << 3) + (size_t{1} << 20 << 3));
    // Stacks from every level are still found under their first id.
    for (uint32_t s = 0; s < 200000; s += 997) CHECK(intern(table, makeStack(s, 12)) == StackId{s + 1});
    CHECK(table.idLimit() == 200001);
    table.destroy();
}

TEST_CASE("concurrent inserts across level switches: every id returned for a stack has its frames")
{
    StackTable table;
    REQUIRE(table.init(21, 256 << 20));
    constexpr uint32_t kStacks = 60000;  // crosses the first switch (32768 ids)
    constexpr int kThreads = 4;
    std::vector<std::vector<uint64_t>> ids(kThreads, std::vector<uint64_t>(kStacks));
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back([&, t] {
            for (uint32_t s = 0; s < kStacks; ++s) ids[t][s] = static_cast<uint64_t>(intern(table, makeStack(s, 8)));
        });
    }
    for (auto& th : threads) th.join();
    for (uint32_t s = 0; s < kStacks; ++s) {
        const auto frames = makeStack(s, 8);
        const uint64_t hash = hashFrames(frames.data(), 8);
        for (int t = 0; t < kThreads; ++t) {
            REQUIRE(ids[t][s] != 0);
            REQUIRE(table.matches(static_cast<StackId>(ids[t][s]), frames.data(), 8, hash));
        }
    }
    table.destroy();
}

TEST_CASE("initWithin: the largest table that fits the address-space budget, never below the smallest")
{
    constexpr size_t MiB = size_t{1} << 20;
    const size_t full = StackTable::reservationBytes(StackTable::kFullSlotBits, StackTable::kFullFrameArenaBytes);
    // 256 MiB of frames, 2^20 entries of 16 bytes, levels of 2^16 + 2^18 + 2^20 + 2^21 slots.
    CHECK(full == 256 * MiB + 16 * MiB + ((size_t{1} << 16) + (1 << 18) + (1 << 20) + (1 << 21)) * 8);

    StackTable table;
    SECTION("no limit: the full table")
    {
        REQUIRE(table.initWithin(SIZE_MAX));
        CHECK(!table.reduced());
    }
    SECTION("a 1 GB limit's 64 MiB: the 2^18-slot table (36.5 MiB), 131071 stacks")
    {
        CHECK(StackTable::reservationBytes(19, 64 * MiB) > 64 * MiB);
        CHECK(StackTable::reservationBytes(18, 32 * MiB) <= 64 * MiB);
        REQUIRE(table.initWithin(64 * MiB));
        CHECK(table.reduced());
        for (uint32_t i = 0; i < 131071; ++i) REQUIRE(intern(table, makeStack(i, 3)) != StackId::None);
        CHECK(!table.full());
        CHECK(intern(table, makeStack(131071, 3)) == StackId::None);
        CHECK(table.full());
    }
    SECTION("a budget below the smallest table: the smallest, 32767 stacks")
    {
        REQUIRE(table.initWithin(1 * MiB));
        CHECK(table.reduced());
        for (uint32_t i = 0; i < 32767; ++i) REQUIRE(intern(table, makeStack(i, 3)) != StackId::None);
        CHECK(intern(table, makeStack(32767, 3)) == StackId::None);
        CHECK(table.full());
    }
    table.destroy();
}
