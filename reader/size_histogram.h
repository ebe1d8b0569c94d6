// How many allocations of which size the program made (heaptrack's and memray's size
// histogram): buckets by powers of two, bucket 0 for sizes up to 8 bytes and bucket k >= 1 for
// sizes in (2^(k+2), 2^(k+3)], so 9-16, 17-32, ... Counted with the totals (HeapTracker), so
// the counts add up to `allocations` and the bytes to `allocated_bytes` exactly.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

namespace memtrace::reader {

class SizeHistogram {
public:
    static constexpr size_t kBuckets = 62;  // up to sizes of 2^64 - 1

    static size_t bucketOf(uint64_t size)
    {
        if (size <= 8) return 0;
        return static_cast<size_t>(64 - __builtin_clzll(size - 1)) - 3;
    }
    // The sizes a bucket holds: [minSize, maxSize].
    static uint64_t minSize(size_t bucket) { return bucket == 0 ? 0 : (uint64_t{1} << (bucket + 2)) + 1; }
    static uint64_t maxSize(size_t bucket) { return bucket == kBuckets - 1 ? ~uint64_t{0} : uint64_t{1} << (bucket + 3); }

    // `blocks` allocations of `bytes` in all: one, or what a sampled block stands for (its
    // bucket is that of the blocks' mean size).
    void add(uint64_t bytes, uint64_t blocks)
    {
        const size_t b = bucketOf(blocks > 1 ? bytes / blocks : bytes);
        m_count[b] += blocks;
        m_bytes[b] += bytes;
    }

    uint64_t count(size_t bucket) const { return m_count[bucket]; }
    uint64_t bytes(size_t bucket) const { return m_bytes[bucket]; }

private:
    std::array<uint64_t, kBuckets> m_count{};
    std::array<uint64_t, kBuckets> m_bytes{};
};

}  // namespace memtrace::reader
