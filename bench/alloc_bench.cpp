// alloc_bench: a malloc/free workload with deep, varied stacks, for measuring tracking
// overhead (bench/run_bench.sh runs it untracked, under memtrace and under heaptrack).
//
//   alloc_bench [THREADS=1] [ITERATIONS=1000000] [PATHS=16] [MIN_DEPTH=10] [MAX_DEPTH=30]
//
// Every thread does ITERATIONS iterations. An iteration picks one of PATHS call paths; path
// p descends depth(p) frames (MIN_DEPTH..MAX_DEPTH), through two functions chosen at each
// level by the bits of p, so the paths differ in depth and in their sequence of frames.
// At the bottom it allocates one block: 16 B - 1 KiB, except every 64th iteration
// 8 - 64 KiB. Half of the blocks are temporary (freed at once); the others replace a random
// slot of the thread's ring of 1024 live blocks, freeing the block that was there.
// At the end every ring is emptied. Prints the number of malloc + free calls it made
// ("events"), which is what a tracker records.
#include <array>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <thread>
#include <vector>

namespace {

constexpr size_t kRingSize = 1024;

struct Options {
    unsigned threads = 1;
    uint64_t iterations = 1000000;
    unsigned paths = 16;
    unsigned minDepth = 10;
    unsigned maxDepth = 30;
};

// xorshift64*: cheap, and the same sequence in every run.
struct Random {
    uint64_t state;
    uint64_t next()
    {
        state ^= state >> 12;
        state ^= state << 25;
        state ^= state >> 27;
        return state * 0x2545F4914F6CDD1DULL;
    }
};

struct Worker {
    Random random;
    std::array<void*, kRingSize> ring{};
    uint64_t iteration = 0;
    uint64_t events = 0;
    uint64_t checksum = 0;
};

size_t blockSize(Worker& worker)
{
    const uint64_t r = worker.random.next();
    if (worker.iteration % 64 == 63) return 8192 + (r % (65536 - 8192 + 1));
    return 16 + (r % (1024 - 16 + 1));
}

// The work at the bottom of a path.
[[gnu::noinline]] void allocateOne(Worker& worker)
{
    const size_t size = blockSize(worker);
    auto* block = static_cast<unsigned char*>(std::malloc(size));
    if (!block) std::abort();
    block[0] = static_cast<unsigned char>(size);
    ++worker.events;
    const uint64_t r = worker.random.next();
    if (r & 1) {
        worker.checksum += block[0];
        std::free(block);
        ++worker.events;
        return;
    }
    void*& slot = worker.ring[(r >> 1) % kRingSize];
    if (slot) {
        std::free(slot);
        ++worker.events;
    }
    slot = block;
}

[[gnu::noinline]] unsigned descendLeft(Worker& worker, unsigned path, unsigned level, unsigned depth);
[[gnu::noinline]] unsigned descendRight(Worker& worker, unsigned path, unsigned level, unsigned depth);

// One level down; which function is the next frame depends on the path's bits, so two paths
// of the same depth still have different stacks.
inline unsigned descend(Worker& worker, unsigned path, unsigned level, unsigned depth)
{
    if (level >= depth) {
        allocateOne(worker);
        return level;
    }
    return ((path >> (level % 4)) & 1) ? descendRight(worker, path, level + 1, depth)
                                       : descendLeft(worker, path, level + 1, depth);
}

// The volatile read after the call keeps each level a real frame (no tail call).
unsigned descendLeft(Worker& worker, unsigned path, unsigned level, unsigned depth)
{
    volatile unsigned here = level;
    const unsigned reached = descend(worker, path, level, depth);
    return reached + here - level;
}

unsigned descendRight(Worker& worker, unsigned path, unsigned level, unsigned depth)
{
    volatile unsigned here = level * 2;
    const unsigned reached = descend(worker, path, level, depth);
    return reached + here - level * 2;
}

void runWorker(Worker& worker, const Options& options)
{
    const unsigned span = options.maxDepth - options.minDepth + 1;
    for (worker.iteration = 0; worker.iteration < options.iterations; ++worker.iteration) {
        const unsigned path = static_cast<unsigned>(worker.random.next() % options.paths);
        // Spread the paths' depths over the range (5 is coprime with the default span of 21).
        const unsigned depth = options.minDepth + (path * 5) % span;
        descend(worker, path, 0, depth);
    }
    for (void*& slot : worker.ring) {
        if (slot) {
            std::free(slot);
            ++worker.events;
            slot = nullptr;
        }
    }
}

bool parse(int argc, char** argv, Options& options)
{
    auto arg = [&](int i, auto& field) {
        if (argc > i) field = static_cast<std::remove_reference_t<decltype(field)>>(std::strtoull(argv[i], nullptr, 10));
    };
    arg(1, options.threads);
    arg(2, options.iterations);
    arg(3, options.paths);
    arg(4, options.minDepth);
    arg(5, options.maxDepth);
    return options.threads >= 1 && options.paths >= 1 && options.minDepth >= 1 &&
           options.maxDepth >= options.minDepth && options.maxDepth <= 1000;
}

}  // namespace

int main(int argc, char** argv)
{
    Options options;
    if (!parse(argc, argv, options)) {
        std::fprintf(stderr, "usage: alloc_bench [THREADS] [ITERATIONS] [PATHS] [MIN_DEPTH] [MAX_DEPTH]\n");
        return 2;
    }
    std::vector<Worker> workers(options.threads);
    for (unsigned t = 0; t < options.threads; ++t) workers[t].random.state = 0x9E3779B97F4A7C15ULL * (t + 1);

    const auto start = std::chrono::steady_clock::now();
    std::vector<std::thread> threads;
    for (unsigned t = 0; t < options.threads; ++t)
        threads.emplace_back([&, t] { runWorker(workers[t], options); });
    for (auto& thread : threads) thread.join();
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

    uint64_t events = 0;
    uint64_t checksum = 0;
    for (const Worker& worker : workers) {
        events += worker.events;
        checksum += worker.checksum;
    }
    std::printf("alloc_bench: threads=%u iterations=%llu paths=%u depth=%u..%u events=%llu seconds=%.3f "
                "checksum=%llu\n",
                options.threads, static_cast<unsigned long long>(options.iterations), options.paths,
                options.minDepth, options.maxDepth, static_cast<unsigned long long>(events), seconds,
                static_cast<unsigned long long>(checksum));
    return 0;
}
