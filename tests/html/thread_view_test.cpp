// The thread filter's data (report/html/thread_view.h) from synthetic captures read the way
// `memtrace report` reads them: with more threads than are listed one by one, the smallest
// share one "[other threads]" entry; past the entry cap (small here, 400,000 by default), the
// thread that would pass it and every smaller one join that entry. Every frame has its own
// address, so each tree's nodes per thread are known exactly (no node is pruned: every stack
// holds far more than 1e-4 of the allocations).
#include <catch2/catch.hpp>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "capture_builder.h"
#include "reader/capture_loader.h"
#include "report/html/report_data.h"
#include "report/thread_totals.h"

using memtrace::format::AllocatorKind;
using memtrace::report::ThreadTotalsRow;
using memtrace::report::threadTotals;
using memtrace::report::html::buildReportData;
using memtrace::report::html::ReportOptions;
using memtrace::test::CaptureBuilder;
using nlohmann::json;

namespace {

constexpr size_t kMetrics = 5;  // peak, leaked, allocated, allocations, temporary
constexpr size_t kAllocated = 2;

struct Report {
    json threads;
    std::vector<ThreadTotalsRow> rows;  // as `summary --json` gives thread_totals
    std::vector<uint64_t> totals;       // the whole capture, per metric
};

Report report(const std::string& path, const ReportOptions& options)
{
    memtrace::reader::CaptureModel model;
    const memtrace::reader::StreamResult read = memtrace::reader::loadCapture(path, model);
    REQUIRE(read.usable());
    memtrace::reader::Symbolizer symbolizer(model.stacks());
    const json data = buildReportData(path, model, read, symbolizer, options);
    Report r{data.at("threads"), threadTotals(model), {}};
    for (const json& m : data.at("metrics")) r.totals.push_back(m.at("total").get<uint64_t>());
    return r;
}

std::vector<uint64_t> rowValues(const ThreadTotalsRow& r)
{
    return {r.peakBytes, r.leakedBytes, r.allocatedBytes, r.allocations, r.temporary};
}

std::vector<uint64_t> totalsOf(const json& group) { return group.at("totals").get<std::vector<uint64_t>>(); }

// The values at node 0 (the root) of a group's sparse list, per metric.
std::vector<uint64_t> rootOf(const json& list)
{
    REQUIRE(list.at("node").size() > 0);
    REQUIRE(list.at("node")[0] == 0);
    std::vector<uint64_t> out;
    for (size_t m = 0; m < kMetrics; ++m) out.push_back(list.at("values")[m][0].get<uint64_t>());
    return out;
}

size_t nodesOf(const json& group) { return group.at("tree").at("node").size() + group.at("caller_tree").at("node").size(); }

std::vector<uint32_t> indexes(const json& groups)
{
    std::vector<uint32_t> out;
    for (const json& g : groups)
        if (!g.contains("other")) out.push_back(g.at("index").get<uint32_t>());
    return out;
}

// Every group's totals are its threads' and its roots (call tree and inverted) equal them;
// together the groups are the whole capture.
void checkGroupsAddUp(const Report& r)
{
    std::map<uint32_t, std::vector<uint64_t>> byIndex;
    for (const ThreadTotalsRow& row : r.rows) byIndex[row.index] = rowValues(row);
    std::vector<uint64_t> sum(kMetrics, 0);
    for (const json& g : r.threads.at("groups")) {
        INFO(g.at("name").get<std::string>());
        std::vector<uint64_t> want(kMetrics, 0);
        const std::vector<uint32_t> members =
            g.contains("other") ? g.at("members").get<std::vector<uint32_t>>() : std::vector<uint32_t>{g.at("index").get<uint32_t>()};
        for (uint32_t t : members)
            for (size_t m = 0; m < kMetrics; ++m) want[m] += byIndex.at(t)[m];
        CHECK(totalsOf(g) == want);
        CHECK(rootOf(g.at("tree")) == want);
        CHECK(rootOf(g.at("caller_tree")) == want);
        for (size_t m = 0; m < kMetrics; ++m) sum[m] += want[m];
    }
    CHECK(sum == r.totals);
}

// 40 threads, thread t (index t, name "tNN") allocating from its own stack [leaf_t, run]
// (innermost first): 100 u bytes freed at the end, u bytes leaked, 8 bytes freed at once
// (temporary), with u = (7 t) % 40 + 1, so index order is not size order. Allocated: 101 u + 8.
std::string writeFortyThreads()
{
    constexpr uint64_t kRun = 0x500000, kLeaf = 0x600000;
    CaptureBuilder b;
    b.processInfo(900, "/opt/forty/forty", {"forty"});
    auto& e = b.records();
    for (uint32_t t = 0; t < 40; ++t) {
        b.threadStart(t, 9000 + t, "t" + std::to_string(t));
        const uint64_t frames[] = {kLeaf + 0x10 * t, kRun};
        e.stack(t + 1, frames, 2);
    }
    uint64_t time = 0;
    for (uint32_t t = 0; t < 40; ++t) {
        const uint64_t u = (7 * t) % 40 + 1, base = 0x10000000 + 0x10000 * uint64_t{t};
        e.time(time += 10);
        e.thread(t);
        e.alloc(AllocatorKind::Malloc, base, 100 * u, t + 1);
        e.alloc(AllocatorKind::Malloc, base + 0x1000, u, t + 1);
        e.alloc(AllocatorKind::Malloc, base + 0x2000, 8, t + 1);
        e.free(AllocatorKind::Free, base + 0x2000);
    }
    for (uint32_t t = 0; t < 40; ++t) {
        e.time(time += 10);
        e.thread(t);
        e.free(AllocatorKind::Free, 0x10000000 + 0x10000 * uint64_t{t});
    }
    b.end();
    b.endChunk();
    return b.write("forty_threads.mtrace");
}

// The thread index whose unit is u in writeFortyThreads.
uint32_t threadOfUnit(uint64_t u)
{
    for (uint32_t t = 0; t < 40; ++t)
        if ((7 * t) % 40 + 1 == u) return t;
    FAIL("no thread has unit " << u);
    return 0;
}

// Five threads by allocated bytes, largest first: k distinct stacks [leaf_(t,j), outer_t] each
// (innermost first), one leaked block per stack:
//   rank  index  stacks  allocated   entries: call tree 2 + k (root, outer, leaves),
//   0     3      10      50000                inverted 1 + 2k (root, leaves, outer above
//   1     0      20      40000                each): 3 + 3k
//   2     4      30      30000       -> 33, 63, 93, 6, 9 entries
//   3     1       1      20000
//   4     2       2      10000
struct CapThread {
    uint32_t index, stacks;
    uint64_t allocated;
};
constexpr CapThread kCapThreads[] = {{3, 10, 50000}, {0, 20, 40000}, {4, 30, 30000}, {1, 1, 20000}, {2, 2, 10000}};

std::string writeCapThreads()
{
    CaptureBuilder b;
    b.processInfo(901, "/opt/cap/cap", {"cap"});
    auto& e = b.records();
    uint64_t stack = 0, time = 0;
    for (const CapThread& c : kCapThreads) {
        b.threadStart(c.index, 9100 + c.index, "c" + std::to_string(c.index));
        const uint64_t first = stack + 1;
        for (uint32_t j = 0; j < c.stacks; ++j) {
            const uint64_t frames[] = {0x700000 + 0x1000 * uint64_t{c.index} + 0x10 * j, 0x800000 + 0x10 * uint64_t{c.index}};
            e.stack(++stack, frames, 2);
        }
        e.time(time += 10);
        e.thread(c.index);
        for (uint32_t j = 0; j < c.stacks; ++j)
            e.alloc(AllocatorKind::Malloc, 0x20000000 + 0x1000 * (first + j), c.allocated / c.stacks, first + j);
    }
    b.end();
    b.endChunk();
    return b.write("cap_threads.mtrace");
}

}  // namespace

TEST_CASE("thread filter: past the largest 32 threads, the rest share the other-threads entry", "[thread_view]")
{
    const std::string path = writeFortyThreads();
    const Report r = report(path, {});
    const json& th = r.threads;
    INFO(th.dump().substr(0, 2000));
    REQUIRE(th.at("available") == true);
    CHECK(th.at("listed_max") == 32);
    CHECK(th.at("entry_cap") == 400000);
    CHECK(th.at("capped") == false);
    REQUIRE(r.rows.size() == 40);
    const json& groups = th.at("groups");
    REQUIRE(groups.size() == 33);

    // Listed: units 40 down to 9, largest first, each with its own numbers.
    for (size_t i = 0; i < 32; ++i) {
        const uint64_t u = 40 - i;
        const json& g = groups[i];
        INFO("group " << i << ": unit " << u);
        CHECK_FALSE(g.contains("other"));
        CHECK(g.at("index") == threadOfUnit(u));
        CHECK(g.at("name") == "t" + std::to_string(threadOfUnit(u)));
        CHECK(g.at("tid") == 9000 + threadOfUnit(u));
        CHECK(totalsOf(g)[kAllocated] == 101 * u + 8);
        CHECK(g.at("tree").at("node").size() == 3);         // root, run, its leaf
        CHECK(g.at("caller_tree").at("node").size() == 3);  // root, its leaf, run
    }
    // "[other threads]": units 8 down to 1, their sums.
    const json& other = groups[32];
    CHECK(other.at("other") == true);
    CHECK(other.at("name") == "[other threads]");
    CHECK_FALSE(other.contains("index"));
    std::vector<uint32_t> members;
    for (uint64_t u = 8; u >= 1; --u) members.push_back(threadOfUnit(u));
    CHECK(other.at("members").get<std::vector<uint32_t>>() == members);
    CHECK(totalsOf(other)[kAllocated] == 101 * 36 + 8 * 8);
    CHECK(totalsOf(other)[3] == 3 * 8);  // allocations
    CHECK(totalsOf(other)[4] == 8);      // temporary: one per thread
    CHECK(totalsOf(other)[1] == 36);     // leaked: u bytes each
    CHECK(other.at("tree").at("node").size() == 2 + 8);         // root, run, 8 leaves
    CHECK(other.at("caller_tree").at("node").size() == 1 + 16);  // root, 8 leaves, run above each
    CHECK(th.at("entries") == 32 * 6 + 10 + 17);
    checkGroupsAddUp(r);

    // The listed count is an option: with 39, only the smallest thread is "other"; with 40 none.
    ReportOptions options;
    options.listedThreads = 39;
    const Report r39 = report(path, options);
    REQUIRE(r39.threads.at("groups").size() == 40);
    CHECK(r39.threads.at("groups")[39].at("members") == json::array({threadOfUnit(1)}));
    checkGroupsAddUp(r39);
    options.listedThreads = 40;
    const Report r40 = report(path, options);
    CHECK(r40.threads.at("groups").size() == 40);
    for (const json& g : r40.threads.at("groups")) CHECK_FALSE(g.contains("other"));
    checkGroupsAddUp(r40);
}

TEST_CASE("thread filter: the thread that would pass the entry cap and every smaller one join the other-threads entry", "[thread_view]")
{
    const std::string path = writeCapThreads();
    const std::vector<uint32_t> byRank = {3, 0, 4, 1, 2};

    // Without a cap in the way (400,000 by default): all five listed, 204 entries.
    {
        const Report r = report(path, {});
        CHECK(r.threads.at("entry_cap") == 400000);
        CHECK(r.threads.at("capped") == false);
        CHECK(indexes(r.threads.at("groups")) == byRank);
        CHECK(r.threads.at("groups").size() == 5);
        CHECK(r.threads.at("entries") == 33 + 63 + 93 + 6 + 9);
        const std::vector<size_t> want = {33, 63, 93, 6, 9};
        for (size_t i = 0; i < 5; ++i) CHECK(nodesOf(r.threads.at("groups")[i]) == want[i]);
        for (size_t i = 0; i < 5; ++i) CHECK(totalsOf(r.threads.at("groups")[i])[kAllocated] == kCapThreads[i].allocated);
        checkGroupsAddUp(r);
    }
    struct Case {
        size_t cap;
        std::vector<uint32_t> listed, other;
        size_t entries;  // listed, then "[other threads]": call tree 1 + outers + leaves, inverted 1 + 2 leaves
    };
    const Case cases[] = {
        // Exactly at the cap: the first two fit (33 + 63 = 96). The third (93) would pass it;
        // the fourth (6) would still fit, but smaller threads never jump the queue.
        {96, {3, 0}, {4, 1, 2}, 96 + (1 + 3 + 33) + (1 + 2 * 33)},
        {95, {3}, {0, 4, 1, 2}, 33 + (1 + 4 + 53) + (1 + 2 * 53)},
        {32, {}, {3, 0, 4, 1, 2}, (1 + 5 + 63) + (1 + 2 * 63)},  // not even the largest: all in one entry
    };
    for (const Case& c : cases) {
        INFO("cap " << c.cap);
        ReportOptions options;
        options.maxThreadEntries = c.cap;
        const Report r = report(path, options);
        const json& th = r.threads;
        REQUIRE(th.at("available") == true);
        CHECK(th.at("entry_cap") == c.cap);
        CHECK(th.at("capped") == true);
        CHECK(indexes(th.at("groups")) == c.listed);
        REQUIRE(th.at("groups").size() == c.listed.size() + 1);
        const json& other = th.at("groups").back();
        CHECK(other.at("other") == true);
        CHECK(other.at("members").get<std::vector<uint32_t>>() == c.other);
        uint64_t allocated = 0;
        for (size_t i = c.listed.size(); i < 5; ++i) allocated += kCapThreads[i].allocated;
        CHECK(totalsOf(other)[kAllocated] == allocated);
        CHECK(th.at("entries") == c.entries);
        checkGroupsAddUp(r);
    }
    // Both limits: listing 3 stops before the cap of 200 does, so the page says the
    // listed count, not the cap, put the rest there.
    ReportOptions options;
    options.listedThreads = 3;
    options.maxThreadEntries = 200;
    const Report r = report(path, options);
    CHECK(r.threads.at("capped") == false);
    CHECK(indexes(r.threads.at("groups")) == std::vector<uint32_t>{3, 0, 4});
    CHECK(r.threads.at("groups").back().at("members") == json::array({1, 2}));
    checkGroupsAddUp(r);
}
