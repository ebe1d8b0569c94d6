// cpu_bench: much CPU work and few allocations, for measuring a tracker's fixed cost (start-up,
// its background threads, RSS sampling, writing the capture at exit) rather than its cost
// per event (bench/run_suite.sh runs it untracked, under memtrace and under heaptrack).
//
//   cpu_bench [THREADS=1] [WORK=400] [ALLOCATIONS=1000]
//
// Every thread does WORK million mixing steps (a multiply-xorshift chain over a buffer, ~2 ns
// each on a 2.45 GHz EPYC: WORK=400 is ~0.8 s per thread untracked), split evenly over
// ALLOCATIONS rounds; each round mallocs a fresh buffer (4, 8, 16, 32 or 64 KiB), works on
// it and frees it.
// Prints the number of malloc + free calls it made ("events").
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <thread>
#include <vector>

namespace {

struct Options {
    unsigned threads = 1;
    uint64_t workMillions = 400;
    uint64_t allocations = 1000;
};

struct alignas(64) Worker {  // a line each: no false sharing between the threads' counters
    uint64_t events = 0;
    uint64_t checksum = 0;
};

// A dependent chain of multiplies and shifts over the buffer: the compiler cannot vectorize
// or skip it, and it touches memory lightly.
[[gnu::noinline]] uint64_t mix(uint64_t* words, size_t count, uint64_t steps, uint64_t x)
{
    const size_t mask = count - 1;  // count is a power of two
    for (uint64_t i = 0; i < steps; ++i) {
        uint64_t& word = words[i & mask];
        x = (x ^ word) * 0x9E3779B97F4A7C15ULL;
        x ^= x >> 29;
        word = x;
    }
    return x;
}

void runWorker(Worker& worker, const Options& options, unsigned index)
{
    const uint64_t totalSteps = options.workMillions * 1000000;
    const uint64_t stepsPerRound = totalSteps / options.allocations;
    uint64_t x = 0x2545F4914F6CDD1DULL * (index + 1);
    for (uint64_t round = 0; round < options.allocations; ++round) {
        const size_t count = size_t{512} << (x % 5);  // 4 - 64 KiB of words
        auto* words = static_cast<uint64_t*>(std::malloc(count * sizeof(uint64_t)));
        if (!words) std::abort();
        for (size_t i = 0; i < count; ++i) words[i] = i;
        ++worker.events;
        x = mix(words, count, stepsPerRound, x);
        worker.checksum += words[x % count];
        std::free(words);
        ++worker.events;
    }
}

bool parse(int argc, char** argv, Options& options)
{
    if (argc > 1) options.threads = static_cast<unsigned>(std::strtoul(argv[1], nullptr, 10));
    if (argc > 2) options.workMillions = std::strtoull(argv[2], nullptr, 10);
    if (argc > 3) options.allocations = std::strtoull(argv[3], nullptr, 10);
    return options.threads >= 1 && options.threads <= 1024 && options.allocations >= 1;
}

}  // namespace

int main(int argc, char** argv)
{
    Options options;
    if (!parse(argc, argv, options)) {
        std::fprintf(stderr, "usage: cpu_bench [THREADS] [WORK (million steps per thread)] [ALLOCATIONS]\n");
        return 2;
    }
    std::vector<Worker> workers(options.threads);
    const auto start = std::chrono::steady_clock::now();
    std::vector<std::thread> threads;
    for (unsigned t = 0; t < options.threads; ++t)
        threads.emplace_back([&, t] { runWorker(workers[t], options, t); });
    for (auto& thread : threads) thread.join();
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

    uint64_t events = 0;
    uint64_t checksum = 0;
    for (const Worker& worker : workers) {
        events += worker.events;
        checksum += worker.checksum;
    }
    std::printf("cpu_bench: threads=%u work=%llu allocations=%llu events=%llu seconds=%.3f checksum=%llu\n",
                options.threads, static_cast<unsigned long long>(options.workMillions),
                static_cast<unsigned long long>(options.allocations), static_cast<unsigned long long>(events),
                seconds, static_cast<unsigned long long>(checksum));
    return 0;
}
