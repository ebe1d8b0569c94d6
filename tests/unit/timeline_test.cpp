#include <catch2/catch.hpp>

#include "reader/timeline.h"

using memtrace::reader::Timeline;

TEST_CASE("timeline buckets keep maxima and stay bounded")
{
    Timeline t;
    t.update(0, 10, 0, 0);
    t.update(500, 50, 0, 0);   // same 1 ms bucket
    t.update(900, 20, 0, 0);
    t.update(1500, 5, 7, 100);
    REQUIRE(t.samples().size() == 2);
    CHECK(t.samples()[0].heapMax == 50);
    CHECK(t.samples()[0].heapLast == 20);
    CHECK(t.samples()[1].timeUs == 1000);
    CHECK(t.samples()[1].mmapMax == 7);
    CHECK(t.samples()[1].rssMax == 100);

    // A long capture: one event per ms for 100 s. A single spike must survive all merging.
    Timeline long_;
    for (uint64_t ms = 0; ms < 100000; ++ms) long_.update(ms * 1000, ms == 54321 ? 1000000 : ms % 7, 0, 0);
    CHECK(long_.samples().size() <= Timeline::kMaxSamples);
    uint64_t max = 0;
    for (const auto& s : long_.samples()) max = std::max(max, s.heapMax);
    CHECK(max == 1000000);
    CHECK(long_.bucketUs() > Timeline::kInitialBucketUs);
}
