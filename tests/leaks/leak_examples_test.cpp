// Each leak example's report: exact bytes and blocks per group, the allocating function and
// its source line, the allocator kind, and the exit statuses of run --leaks / --fail-on-leak.
#include "leak_fixture.h"

using namespace memtrace::leaktest;

namespace {

void checkSite(const json& group, const std::string& function, const std::string& source, const std::string& marker)
{
    INFO(group.dump(2));
    const json& frame = group["stack"][0];
    CHECK(frame["function"] == function);
    CHECK(frame["file"].get<std::string>().ends_with("/" + source));
    CHECK(frame["line"].get<unsigned>() == markedLine(source, marker));
}

}  // namespace

TEST_CASE("a direct leak is one group with its source line")
{
    Workdir dir;
    const json report = leaksJson(record(dir, "leak_direct"));
    CHECK(report["leaked_bytes"] == 1000);
    CHECK(report["leaked_blocks"] == 1);
    REQUIRE(report["groups"].size() == 1);
    const json group = groupFrom(report, "make_request_buffer");
    CHECK(group["bytes"] == 1000);
    CHECK(group["blocks"] == 1);
    CHECK(group["kind"] == "malloc");
    checkSite(group, "make_request_buffer", "leak_direct.c", "LEAK_SITE");
    CHECK(group["stack"][1]["function"] == "main");
}

TEST_CASE("a leaked linked structure: the head and its nodes")
{
    Workdir dir;
    const json report = leaksJson(record(dir, "leak_linked_list"));
    CHECK(report["leaked_bytes"] == 32 + 5 * 48);
    CHECK(report["leaked_blocks"] == 6);
    CHECK(report["groups"].size() == 2);
    const json nodes = groupFrom(report, "new_node");
    CHECK(nodes["bytes"] == 240);
    CHECK(nodes["blocks"] == 5);
    checkSite(nodes, "new_node", "leak_linked_list.c", "NODE_SITE");
    const json head = groupFrom(report, "new_list");
    CHECK(head["bytes"] == 32);
    CHECK(head["kind"] == "calloc");
    checkSite(head, "new_list", "leak_linked_list.c", "HEAD_SITE");
    // Largest first.
    CHECK(report["groups"][0]["bytes"] == 240);
}

TEST_CASE("a leak through realloc is the last size, of kind realloc")
{
    Workdir dir;
    const json report = leaksJson(record(dir, "leak_realloc"));
    CHECK(report["leaked_bytes"] == 5000);
    CHECK(report["leaked_blocks"] == 1);
    const json group = groupFrom(report, "grow_buffer");
    CHECK(group["kind"] == "realloc");
    checkSite(group, "grow_buffer", "leak_realloc.c", "REALLOC_SITE");
}

TEST_CASE("leaks on several threads with the same stack form one group")
{
    Workdir dir;
    const json report = leaksJson(record(dir, "leak_threads"));
    CHECK(report["leaked_bytes"] == 2 * 256 * (1 + 2 + 3 + 4));
    CHECK(report["leaked_blocks"] == 8);
    REQUIRE(report["groups"].size() == 1);
    const json group = groupFrom(report, "leak_in_thread");
    CHECK(group["blocks"] == 8);
    checkSite(group, "leak_in_thread", "leak_threads.c", "THREAD_SITE");
    CHECK(group["stack"][1]["function"] == "worker");
    CHECK(group["first_alloc_s"].get<double>() <= group["last_alloc_s"].get<double>());
}

TEST_CASE("a leak inside a dlopen'd and dlclose'd library is symbolized from its module")
{
    Workdir dir;
    const json report = leaksJson(record(dir, "leak_dlopen"));
    CHECK(report["leaked_bytes"] == 777);
    CHECK(report["leaked_blocks"] == 1);
    const json group = groupFrom(report, "plugin_make_state");
    checkSite(group, "plugin_make_state", "leak_plugin.c", "PLUGIN_SITE");
    CHECK(group["stack"][0]["module"].get<std::string>().ends_with("/libleak_plugin.so"));
}

TEST_CASE("C++ leaks through new and new[] keep their kinds")
{
    Workdir dir;
    const json report = leaksJson(record(dir, "leak_cxx"));
    CHECK(report["leaked_bytes"] == 64 + 40);
    CHECK(report["leaked_blocks"] == 2);
    const json widget = groupFrom(report, "make_widget()");
    CHECK(widget["kind"] == "operator new");
    CHECK(widget["bytes"] == 64);
    checkSite(widget, "make_widget()", "leak_cxx.cpp", "WIDGET_SITE");
    const json array = groupFrom(report, "make_array()");
    CHECK(array["kind"] == "operator new[]");
    CHECK(array["bytes"] == 40);
    checkSite(array, "make_array()", "leak_cxx.cpp", "ARRAY_SITE");
    // libstdc++'s emergency exception pool is the runtime's, suppressed by default.
    CHECK(report["suppressed_bytes"].get<uint64_t>() > 0);
}

TEST_CASE("a program that frees everything has no leak")
{
    Workdir dir;
    const json report = leaksJson(record(dir, "no_leak_heavy"));
    CHECK(report["leaked_bytes"] == 0);
    CHECK(report["leaked_blocks"] == 0);
    CHECK(report["groups"].empty());
}

TEST_CASE("run --leaks keeps the program's status; --fail-on-leak exits 23 above the threshold")
{
    Workdir dir;
    auto run = [&](std::vector<std::string> options, const std::string& example) {
        std::vector<std::string> argv{kMemtrace, "run", "--force", "-o", dir.file("x.mtrace")};
        argv.insert(argv.end(), options.begin(), options.end());
        argv.push_back("--");
        argv.push_back(examplePath(example));
        return runCommand(argv);
    };
    const ProcessResult plain = run({"--leaks"}, "leak_direct");
    CHECK(plain.status == 0);
    CHECK(plain.err.find("1000 bytes in 1 block leaked in 1 place") != std::string::npos);
    CHECK(plain.out.empty());  // the report goes to stderr, the program's stdout is untouched
    CHECK(run({"--leaks", "--fail-on-leak"}, "leak_direct").status == 23);
    CHECK(run({"--fail-on-leak=999"}, "leak_direct").status == 23);
    CHECK(run({"--fail-on-leak=1000"}, "leak_direct").status == 0);
    CHECK(run({"--leaks", "--fail-on-leak"}, "no_leak_heavy").status == 0);

    // The same gate on a saved capture.
    const std::string capture = record(dir, "leak_direct");
    CHECK(runCommand({kMemtrace, "leaks", "--fail-on-leak", capture}).status == 23);
    CHECK(runCommand({kMemtrace, "leaks", "--fail-on-leak=1KiB", capture}).status == 0);
    CHECK(runCommand({kMemtrace, "leaks", "--fail-on-leak=lots", capture}).status == 2);
}

TEST_CASE("leak reports in markdown and text name the totals")
{
    Workdir dir;
    const std::string capture = record(dir, "leak_linked_list");
    const ProcessResult text = runCommand({kMemtrace, "leaks", capture});
    CHECK(text.out.find("272 bytes in 6 blocks leaked in 2 places; 0 bytes suppressed") != std::string::npos);
    const ProcessResult markdown = runCommand({kMemtrace, "leaks", "--format", "markdown", capture});
    CHECK(markdown.out.find("| # | bytes | blocks | kind | allocated in |") != std::string::npos);
    CHECK(markdown.out.find("<details><summary>#1 240 B in 5 blocks</summary>") != std::string::npos);
    const ProcessResult top = runCommand({kMemtrace, "leaks", "--format", "json", "--top", "1", capture});
    const json limited = json::parse(top.out);
    CHECK(limited["groups"].size() == 1);
    CHECK(limited["leaked_bytes"] == 272);  // totals are over every group
    const json small = json::parse(runCommand({kMemtrace, "leaks", "--format", "json", "--min-bytes", "100", capture}).out);
    CHECK(small["groups"].size() == 1);
}
