// alloc_bench: a malloc/free workload with deep, varied stacks, for measuring tracking
// overhead (bench/run_bench.sh runs it untracked, under memtrace and under heaptrack).
//
//   alloc_bench [THREADS=1] [ITERATIONS=1000000] [PATHS=16] [MIN_DEPTH=10] [MAX_DEPTH=30] [SIZES=mixed]
//
// Every thread does ITERATIONS iterations. An iteration picks one of PATHS call paths; path
// p descends depth(p) frames (MIN_DEPTH..MAX_DEPTH). At each level the next frame is one of
// eight functions, chosen by one base-8 digit of p (level L uses digit L mod D, where D is
// the number of base-8 digits PATHS needs), so the first D levels spell p: PATHS distinct
// paths give PATHS distinct stacks (needs MIN_DEPTH >= D, i.e. >= 6 for 100000 paths).
// At the bottom it allocates one block; SIZES picks the size mix:
//   small  16 - 128 B
//   mixed  16 B - 1 KiB, every 64th iteration 8 - 64 KiB (the default)
//   large  1 - 64 KiB, every 64th iteration 128 KiB - 1 MiB (above glibc's initial mmap threshold)
// Half of the blocks are temporary (freed at once); the others replace a random slot of the
// thread's ring of 1024 live blocks, freeing the block that was there.
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

enum class SizeMix { Small, Mixed, Large };

// Uniform in [low, high].
size_t between(uint64_t r, size_t low, size_t high) { return low + r % (high - low + 1); }

struct Options {
    unsigned threads = 1;
    uint64_t iterations = 1000000;
    unsigned paths = 16;
    unsigned minDepth = 10;
    unsigned maxDepth = 30;
    SizeMix sizes = SizeMix::Mixed;
    unsigned digits = 1;  // base-8 digits of the largest path number: the levels that spell a path
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

// One cache line or more of its own: the workers sit side by side in a vector, and each
// iteration writes the random state and the counters. Unaligned, the end of one worker shared
// a line with the start of the next, and that false sharing made the untracked 2-thread run
// ~25% slower (0.31 -> 0.24 CPU-s), which flattered every tracker's ratio (session 8).
struct alignas(64) Worker {
    Random random;
    SizeMix sizes = SizeMix::Mixed;
    unsigned digits = 1;
    std::array<void*, kRingSize> ring{};
    uint64_t iteration = 0;
    uint64_t events = 0;
    uint64_t checksum = 0;
};

size_t blockSize(Worker& worker)
{
    const uint64_t r = worker.random.next();
    const bool rare = worker.iteration % 64 == 63;
    switch (worker.sizes) {
    case SizeMix::Small: return between(r, 16, 128);
    case SizeMix::Mixed: return rare ? between(r, 8192, 65536) : between(r, 16, 1024);
    case SizeMix::Large: return rare ? between(r, 131072, 1048576) : between(r, 1024, 65536);
    }
    return 16;
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

template <unsigned K>
[[gnu::noinline]] unsigned descendVia(Worker& worker, unsigned path, unsigned level, unsigned depth);

// One level down; which of the eight functions is the next frame is a base-8 digit of the
// path, so distinct paths have distinct stacks.
inline unsigned descend(Worker& worker, unsigned path, unsigned level, unsigned depth)
{
    if (level >= depth) {
        allocateOne(worker);
        return level;
    }
    switch ((path >> (3 * (level % worker.digits))) & 7) {
    case 0: return descendVia<0>(worker, path, level + 1, depth);
    case 1: return descendVia<1>(worker, path, level + 1, depth);
    case 2: return descendVia<2>(worker, path, level + 1, depth);
    case 3: return descendVia<3>(worker, path, level + 1, depth);
    case 4: return descendVia<4>(worker, path, level + 1, depth);
    case 5: return descendVia<5>(worker, path, level + 1, depth);
    case 6: return descendVia<6>(worker, path, level + 1, depth);
    default: return descendVia<7>(worker, path, level + 1, depth);
    }
}

// The volatile read after the call keeps each level a real frame (no tail call); the factor
// K + 1 makes the eight bodies differ, so identical-code folding cannot merge them.
template <unsigned K>
unsigned descendVia(Worker& worker, unsigned path, unsigned level, unsigned depth)
{
    volatile unsigned here = level * (K + 1);
    const unsigned reached = descend(worker, path, level, depth);
    return reached + here - level * (K + 1);
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

bool parseSizes(const char* name, SizeMix& sizes)
{
    if (std::strcmp(name, "small") == 0) sizes = SizeMix::Small;
    else if (std::strcmp(name, "mixed") == 0) sizes = SizeMix::Mixed;
    else if (std::strcmp(name, "large") == 0) sizes = SizeMix::Large;
    else return false;
    return true;
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
    if (argc > 6 && !parseSizes(argv[6], options.sizes)) return false;
    if (options.paths < 1 || options.paths > (1u << 24)) return false;
    options.digits = 1;
    while ((uint64_t{1} << (3 * options.digits)) < options.paths) ++options.digits;
    return options.threads >= 1 && options.minDepth >= options.digits &&
           options.maxDepth >= options.minDepth && options.maxDepth <= 1000;
}

}  // namespace

int main(int argc, char** argv)
{
    Options options;
    if (!parse(argc, argv, options)) {
        std::fprintf(stderr, "usage: alloc_bench [THREADS] [ITERATIONS] [PATHS] [MIN_DEPTH] [MAX_DEPTH] "
                             "[SIZES=small|mixed|large]\n"
                             "  (PATHS <= 16777216; MIN_DEPTH >= the number of base-8 digits of PATHS - 1)\n");
        return 2;
    }
    std::vector<Worker> workers(options.threads);
    for (unsigned t = 0; t < options.threads; ++t) {
        workers[t].random.state = 0x9E3779B97F4A7C15ULL * (t + 1);
        workers[t].sizes = options.sizes;
        workers[t].digits = options.digits;
    }

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
    static const char* const kSizeNames[] = {"small", "mixed", "large"};
    std::printf("alloc_bench: threads=%u iterations=%llu paths=%u depth=%u..%u sizes=%s events=%llu seconds=%.3f "
                "checksum=%llu\n",
                options.threads, static_cast<unsigned long long>(options.iterations), options.paths,
                options.minDepth, options.maxDepth, kSizeNames[static_cast<int>(options.sizes)],
                static_cast<unsigned long long>(events), seconds, static_cast<unsigned long long>(checksum));
    return 0;
}
