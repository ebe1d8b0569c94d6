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
