// Resource limits the program runs under are its own: the shim must not take from them what
// the program would have had untracked.
#include <catch2/catch.hpp>

#include "expectations.h"
#include "harness.h"

using namespace memtrace::integration;

namespace {

// argv run by sh under `ulimit -v limitKiB` (the launcher and the program both under it, as a
// user's shell would have them).
ProcessResult runUnderAddressLimit(long limitKiB, const std::vector<std::string>& argv)
{
    std::vector<std::string> command = {"/bin/sh", "-c", "ulimit -v " + std::to_string(limitKiB) + " && exec \"$@\"", "sh"};
    command.insert(command.end(), argv.begin(), argv.end());
    return runCommand(command);
}

}  // namespace

// The full stack table reserves ~300 MiB of address space (MAP_NORESERVE: not memory). Under
// ulimit -v 1000000 a 700 MiB malloc failed only when tracked, and under 100000 the shim did
// not start at all ("cannot map the stack table"); now the table shrinks to 1/16 of the limit.
TEST_CASE("under an address-space limit the program keeps the room it has untracked", "[hardening][limits]")
{
    TempDir dir;
    for (const auto& [limitKiB, mib] : {std::pair{1000000L, "700"}, std::pair{100000L, "40"}}) {
        DYNAMIC_SECTION("ulimit -v " << limitKiB << ", malloc " << mib << " MiB")
        {
            const std::string program = examplePath("address_limit");
            const ProcessResult untracked = runUnderAddressLimit(limitKiB, {program, mib});
            const std::string ok = std::string("address_limit: ") + mib + " MiB ok\n";
            REQUIRE(untracked.out == ok);  // else the limit is too low for this test to mean anything
            const std::string capture = dir.file(std::to_string(limitKiB) + ".mtrace");
            const ProcessResult tracked =
                runUnderAddressLimit(limitKiB, {memtraceBinary(), "run", "-o", capture, "--", program, mib});
            CHECK(tracked.status == 0);
            CHECK(tracked.out == ok);
            CHECK(tracked.err == "memtrace: capture written to " + capture + "\n");
            const Summary got = summarize(capture);
            CHECK(got.data["truncated"] == false);
            CHECK(number(got.data, "allocations") == 1001);
            CHECK(number(got.data, "frees") == 1);
            expectLeakFrom(got, "leak_under_limit", 128000, 1000, "malloc");
        }
    }
}
