// summary --json's thread_totals against thread_roles' documented numbers (the example's top
// comment): each named thread's blocks exactly, main at least its own (pthread_create's
// thread-local storage and the runtime's start-up blocks are main's too), and the threads'
// sums equal to the top-level totals.
#include <catch2/catch.hpp>

#include <map>

#include "harness.h"

using namespace memtrace::integration;

namespace {

struct ThreadNumbers {
    uint64_t allocations, allocatedBytes, temporary, leakedBytes, leakedBlocks, peakBytes;
};

ThreadNumbers numbersOf(const json& t)
{
    return {t.at("allocations").get<uint64_t>(),  t.at("allocated_bytes").get<uint64_t>(), t.at("temporary_allocations").get<uint64_t>(),
            t.at("leaked_bytes").get<uint64_t>(), t.at("leaked_blocks").get<uint64_t>(),   t.at("peak_bytes").get<uint64_t>()};
}

}  // namespace

TEST_CASE("thread_roles: thread_totals give each thread's blocks exactly and add up to the totals", "[heap][threads]")
{
    TempDir dir;
    const Summary base = baseline(dir);
    const TracedRun run = traceExampleOk(dir.file("x.mtrace"), "thread_roles");
    CHECK(run.process.out == "thread_roles: parser cache writer done\n");
    const Summary capture = summarize(run.capture);
    const json& rows = capture.data.at("thread_totals");
    REQUIRE(rows.is_array());
    REQUIRE(rows.size() == 4);
    CHECK(number(capture.data, "threads") == 4);  // still the count

    std::map<std::string, ThreadNumbers> byName;
    uint64_t previous = ~0ull;
    ThreadNumbers sum{};
    for (const json& t : rows) {
        INFO(t.dump());
        const ThreadNumbers n = numbersOf(t);
        CHECK(n.allocatedBytes <= previous);  // largest first
        previous = n.allocatedBytes;
        CHECK(t.at("tid").is_number_unsigned());
        CHECK(t.at("index").is_number_unsigned());
        byName[t.at("name").get<std::string>()] = n;
        sum.allocations += n.allocations;
        sum.allocatedBytes += n.allocatedBytes;
        sum.temporary += n.temporary;
        sum.leakedBytes += n.leakedBytes;
        sum.leakedBlocks += n.leakedBlocks;
        sum.peakBytes += n.peakBytes;
    }
    CHECK(sum.allocations == number(capture.data, "allocations"));
    CHECK(sum.allocatedBytes == number(capture.data, "allocated_bytes"));
    CHECK(sum.temporary == number(capture.data, "temporary_allocations"));
    CHECK(sum.leakedBytes == number(capture.data, "leaked_bytes"));
    CHECK(sum.leakedBlocks == number(capture.data, "leaked_blocks"));
    CHECK(sum.peakBytes == number(capture.data, "peak_heap_bytes"));

    REQUIRE(byName.count("parser"));
    REQUIRE(byName.count("cache"));
    REQUIRE(byName.count("writer"));
    REQUIRE(byName.count("thread_roles"));  // main keeps the program's name
    const ThreadNumbers parser = byName["parser"], cache = byName["cache"], writer = byName["writer"], main = byName["thread_roles"];
    CHECK(parser.allocations == 211);
    CHECK(parser.allocatedBytes == 27800);
    CHECK(parser.temporary == 200);
    CHECK(parser.leakedBytes == 5000);
    CHECK(parser.leakedBlocks == 1);
    CHECK(parser.peakBytes == 15000);
    CHECK(cache.allocations == 70);
    CHECK(cache.allocatedBytes == 88320);
    CHECK(cache.temporary == 50);
    CHECK(cache.leakedBytes == 20480);
    CHECK(cache.leakedBlocks == 5);
    CHECK(cache.peakBytes == 81920);
    CHECK(writer.allocations == 301);
    CHECK(writer.allocatedBytes == 209600);
    CHECK(writer.temporary == 301);
    CHECK(writer.leakedBytes == 0);
    CHECK(writer.leakedBlocks == 0);
    CHECK(writer.peakBytes == 200000);
    // main: its own numbers on top of the runtime's (an empty program's) and pthread_create's.
    CHECK(main.allocations >= 12 + number(base.data, "allocations"));
    CHECK(main.allocatedBytes >= 30860 + number(base.data, "allocated_bytes"));
    CHECK(main.temporary >= 10 + number(base.data, "temporary_allocations"));
    CHECK(main.leakedBytes >= 700 + number(base.data, "leaked_bytes"));
    CHECK(main.peakBytes >= 30000 + number(base.data, "leaked_bytes"));
    // The order: writer, cache, main, parser (main's own 30860 B are more than parser's).
    CHECK(rows[0].at("name") == "writer");
    CHECK(rows[1].at("name") == "cache");
}
