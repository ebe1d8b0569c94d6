// The heap examples under `memtrace run`: exact calls, bytes, leaks and peaks per kind, each
// on top of the capture of an empty program run the same way (the runtime's own noise).
// The numbers come from the comment at the top of each example.
#include <catch2/catch.hpp>

#include <map>
#include <set>

#include "expectations.h"
#include "harness.h"

using namespace memtrace::integration;

namespace {

// Format version 5's address prediction (docs/FORMAT.md, "Reuse stacks"): the scheme of the
// capture's SizeClasses records (-1: none) and the number of AllocReused records.
struct ReuseCoding {
    int scheme = -1;
    unsigned long reused = 0;
};

ReuseCoding reuseCodingOf(const std::string& capture)
{
    ReuseCoding coding;
    const ProcessResult dump = runCommand({memtraceBinary(), "dump", capture});
    REQUIRE(dump.status == 0);
    if (const size_t at = dump.out.find(" size_classes "); at != std::string::npos) coding.scheme = std::stoi(dump.out.substr(at + 14));
    const ProcessResult stats = runCommand({memtraceBinary(), "dump", "--stats", capture});
    REQUIRE(stats.status == 0);
    if (const size_t at = stats.out.find("\nAllocReused "); at != std::string::npos) coding.reused = std::stoul(stats.out.substr(at + 13));
    return coding;
}

}  // namespace

TEST_CASE("leaky_service: calls, bytes, leaks per stack and peak are exact", "[heap][leaks]")
{
    TempDir dir;
    const Summary base = baseline(dir);
    const TracedRun run = traceExampleOk(dir.file("x.mtrace"), "leaky_service");
    const Summary capture = summarize(run.capture);

    expectKind(capture, base, "malloc", 214, 1125036);
    expectKind(capture, base, "free", 201, std::nullopt);
    expectField(capture, base, "allocations", 214);
    expectField(capture, base, "frees", 201);
    expectField(capture, base, "allocated_bytes", 1125036);
    expectField(capture, base, "leaked_bytes", 41260);
    expectField(capture, base, "leaked_blocks", 13);
    // The runtime's start-up blocks are live for the whole run, so they are part of the peak.
    CHECK(number(capture.data, "peak_heap_bytes") == 1089836 + number(base.data, "leaked_bytes"));
    CHECK(capture.data["peak_heap_time_s"].get<double>() <= capture.data["duration_s"].get<double>());

    expectLeakFrom(capture, "leak_page_buffers", 40960, 10, "malloc");
    expectLeakFrom(capture, "leak_small_records", 300, 3, "malloc");
    CHECK(leaksFrom(capture.data, "serve_requests").empty());
    CHECK(leaksFrom(capture.data, "build_index").empty());

    CHECK(capture.data["truncated"] == false);
    CHECK(exitStatusIs(capture.data, false, 0));
}

TEST_CASE("leaky_service: the stacks with the most allocations and the most temporary ones", "[heap][text]")
{
    TempDir dir;
    const TracedRun run = traceExampleOk(dir.file("x.mtrace"), "leaky_service");
    const Summary capture = summarize(run.capture);
    // The entries of a summary list whose stack goes through `function`.
    auto through = [&](const char* list, const std::string& function) {
        std::vector<json> found;
        for (const json& entry : capture.data[list])
            if (stackHasFunction(entry["stack"], function)) found.push_back(entry);
        return found;
    };
    // serve_requests: 200 blocks of 35200 B in all, each freed before the next is allocated.
    const json& most = capture.data["top_allocation_stacks"];
    REQUIRE(!most.empty());
    CHECK(stackHasFunction(most[0]["stack"], "serve_requests"));
    CHECK(most[0]["allocations"] == 200);
    CHECK(most[0]["bytes"] == 35200);
    CHECK(most[0]["temporary"] == 200);
    const auto pages = through("top_allocation_stacks", "leak_page_buffers");
    REQUIRE(pages.size() == 1);
    CHECK(pages[0]["allocations"] == 10);
    CHECK(pages[0]["bytes"] == 40960);

    const json& temporary = capture.data["top_temporary_stacks"];
    REQUIRE(!temporary.empty());
    CHECK(stackHasFunction(temporary[0]["stack"], "serve_requests"));
    CHECK(temporary[0]["temporary"] == 200);
    const auto index = through("top_temporary_stacks", "build_index");  // its one block, freed at once
    REQUIRE(index.size() == 1);
    CHECK(index[0]["temporary"] == 1);
    CHECK(through("top_temporary_stacks", "leak_page_buffers").empty());  // never freed

    const ProcessResult text = runCommand({memtraceBinary(), "summary", run.capture});
    REQUIRE(text.status == 0);
    CHECK(text.out.find("most allocations:\n  #1 200 allocations, 34.38 KiB (35200 B) in all, malloc\n      serve_requests") != std::string::npos);
    CHECK(text.out.find("most temporary allocations:\n  #1 200 temporary of 200 allocations, malloc\n      serve_requests") != std::string::npos);
    // One of them: singular (build_index's one 1 MiB block).
    CHECK(text.out.find("  #4 1 allocation, 1.00 MiB (1048576 B) in all, malloc\n      build_index") != std::string::npos);
    CHECK(text.out.find("  #2 1 temporary of 1 allocation, malloc\n      build_index") != std::string::npos);
}

TEST_CASE("leaked stacks resolve to the example's functions, files and lines", "[heap][leaks][symbols]")
{
    TempDir dir;
    const TracedRun run = traceExampleOk(dir.file("x.mtrace"), "leaky_service");
    const Summary capture = summarize(run.capture);
    const auto leaks = leaksFrom(capture.data, "leak_page_buffers");
    REQUIRE(leaks.size() == 1);
    const json& stack = leaks.front()["stack"];
    INFO("stack: " << stack.dump());
    REQUIRE(stack.size() >= 2);
    // Innermost frame first: the shim's own frames must not show up above the caller.
    CHECK(stack[0]["function"].get<std::string>().find("leak_page_buffers") != std::string::npos);
    CHECK(stack[0]["file"].get<std::string>().find("leaky_service.c") != std::string::npos);
    CHECK(stack[0]["line"].get<int>() > 0);
    CHECK(stack[0]["module"].get<std::string>().find("leaky_service") != std::string::npos);
    CHECK(stackHasFunction(stack, "main"));
}

TEST_CASE("the text summary shows the leaking functions with file and line", "[heap][leaks][text]")
{
    TempDir dir;
    const TracedRun run = traceExampleOk(dir.file("x.mtrace"), "leaky_service");
    const ProcessResult text = runCommand({memtraceBinary(), "summary", run.capture});
    INFO(text.describe());
    REQUIRE(text.status == 0);
    CHECK(text.err.empty());
    CHECK(text.out.find("leak_page_buffers") != std::string::npos);
    CHECK(text.out.find("leak_small_records") != std::string::npos);
    CHECK(text.out.find("leaky_service.c:") != std::string::npos);
    CHECK(text.out.find("40960 B") != std::string::npos);
}

TEST_CASE("threads_cross_free: blocks freed on another thread are counted exactly", "[heap][threads]")
{
    TempDir dir;
    const Summary base = baseline(dir);
    const TracedRun run = traceExampleOk(dir.file("x.mtrace"), "threads_cross_free");
    const Summary capture = summarize(run.capture);

    // pthread_create may allocate thread-local storage itself (calloc); the example's own
    // calls are all malloc and free, which the runtime does not use for threads.
    expectKind(capture, base, "malloc", 4000, 406000);
    expectKind(capture, base, "free", 4000, std::nullopt);
    CHECK(leaksFrom(capture.data, "worker").empty());
    CHECK(number(capture.data, "threads") == 5);  // main + 4 workers
    CHECK(run.process.out == "threads_cross_free: 4 threads, 4000 blocks, 2000 handed over\n");
    // The counts above hold with glibc's size classes predicting most addresses: each worker
    // frees and allocates again, and glibc's tcache hands it the block it freed last.
    const ReuseCoding coding = reuseCodingOf(run.capture);
    CHECK(coding.scheme == 1);
    CHECK(coding.reused > 1000);
}

TEST_CASE("handoff_pingpong: addresses crossing threads within one time tick keep their order", "[heap][threads]")
{
    // The writer emits runs of one thread's events within a time tick (tick_ownership.h); a
    // run must never carry a malloc ahead of the other thread's free of that address, nor a
    // free ahead of its malloc. Checked: with the ownership test disabled, ~199k of the 200k
    // frees came out unmatched and as many allocations as anomalies.
    TempDir dir;
    const Summary base = baseline(dir);
    const TracedRun run = traceExampleOk(dir.file("x.mtrace"), "handoff_pingpong");
    const Summary capture = summarize(run.capture);
    expectKind(capture, base, "malloc", 200000, 9600000);
    expectKind(capture, base, "free", 200000, 9600000);
    CHECK(number(capture.data, "anomalies") == 0);
    CHECK(number(capture.data, "frees_unmatched") == 0);
    CHECK(leaksFrom(capture.data, "produce").empty());
    CHECK(run.process.out == "handoff_pingpong: 200000 blocks handed over\n");
    // Several chunks, each compressed in slices between drains while the next one filled
    // (capture_file.h): the exact counts above hold across their boundaries.
    const ProcessResult stats = runCommand({memtraceBinary(), "dump", "--stats", run.capture});
    REQUIRE(stats.status == 0);
    const size_t at = stats.out.find("chunks ");
    REQUIRE(at != std::string::npos);
    CHECK(std::stoul(stats.out.substr(at + 7)) >= 2);
}

TEST_CASE("ring_pressure: program threads that drain full rings themselves keep the capture exact", "[heap][threads]")
{
    // On one CPU the program's threads fill their rings before the writer thread gets the CPU;
    // a thread with a full ring then drains in the writer's place (writer_thread.h,
    // helpDrain), unless MEMTRACE_HELP_DRAIN=0 makes it wait. Both must give the exact counts,
    // with blocks crossing threads and their addresses coming back through the freeing
    // thread's cache. End's counters say which path was taken (mutation-checked: a helpDrain
    // that emitted one ring after the other instead of merging them by key gave ~11 k
    // anomalies and as many unmatched frees).
    TempDir dir;
    const Summary base = baseline(dir);
    for (const char* help : {"1", "0"}) {
        INFO("MEMTRACE_HELP_DRAIN=" << help);
        const std::string capturePath = dir.file(std::string("help") + help + ".mtrace");
        TracedRun run;
        {
            OneCpu pinned;
            ProcessOptions options;
            options.environment = {{"MEMTRACE_HELP_DRAIN", help}};
            run = traceExample(capturePath, "ring_pressure", {}, {}, options);
        }
        INFO(run.process.describe());
        REQUIRE(run.process.status == 0);
        CHECK(run.process.out == "ring_pressure: 800000 blocks, 400000 handed over\n");
        const Summary capture = summarize(run.capture);
        expectKind(capture, base, "malloc", 800000, 38400000);
        expectKind(capture, base, "free", 800000, 38400000);
        CHECK(number(capture.data, "anomalies") == 0);
        CHECK(number(capture.data, "frees_unmatched") == 0);
        CHECK(number(capture.data, "events_lost") == 0);
        CHECK(leaksFrom(capture.data, "worker").empty());
        CHECK(number(capture.data, "ring_full_waits") > 0);
        if (std::string(help) == "1") CHECK(number(capture.data, "program_thread_drains") > 0);
        else CHECK(number(capture.data, "program_thread_drains") == 0);
    }
}

TEST_CASE("many_live: a live table far bigger than the cache, read on one CPU, is exact", "[heap][reader]")
{
    // On one CPU the reader decodes a chunk ahead and replays it with prefetches once the
    // live table outgrows the cache (capture_stream.h): these counts come through that way.
    TempDir dir;
    const Summary base = baseline(dir);
    const TracedRun run = traceExampleOk(dir.file("x.mtrace"), "many_live");
    CHECK(run.process.out == "many_live: 2 rounds of 100000 live blocks\n");
    Summary capture;
    {
        OneCpu pinned;
        capture = summarize(run.capture);
    }
    expectKind(capture, base, "malloc", 200000, 9498976);
    expectKind(capture, base, "free", 200000, 9498976);
    expectField(capture, base, "leaked_blocks", 0);
    CHECK(number(capture.data, "anomalies") == 0);
    CHECK(number(capture.data, "frees_unmatched") == 0);
    CHECK(number(capture.data, "peak_heap_bytes") == 4749488 + number(base.data, "leaked_bytes"));
}

TEST_CASE("realloc_chain: realloc(NULL, n), growth, realloc(p, 0) and shrink", "[heap][realloc]")
{
    TempDir dir;
    const Summary base = baseline(dir);
    const TracedRun run = traceExampleOk(dir.file("x.mtrace"), "realloc_chain");
    const Summary capture = summarize(run.capture);

    // realloc(NULL, 24), 100 growth steps and the shrink allocate; realloc(p, 0) only releases.
    expectKind(capture, base, "realloc", 102, 254424);
    expectKind(capture, base, "malloc", 1, 100000);
    expectKind(capture, base, "free", 1, std::nullopt);
    expectField(capture, base, "allocations", 103);
    expectField(capture, base, "allocated_bytes", 354424);
    // 100 growth steps + realloc(p, 0) + the shrink release a non-null block, + 1 free.
    expectField(capture, base, "frees", 103);
    expectField(capture, base, "leaked_bytes", 0);
    expectField(capture, base, "leaked_blocks", 0);
    CHECK(number(capture.data, "peak_heap_bytes") == 100000 + number(base.data, "leaked_bytes"));
}

TEST_CASE("realloc_chain: the size histogram holds every allocating call's size", "[heap][sizes]")
{
    TempDir dir;
    const Summary base = baseline(dir);
    const TracedRun run = traceExampleOk(dir.file("x.mtrace"), "realloc_chain");
    const Summary capture = summarize(run.capture);

    // Bucket upper bound (8, 16, 32, ... bytes) -> allocations, bytes.
    using Histogram = std::map<uint64_t, std::pair<uint64_t, uint64_t>>;
    Histogram expected;
    auto add = [&](uint64_t size) {
        uint64_t bound = 8;
        while (size > bound) bound *= 2;
        expected[bound].first += 1;
        expected[bound].second += size;
    };
    add(24);  // realloc(NULL, 24)
    for (uint64_t i = 1; i <= 100; ++i) add(24 + 40 * i);
    add(100000);  // malloc
    add(50000);   // the shrink
    auto histogram = [](const json& data) {
        Histogram h;
        uint64_t previousMax = 0;
        bool first = true;
        for (const json& row : data["size_histogram"]) {
            const uint64_t min = row["min_bytes"], max = row["max_bytes"];
            if (!first) CHECK(min == previousMax + 1);  // rows touch: empty buckets between are listed
            first = false;
            previousMax = max;
            h[max] = {row["allocations"].get<uint64_t>(), row["bytes"].get<uint64_t>()};
        }
        return h;
    };
    Histogram got = histogram(capture.data), noise = histogram(base.data);
    std::set<uint64_t> bounds;
    for (const Histogram* h : {&expected, &got, &noise})
        for (const auto& [bound, value] : *h) bounds.insert(bound);
    uint64_t count = 0, bytes = 0;
    for (uint64_t bound : bounds) {
        INFO("sizes up to " << bound << " B: capture " << got[bound].first << " / " << got[bound].second << " B, baseline "
                            << noise[bound].first << " / " << noise[bound].second << " B");
        CHECK(got[bound].first == expected[bound].first + noise[bound].first);
        CHECK(got[bound].second == expected[bound].second + noise[bound].second);
        count += got[bound].first;
        bytes += got[bound].second;
    }
    CHECK(count == number(capture.data, "allocations"));
    CHECK(bytes == number(capture.data, "allocated_bytes"));
}

TEST_CASE("aligned_allocators: every C allocator kind with its requested size", "[heap][kinds]")
{
    TempDir dir;
    const Summary base = baseline(dir);
    const TracedRun run = traceExampleOk(dir.file("x.mtrace"), "aligned_allocators");
    const Summary capture = summarize(run.capture);

    expectKind(capture, base, "posix_memalign", 1, 1000);
    expectKind(capture, base, "aligned_alloc", 1, 2048);
    expectKind(capture, base, "memalign", 1, 3000);
    expectKind(capture, base, "valloc", 1, 4000);
    expectKind(capture, base, "pvalloc", 1, 5000);  // requested, not glibc's rounded 8192
    expectKind(capture, base, "reallocarray", 1, 6000);
    expectKind(capture, base, "calloc", 1, 7000);
    // glibc implements some of these on top of each other; none may be counted twice.
    expectKind(capture, base, "malloc", 0, 0);
    expectKind(capture, base, "realloc", 0, 0);
    expectKind(capture, base, "free", 7, std::nullopt);
    expectField(capture, base, "allocations", 7);
    expectField(capture, base, "allocated_bytes", 28048);
    expectField(capture, base, "frees", 7);
    expectField(capture, base, "leaked_bytes", 0);
    CHECK(number(capture.data, "peak_heap_bytes") == 28048 + number(base.data, "leaked_bytes"));
}

TEST_CASE("cxx_new_delete: every operator new/delete form, no double counting", "[heap][kinds][cxx]")
{
    TempDir dir;
    const Summary base = baseline(dir, "empty_cxx");
    const TracedRun run = traceExampleOk(dir.file("x.mtrace"), "cxx_new_delete");
    const Summary capture = summarize(run.capture);

    expectKind(capture, base, "operator new", 3, 344);
    expectKind(capture, base, "operator new[]", 1, 80);
    expectKind(capture, base, "operator new(nothrow)", 1, 120);
    expectKind(capture, base, "operator new[](nothrow)", 1, 160);
    expectKind(capture, base, "operator new(align)", 1, 192);
    expectKind(capture, base, "operator new[](align)", 1, 384);
    expectKind(capture, base, "operator new(align, nothrow)", 1, 200);
    expectKind(capture, base, "operator new[](align, nothrow)", 1, 224);

    expectKind(capture, base, "operator delete", 1, std::nullopt);
    expectKind(capture, base, "operator delete[]", 1, std::nullopt);
    expectKind(capture, base, "operator delete(sized)", 2, std::nullopt);
    expectKind(capture, base, "operator delete[](sized)", 1, std::nullopt);
    expectKind(capture, base, "operator delete(align)", 1, std::nullopt);
    expectKind(capture, base, "operator delete[](align)", 1, std::nullopt);
    expectKind(capture, base, "operator delete(sized, align)", 1, std::nullopt);
    expectKind(capture, base, "operator delete[](sized, align)", 1, std::nullopt);

    // libstdc++'s operators call malloc / aligned_alloc / free / operator new through the
    // PLT; each user call must be one event of the operator's kind only.
    expectKind(capture, base, "malloc", 0, 0);
    expectKind(capture, base, "aligned_alloc", 0, 0);
    expectKind(capture, base, "posix_memalign", 0, 0);
    expectKind(capture, base, "memalign", 0, 0);
    expectKind(capture, base, "free", 0, std::nullopt);
    expectField(capture, base, "allocations", 10);
    expectField(capture, base, "allocated_bytes", 1704);
    expectField(capture, base, "frees", 9);
    expectField(capture, base, "leaked_bytes", 256);
    expectField(capture, base, "leaked_blocks", 1);
    expectLeakFrom(capture, "leak_one_object", 256, 1, "operator new");
}

TEST_CASE("jemalloc_mallocx: mallocx, rallocx, xallocx, sdallocx, dallocx", "[heap][kinds][jemalloc]")
{
    TempDir dir;
    // Debian's libjemalloc.so.2 depends on libstdc++ (for its operator new), so the runtime's
    // own allocations are those of a C++ program: libstdc++'s emergency pool among them.
    const Summary base = baseline(dir, "empty_cxx");
    const TracedRun run = traceExampleOk(dir.file("x.mtrace"), "jemalloc_mallocx");
    const Summary capture = summarize(run.capture);
    REQUIRE(run.process.out == "jemalloc_mallocx: xallocx kept 3072 usable bytes\n");

    expectKind(capture, base, "mallocx", 3, 10096);
    expectKind(capture, base, "rallocx", 1, 3000);
    expectKind(capture, base, "xallocx", 1, 2900);  // the requested size, not the usable 3072
    expectKind(capture, base, "sdallocx", 1, std::nullopt);
    expectKind(capture, base, "dallocx", 1, std::nullopt);
    expectKind(capture, base, "malloc", 1, 123);
    expectKind(capture, base, "free", 1, std::nullopt);
    expectField(capture, base, "leaked_bytes", 5000);
    expectField(capture, base, "leaked_blocks", 1);
    // 5000 leaked + the 123 B malloc at the end: the larger blocks before were released.
    CHECK(number(capture.data, "peak_heap_bytes") == 5123 + number(base.data, "leaked_bytes"));
    expectLeakFrom(capture, "leak_zeroed_block", 5000, 1, "mallocx");
    CHECK(reuseCodingOf(run.capture).scheme == 2);  // malloc is jemalloc's: its size classes
}

namespace {

int countFrames(const json& stack, const std::string& function)
{
    int count = 0;
    for (const json& frame : stack) {
        if (frame["function"].is_string() && frame["function"].get<std::string>().find(function) != std::string::npos)
            ++count;
    }
    return count;
}

json deepLeakStack(const std::vector<std::string>& runOptions)
{
    TempDir dir;
    const TracedRun run = traceExampleOk(dir.file("x.mtrace"), "deep_stacks", {}, runOptions);
    const Summary capture = summarize(run.capture);
    const auto leaks = leaksFrom(capture.data, "recurse");
    INFO("top_leaks: " << capture.data["top_leaks"].dump());
    REQUIRE(leaks.size() == 1);
    CHECK(leaks.front()["bytes"].get<uint64_t>() == 777);
    return leaks.front()["stack"];
}

}  // namespace

TEST_CASE("deep_stacks: all 50 frames by default, --max-depth cuts to the innermost", "[heap][stacks]")
{
    SECTION("default depth, libunwind")
    {
        const json stack = deepLeakStack({});
        INFO("stack: " << describeStack(stack));
        CHECK(countFrames(stack, "recurse") == 50);
        CHECK(stackHasFunction(stack, "main"));
    }
    SECTION("default depth, frame pointers")
    {
        const json stack = deepLeakStack({"--unwind", "fp"});
        INFO("stack: " << describeStack(stack));
        CHECK(countFrames(stack, "recurse") == 50);
        CHECK(stackHasFunction(stack, "main"));
    }
    SECTION("--max-depth 10")
    {
        const json stack = deepLeakStack({"--max-depth", "10"});
        INFO("stack: " << describeStack(stack));
        CHECK(stack.size() == 10);
        CHECK(countFrames(stack, "recurse") == 10);
    }
}

namespace {

// `memtrace flamegraph --folded --metric METRIC`: the value of every stack whose folded
// frames contain `function`, summed.
uint64_t foldedThrough(const std::string& capture, const std::string& metric, const std::string& function)
{
    const ProcessResult folded = runCommand({memtraceBinary(), "flamegraph", "--folded", "--metric", metric, capture});
    REQUIRE(folded.status == 0);
    uint64_t total = 0;
    size_t start = 0;
    while (start < folded.out.size()) {
        size_t end = folded.out.find('\n', start);
        if (end == std::string::npos) end = folded.out.size();
        const std::string line = folded.out.substr(start, end - start);
        start = end + 1;
        const size_t space = line.rfind(' ');
        if (space == std::string::npos) continue;
        const std::string frames = ";" + line.substr(0, space) + ";";
        if (frames.find(";" + function + ";") != std::string::npos) total += std::stoull(line.substr(space + 1));
    }
    return total;
}

uint64_t foldedAllocationsThrough(const std::string& capture, const std::string& function)
{
    return foldedThrough(capture, "allocations", function);
}

}  // namespace

// Both paths call malloc at the same stack address, so every walk starts at the same frame
// and its memo (preload/frame_walk.h, cfi_walk.h) has to notice that the outermost frames
// changed. A memo that checked only the innermost 8 frames put all 3000 allocations under topA.
// The default unwinder runs on the program with frame pointers (rbp-based call frames) and
// without (rsp-based), with its call-frame walk and memo, without the memo, and as libunwind
// alone.
TEST_CASE("fp_walks: every unwinder attributes alternating paths exactly, with and without the walk memos",
          "[heap][stacks]")
{
    struct Setup {
        const char* example;
        std::vector<std::string> unwind;  // memtrace run options
        const char* memo;
        const char* cfiWalk;
    };
    const Setup setups[] = {
        {"fp_walks", {"--unwind", "fp"}, "1", "1"},      {"fp_walks", {"--unwind", "fp"}, "0", "1"},
        {"fp_walks", {}, "1", "1"},                      {"fp_walks", {}, "0", "1"},
        {"fp_walks", {}, "1", "0"},                      {"fp_walks_nofp", {}, "1", "1"},
        {"fp_walks_nofp", {}, "0", "1"},                 {"fp_walks_nofp", {}, "1", "0"},
    };
    for (const Setup& setup : setups) {
        INFO(setup.example << (setup.unwind.empty() ? " default unwinder" : " --unwind fp") << ", MEMTRACE_WALK_MEMO="
                           << setup.memo << ", MEMTRACE_CFI_WALK=" << setup.cfiWalk);
        TempDir dir;
        ProcessOptions options;
        options.argv = {memtraceBinary(), "run"};
        options.argv.insert(options.argv.end(), setup.unwind.begin(), setup.unwind.end());
        for (const std::string& arg : {std::string("-o"), dir.file("fp.mtrace"), examplePath(setup.example), std::string("3000")})
            options.argv.push_back(arg);
        options.environment = {{"MEMTRACE_WALK_MEMO", setup.memo}, {"MEMTRACE_CFI_WALK", setup.cfiWalk}};
        const ProcessResult run = runProcess(options);
        REQUIRE(run.status == 0);
        CHECK(run.out == "fp_walks: 3000 rounds\n");
        CHECK(foldedAllocationsThrough(dir.file("fp.mtrace"), "topA") == 1000);
        CHECK(foldedAllocationsThrough(dir.file("fp.mtrace"), "topB") == 2000);
        CHECK(foldedAllocationsThrough(dir.file("fp.mtrace"), "leaf") == 3030);
        const Summary summary = summarize(dir.file("fp.mtrace"));
        const Summary empty = baseline(dir);
        CHECK(kindStat(summary.data, "malloc").count - kindStat(empty.data, "malloc").count == 3030);
        CHECK(kindStat(summary.data, "malloc").bytes - kindStat(empty.data, "malloc").bytes == 1000 * 16 + 2000 * 32 + 30 * 48);
    }
}

// A library unloaded and another loaded where it was, with its code at the same addresses but
// other frame sizes: the call-frame walk's rules and memo of the first must not be applied to
// the second (preload/cfi_walk.h drops both after a dlclose), or the walk through the second's
// frames reads the wrong words and the stacks miss fromLib and main.
//
// And each library's frames get its own names: the shim keys stacks by return addresses,
// which are the same in both libraries, so the second library's allocations come with the
// first's stack ids; the reader retires a stack through an unloaded module and resolves its
// id afresh at its next use (reader/stack_table.cpp, retireStacksThrough). Before that, all
// 600 allocations showed innerA and middleA. Not run with MEMTRACE_CFI_WALK=0: libunwind alone gets this wrong (its cached rules outlive
// the reload: half of the stacks lose fromLib), which is what this test guards against here.
TEST_CASE("dl_reload: whole stacks through a library reloaded with the same code addresses", "[heap][stacks]")
{
    for (const char* memo : {"1", "0"}) {
        INFO("MEMTRACE_WALK_MEMO=" << memo);
        TempDir dir;
        ProcessOptions options;
        options.argv = {memtraceBinary(), "run", "-o", dir.file("dl.mtrace"), examplePath("dl_reload"),
                        examplePath("dl_reload_a"), examplePath("dl_reload_b")};
        options.environment = {{"MEMTRACE_WALK_MEMO", memo}};
        const ProcessResult run = runProcess(options);
        REQUIRE(run.status == 0);
        CHECK(run.out == "dl_reload: 6 rounds\n");
        const std::string capture = dir.file("dl.mtrace");
        CHECK(foldedAllocationsThrough(capture, "innerA") == 300);
        CHECK(foldedAllocationsThrough(capture, "innerB") == 300);
        CHECK(foldedAllocationsThrough(capture, "middleA") == 300);
        CHECK(foldedAllocationsThrough(capture, "middleB") == 300);
        CHECK(foldedThrough(capture, "allocated", "innerA") == 5400);
        CHECK(foldedThrough(capture, "allocated", "innerB") == 5700);
    }
    // A soak capture's per-stack figures are totals since the start per stack id, so they stay
    // on the first library's stacks (StackTable::lookupCumulative): 600 through innerA, none
    // lost to stacks resolved after the last dlclose, none counted twice.
    {
        TempDir dir;
        ProcessOptions options;
        options.argv = {memtraceBinary(), "run", "--soak=1s", "-o", dir.file("soak.mtrace"), examplePath("dl_reload"),
                        examplePath("dl_reload_a"), examplePath("dl_reload_b")};
        const ProcessResult run = runProcess(options);
        REQUIRE(run.status == 0);
        const std::string capture = dir.file("soak.mtrace");
        CHECK(foldedAllocationsThrough(capture, "innerA") + foldedAllocationsThrough(capture, "innerB") == 600);
        CHECK(foldedAllocationsThrough(capture, "fromLib") == 600);
        CHECK(foldedAllocationsThrough(capture, "fromLib") == 600);
        CHECK(foldedAllocationsThrough(capture, "main") >= 600);
    }
}
