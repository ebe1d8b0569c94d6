// Suppressions: LeakSanitizer's pattern rules (unit), files with counts, malformed files,
// built-ins on and off (end to end).
#include <fstream>

#include "leak_fixture.h"
#include "report/leak_suppressions.h"

using namespace memtrace::leaktest;
using memtrace::report::FrameNames;
using memtrace::report::matchesTemplate;
using memtrace::report::SuppressionList;

TEST_CASE("patterns follow LeakSanitizer: substring, '*', '^' and '$'")
{
    CHECK(matchesTemplate("alloc", "my_allocator"));
    CHECK(matchesTemplate("^my_", "my_allocator"));
    CHECK_FALSE(matchesTemplate("^alloc", "my_allocator"));
    CHECK(matchesTemplate("ator$", "my_allocator"));
    CHECK_FALSE(matchesTemplate("alloc$", "my_allocator"));
    CHECK(matchesTemplate("my*tor", "my_allocator"));
    CHECK(matchesTemplate("^my*tor$", "my_allocator"));
    CHECK_FALSE(matchesTemplate("^my*tox$", "my_allocator"));
    CHECK(matchesTemplate("lib*.so", "/usr/lib/libfoo.so.1"));
    CHECK(matchesTemplate("*", "anything"));
    CHECK_FALSE(matchesTemplate("", "anything"));
}

TEST_CASE("a suppression matches function, file or module of any frame")
{
    SuppressionList list;
    list.addText("# comment\n\nleak:^inner$\nleak:other.c\nleak:libplugin\n", "t.supp");
    REQUIRE(list.entries().size() == 3);
    CHECK(list.entries()[0].origin == "t.supp:3");
    const std::vector<FrameNames> stack{{"alloc_it", "/src/a.c", "/bin/app"}, {"inner", "/src/b.c", "/bin/app"}};
    CHECK(list.match(stack) == 0);
    CHECK(list.match({{"x", "/src/other.c", "/bin/app"}}) == 1);
    CHECK(list.match({{"x", "/src/x.c", "/usr/lib/libplugin.so"}}) == 2);
    CHECK(list.match({{"x", "/src/x.c", "/bin/app"}}) == -1);
}

TEST_CASE("a malformed suppression file is an error naming its line")
{
    SuppressionList list;
    CHECK_THROWS_WITH(list.addText("leak:ok\nrace:foo\n", "bad.supp"), Catch::Contains("bad.supp:2"));
    CHECK_THROWS_WITH(list.addText("leak:\n", "empty.supp"), Catch::Contains("empty.supp:1"));
    CHECK_THROWS_WITH(list.addText("just words\n", "w.supp"), Catch::Contains("w.supp:1"));
}

TEST_CASE("built-in rules only look at the runtime's own innermost frames")
{
    SuppressionList list;
    list.addBuiltIns();
    // stdio's buffer, allocated for the program's puts: suppressed.
    CHECK(list.match({{"_IO_file_doallocate", "", "/lib/x86_64-linux-gnu/libc.so.6"},
                      {"main", "m.c", "/bin/app"}}) >= 0);
    // A stack with no program frame at all (libstdc++'s pool at start-up): suppressed.
    CHECK(list.match({{"libstdc++.so.6+0xa57ba", "", "/lib/x86_64-linux-gnu/libstdc++.so.6"},
                      {"_dl_init", "", "/lib64/ld-linux-x86-64.so.2"}}) >= 0);
    // The program's leak made in a constructor run by dlopen: dl_open_worker further out on
    // the stack must not hide it.
    CHECK(list.match({{"plugin_init", "p.c", "/tmp/libp.so"},
                      {"_dl_init", "", "/lib64/ld-linux-x86-64.so.2"},
                      {"dl_open_worker", "", "/lib/x86_64-linux-gnu/libc.so.6"},
                      {"main", "m.c", "/bin/app"}}) == -1);
}

TEST_CASE("suppression files end to end: counted, several files, exit statuses")
{
    Workdir dir;
    const std::string capture = record(dir, "leak_linked_list");
    {
        std::ofstream(dir.file("a.supp")) << "# the nodes\nleak:new_node\n";
        std::ofstream(dir.file("b.supp")) << "leak:^new_list$\n";
    }
    const json one = leaksJson(capture, {"--suppressions", dir.file("a.supp")});
    CHECK(one["leaked_bytes"] == 32);
    CHECK(one["suppressed_bytes"].get<uint64_t>() >= 240);
    bool counted = false;
    for (const json& s : one["suppressions"])
        if (s["pattern"] == "new_node") {
            counted = true;
            CHECK(s["matched"] == 1);
            CHECK(s["bytes"] == 240);
            CHECK(s["blocks"] == 5);
        }
    CHECK(counted);
    const json both = leaksJson(capture, {"--suppressions", dir.file("a.supp"), "--suppressions", dir.file("b.supp")});
    CHECK(both["leaked_bytes"] == 0);
    CHECK(runCommand({kMemtrace, "leaks", "--fail-on-leak", "--suppressions", dir.file("a.supp"), "--suppressions",
                      dir.file("b.supp"), capture})
              .status == 0);

    std::ofstream(dir.file("bad.supp")) << "leak:fine\nnot a rule\n";
    const ProcessResult bad = runCommand({kMemtrace, "leaks", "--suppressions", dir.file("bad.supp"), capture});
    CHECK(bad.status == 2);
    CHECK(bad.err.find("bad.supp:2") != std::string::npos);
    CHECK(runCommand({kMemtrace, "leaks", "--suppressions", dir.file("missing.supp"), capture}).status == 2);
}

TEST_CASE("built-in suppressions can be listed and switched off")
{
    Workdir dir;
    const std::string capture = record(dir, "leak_cxx");
    const json defaults = leaksJson(capture);
    const json raw = leaksJson(capture, {"--no-default-suppressions"});
    CHECK(raw["suppressed_bytes"] == 0);
    CHECK(raw["leaked_bytes"].get<uint64_t>() == defaults["leaked_bytes"].get<uint64_t>() +
                                                     defaults["suppressed_bytes"].get<uint64_t>());
    const ProcessResult list = runCommand({kMemtrace, "leaks", "--print-suppressions"});
    CHECK(list.status == 0);
    CHECK(list.out.find("leak:_IO_file_doallocate") != std::string::npos);
    const ProcessResult none = runCommand({kMemtrace, "leaks", "--print-suppressions", "--no-default-suppressions"});
    CHECK(none.out.empty());
}
