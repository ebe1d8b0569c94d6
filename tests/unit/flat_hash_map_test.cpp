#include <catch2/catch.hpp>

#include <random>
#include <unordered_map>

#include "reader/flat_hash_map.h"

using memtrace::reader::FlatHashMap64;

TEST_CASE("FlatHashMap64 agrees with std::unordered_map under random churn")
{
    FlatHashMap64<uint64_t> map;
    std::unordered_map<uint64_t, uint64_t> reference;
    std::mt19937_64 rng(42);
    for (int i = 0; i < 200000; ++i) {
        // Addresses with aligned, clustered low bits, plus the special key ~0.
        const uint64_t key = (rng() % 3 == 0) ? ~0ull : 0x555555550000ull + (rng() % 4096) * 16;
        if (rng() % 2) {
            auto [value, inserted] = map.insert(key, i);
            CHECK(inserted == reference.emplace(key, i).second);
            CHECK(*value == reference[key]);
        } else {
            uint64_t removed = 0;
            const bool erased = map.erase(key, &removed);
            auto it = reference.find(key);
            REQUIRE(erased == (it != reference.end()));
            if (erased) {
                CHECK(removed == it->second);
                reference.erase(it);
            }
        }
        if (i % 10000 == 0) {
            REQUIRE(map.size() == reference.size());
            for (auto& [k, v] : reference) REQUIRE(map.find(k));
        }
    }
    size_t seen = 0;
    map.forEach([&](uint64_t k, uint64_t v) {
        ++seen;
        CHECK(reference.at(k) == v);
    });
    CHECK(seen == reference.size());
}

// Near the maximum load (size just under half the slots) probe runs are long and wrap around
// the table's end, so backward-shift deletion moves entries across the wrap. Keys that differ
// only in their top bits, or only in their low bits, are mixed in.
TEST_CASE("FlatHashMap64 agrees with std::unordered_map near its maximum load")
{
    FlatHashMap64<uint64_t> map;
    std::unordered_map<uint64_t, uint64_t> reference;
    std::mt19937_64 rng(7);
    auto randomKey = [&]() -> uint64_t {
        switch (rng() % 3) {
        case 0: return (rng() % 8192) << 51;  // top bits only
        case 1: return 0x7f0000000000ull + (rng() % 8192) * 16;
        default: return rng() % 100000;
        }
    };
    // Fill to 2047 entries (a 4096-slot table holds at most 2048), then churn in 1900..2047.
    while (reference.size() < 2047) {
        const uint64_t key = randomKey();
        CHECK(map.insert(key, key + 1).second == reference.emplace(key, key + 1).second);
    }
    for (int i = 0; i < 100000; ++i) {
        const uint64_t key = randomKey();
        const bool grow = reference.size() < 1900 || (reference.size() < 2047 && rng() % 2);
        if (grow) {
            CHECK(map.insert(key, i).second == reference.emplace(key, i).second);
        } else {
            auto it = reference.empty() ? reference.end() : reference.find(key);
            uint64_t removed = 0;
            REQUIRE(map.erase(key, &removed) == (it != reference.end()));
            if (it != reference.end()) {
                CHECK(removed == it->second);
                reference.erase(it);
            }
        }
        if (i % 5000 == 0) {
            REQUIRE(map.size() == reference.size());
            for (auto& [k, v] : reference) {
                const uint64_t* found = map.find(k);
                REQUIRE(found);
                REQUIRE(*found == v);
            }
        }
    }
}
