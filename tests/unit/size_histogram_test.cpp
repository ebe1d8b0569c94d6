// The allocation size histogram's buckets (reader/size_histogram.h) and its place in the model:
// its counts and bytes add up to the model's allocations and allocated bytes.
#include <catch2/catch.hpp>

#include "reader/size_histogram.h"

using memtrace::reader::SizeHistogram;

TEST_CASE("size histogram buckets are powers of two, up to 8 bytes first")
{
    CHECK(SizeHistogram::bucketOf(0) == 0);
    CHECK(SizeHistogram::bucketOf(1) == 0);
    CHECK(SizeHistogram::bucketOf(8) == 0);
    CHECK(SizeHistogram::bucketOf(9) == 1);
    CHECK(SizeHistogram::bucketOf(16) == 1);
    CHECK(SizeHistogram::bucketOf(17) == 2);
    CHECK(SizeHistogram::bucketOf(1024) == 7);
    CHECK(SizeHistogram::bucketOf(1025) == 8);
    CHECK(SizeHistogram::bucketOf(~uint64_t{0}) == SizeHistogram::kBuckets - 1);
    // Every bucket's bounds hold exactly the sizes bucketOf puts in it, and the buckets touch.
    for (size_t b = 0; b < SizeHistogram::kBuckets; ++b) {
        INFO("bucket " << b);
        CHECK(SizeHistogram::bucketOf(SizeHistogram::minSize(b)) == b);
        CHECK(SizeHistogram::bucketOf(SizeHistogram::maxSize(b)) == b);
        if (b > 0) CHECK(SizeHistogram::minSize(b) == SizeHistogram::maxSize(b - 1) + 1);
    }
    CHECK(SizeHistogram::minSize(0) == 0);
    CHECK(SizeHistogram::maxSize(SizeHistogram::kBuckets - 1) == ~uint64_t{0});
}

TEST_CASE("size histogram counts blocks and bytes; a sampled block by its mean size")
{
    SizeHistogram h;
    h.add(100, 1);
    h.add(128, 1);
    h.add(129, 1);
    h.add(1000, 10);  // ten blocks of 100 bytes, as a sampled allocation stands for
    CHECK(h.count(SizeHistogram::bucketOf(100)) == 12);
    CHECK(h.bytes(SizeHistogram::bucketOf(100)) == 1228);
    CHECK(h.count(SizeHistogram::bucketOf(129)) == 1);
    CHECK(h.bytes(SizeHistogram::bucketOf(129)) == 129);
}
