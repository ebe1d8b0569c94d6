// `memtrace run` as a launcher: exit statuses, killed programs, the program's output,
// capture naming, existing files, the user's LD_PRELOAD and fork/exec following.
#include <fstream>

#include <catch2/catch.hpp>

#include <regex>
#include <set>
#include <sstream>
#include <unistd.h>

#include "expectations.h"
#include "harness.h"

using namespace memtrace::integration;

namespace {

int printedPid(const std::string& out, const std::string& label)
{
    const std::regex line(label + R"( (\d+))");
    std::smatch match;
    if (!std::regex_search(out, match, line)) return -1;
    return std::stoi(match[1]);
}

std::vector<std::string> filesIn(const TempDir& dir)
{
    std::vector<std::string> names;
    for (const auto& entry : fs::directory_iterator(dir.path())) names.push_back(entry.path().filename().string());
    std::sort(names.begin(), names.end());
    return names;
}

std::string joined(const std::vector<std::string>& names)
{
    std::string text;
    for (const auto& name : names) text += name + " ";
    return text;
}

}  // namespace

TEST_CASE("memtrace run OPTIONS -- PROGRAM ARGS runs PROGRAM with ARGS", "[process][cli]")
{
    TempDir dir;
    const std::string capture = dir.file("x.mtrace");
    const ProcessResult run =
        runCommand({memtraceBinary(), "run", "-o", capture, "--", examplePath("exit_code"), "3", "--print-pid"});
    INFO(run.describe());
    CHECK(run.status == 3);
    CHECK(run.out.rfind("exit_code: pid ", 0) == 0);
    CHECK(announcedCapture(run.err) == capture);
}

TEST_CASE("the program's exit status passes through and is recorded", "[process][exit]")
{
    for (int code : {0, 3, 42}) {
        DYNAMIC_SECTION("exit " << code)
        {
            TempDir dir;
            const TracedRun run = traceExampleOk(dir.file("x.mtrace"), "exit_code", {std::to_string(code)}, {}, code);
            const Summary capture = summarize(run.capture);
            CHECK(exitStatusIs(capture.data, false, code));
            CHECK(capture.data["truncated"] == false);
        }
    }
}

TEST_CASE("a killed program leaves a readable capture with every flushed event", "[process][crash]")
{
    struct Mode {
        std::string name;
        int status;
        bool signaled;
        int code;
        std::optional<bool> truncated;
    };
    // SIGKILL cannot be caught: the capture ends with the writer's last chunk. The shim's
    // handler ends it on SIGSEGV and SIGABRT (next test), _exit's hook on _exit.
    const Mode modes[] = {
        {"kill", 137, true, 9, true},
        {"segv", 139, true, 11, false},
        {"abort", 134, true, 6, false},
        {"_exit", 5, false, 5, false},
    };
    for (const Mode& mode : modes) {
        DYNAMIC_SECTION("crash " << mode.name)
        {
            TempDir dir;
            const Summary base = baseline(dir);
            const TracedRun run = traceExampleOk(dir.file("x.mtrace"), "crash", {mode.name}, {}, mode.status);
            CHECK(run.process.out == "crash: allocated 100000 blocks, dying by " + mode.name + "\n");
            const Summary capture = summarize(run.capture);
            INFO("summary stderr: " << capture.process.err);
            if (mode.truncated) CHECK(capture.data["truncated"] == *mode.truncated);
            if (mode.truncated == true) {
                static const std::regex message(
                    R"(^memtrace: capture truncated at byte \d+; events up to [0-9.]+ s were read\n$)");
                CHECK(std::regex_match(capture.process.err, message));
            }
            if (mode.truncated == false) CHECK(capture.process.err.empty());
            CHECK(exitStatusIs(capture.data, mode.signaled, mode.code));
            // The program slept 500 ms (> the 100 ms flush interval) before dying, so every
            // allocation is in the file. The baseline's calls all happen at start-up (none at
            // exit), so they are in this capture too, even when the process was killed.
            expectKind(capture, base, "malloc", 100000, 3200000);
            expectKind(capture, base, "free", 50000, std::nullopt);
            expectField(capture, base, "leaked_blocks", 50000);
            expectField(capture, base, "leaked_bytes", 1600000);
            CHECK(capture.data["duration_s"].get<double>() >= 1.0);
            CHECK(number(capture.data, "peak_rss_bytes") > 0);
        }
    }
}

TEST_CASE("a program killed by a signal right after its last allocation: the capture has every event and its End",
          "[process][crash][signal]")
{
    // No sleep before dying: without the shim's end-of-capture handler (preload/fatal_signals.h)
    // the last flush interval of allocations and the End record would be lost.
    struct Mode {
        std::string name;
        int signal;
        std::string extraOutput;
    };
    const Mode modes[] = {
        {"segv", 11, ""}, {"abort", 6, ""}, {"term", 15, ""}, {"pipe", 13, ""}, {"handler", 15, "crash: handler ran\n"},
    };
    for (const Mode& mode : modes) {
        DYNAMIC_SECTION("dying by " << mode.name)
        {
            TempDir dir;
            const Summary base = baseline(dir);
            const TracedRun run = traceExampleOk(dir.file("x.mtrace"), "crash", {mode.name, "0"}, {}, 128 + mode.signal);
            CHECK(run.process.out == "crash: allocated 100000 blocks, dying by " + mode.name + "\n" + mode.extraOutput);
            const Summary capture = summarize(run.capture);
            INFO("summary stderr: " << capture.process.err);
            CHECK(capture.process.err.empty());
            CHECK(capture.data["truncated"] == false);
            CHECK(capture.data["ended_by_signal"] == true);
            CHECK(exitStatusIs(capture.data, true, mode.signal));
            expectKind(capture, base, "malloc", 100000, 3200000);
            expectKind(capture, base, "free", 50000, std::nullopt);
            expectField(capture, base, "leaked_blocks", 50000);
            expectField(capture, base, "leaked_bytes", 1600000);
        }
    }
    SECTION("--no-signal-handlers leaves the signal alone: the capture is cut")
    {
        TempDir dir;
        const TracedRun run = traceExampleOk(dir.file("x.mtrace"), "crash", {"term", "0"}, {"--no-signal-handlers"}, 128 + 15);
        const Summary capture = summarize(run.capture);
        CHECK(capture.data["truncated"] == true);
        CHECK(capture.data["ended_by_signal"] == false);
        CHECK(exitStatusIs(capture.data, true, 15));
    }
}

TEST_CASE("the program's stdout and stderr are unchanged under memtrace", "[process][output]")
{
    for (const char* example : {"leaky_service", "realloc_chain", "aligned_allocators", "cxx_new_delete"}) {
        DYNAMIC_SECTION(example)
        {
            TempDir dir;
            const ProcessResult native = runCommand({examplePath(example)});
            REQUIRE(native.status == 0);
            const TracedRun run = traceExampleOk(dir.file("x.mtrace"), example);
            CHECK(run.process.out == native.out);
            // memtrace adds exactly one line to stderr: the capture's name.
            CHECK(run.process.err == native.err + "memtrace: capture written to " + run.capture + "\n");
        }
    }
}

TEST_CASE("run -o expands %p to the program's pid and %h to the host name", "[process][naming]")
{
    TempDir dir;
    SECTION("%p")
    {
        const TracedRun run = traceExample(dir.file("cap.%p.mtrace"), "exit_code", {"0", "--print-pid"});
        INFO(run.process.describe());
        REQUIRE(run.process.status == 0);
        const int pid = printedPid(run.process.out, "exit_code: pid");
        REQUIRE(pid > 0);
        const std::string expected = dir.file("cap." + std::to_string(pid) + ".mtrace");
        CHECK(announcedCapture(run.process.err) == expected);
        CHECK(fs::exists(expected));
        CHECK(filesIn(dir) == std::vector<std::string>{"cap." + std::to_string(pid) + ".mtrace"});
        summarize(expected);
    }
    SECTION("%h")
    {
        char host[256] = {};
        REQUIRE(gethostname(host, sizeof host - 1) == 0);
        const TracedRun run = traceExample(dir.file("cap.%h.mtrace"), "exit_code", {"0"});
        INFO(run.process.describe());
        REQUIRE(run.process.status == 0);
        const std::string expected = dir.file(std::string("cap.") + host + ".mtrace");
        CHECK(announcedCapture(run.process.err) == expected);
        CHECK(fs::exists(expected));
    }
}

TEST_CASE("run without -o: the capture is memtrace.<program>.<pid>.mtrace in the working directory",
          "[process][naming]")
{
    TempDir dir;
    ProcessOptions options;
    options.workingDirectory = dir.path().string();
    const TracedRun run = traceExample("", "exit_code", {"0", "--print-pid"}, {}, options);
    INFO(run.process.describe());
    REQUIRE(run.process.status == 0);
    const int pid = printedPid(run.process.out, "exit_code: pid");
    REQUIRE(pid > 0);
    const std::string expected = dir.file("memtrace.exit_code." + std::to_string(pid) + ".mtrace");
    CHECK(announcedCapture(run.process.err) == expected);
    CHECK(fs::exists(expected));
}

TEST_CASE("an existing capture is not overwritten without --force", "[process][naming]")
{
    TempDir dir;
    const std::string capture = dir.file("x.mtrace");
    writeFile(capture, "precious\n");

    const TracedRun refused = traceExample(capture, "exit_code", {"0", "--print-pid"});
    INFO(refused.process.describe());
    CHECK(refused.process.status == 2);
    CHECK(refused.process.out.empty());  // the program did not run
    CHECK(readFile(capture) == "precious\n");
    CHECK(announcedCapture(refused.process.err).empty());

    const TracedRun forced = traceExample(capture, "exit_code", {"0", "--print-pid"}, {"--force"});
    INFO(forced.process.describe());
    CHECK(forced.process.status == 0);
    CHECK(announcedCapture(forced.process.err) == capture);
    const Summary summary = summarize(capture);
    CHECK(exitStatusIs(summary.data, false, 0));
}

TEST_CASE("the user's LD_PRELOAD stays in effect and the program is still traced", "[process][preload]")
{
    TempDir dir;
    ProcessOptions options;
    options.environment = {{"LD_PRELOAD", "libjemalloc.so.2"}};
    const TracedRun run = traceExample(dir.file("x.mtrace"), "preload_probe", {}, {}, options);
    INFO(run.process.describe());
    REQUIRE(run.process.status == 0);
    CHECK(run.process.out == "preload_probe: jemalloc loaded: yes\n");
    const Summary capture = summarize(run.capture);
    expectLeakFrom(capture, "leak_probe_block", 31337, 1, "malloc");
}

TEST_CASE("run --follow-fork: the forked child and the exec'd program get their own captures", "[process][fork]")
{
    TempDir dir;
    const Summary base = baseline(dir);
    const Summary leakyBase = [&] {
        const TracedRun run = traceExampleOk(dir.file("leaky.mtrace"), "leaky_service");
        return summarize(run.capture);
    }();

    TempDir out;
    const std::string capture = out.file("x.mtrace");
    const TracedRun run =
        traceExampleOk(capture, "fork_exec", {examplePath("leaky_service")}, {"--follow-fork"});
    const int worker = printedPid(run.process.out, "fork_exec: child");
    const int execed = printedPid(run.process.out, "fork_exec: exec child");
    REQUIRE(worker > 0);
    REQUIRE(execed > 0);
    INFO("files: " << joined(filesIn(out)));

    SECTION("the parent's capture has the parent's calls only")
    {
        const Summary parent = summarize(capture);
        expectKind(parent, base, "malloc", 1, 1111);
        expectKind(parent, base, "free", 1, std::nullopt);
        CHECK(leaksFrom(parent.data, "child_work").empty());
        CHECK(exitStatusIs(parent.data, false, 0));
    }
    SECTION("the forked child's capture is <capture>.<pid> with exactly its calls")
    {
        const std::string childCapture = capture + "." + std::to_string(worker);
        REQUIRE(fs::exists(childCapture));
        const Summary child = summarize(childCapture);
        // Everything the runtime allocated happened before the fork, in the parent.
        CHECK(kindStat(child.data, "malloc").count == 5);
        CHECK(kindStat(child.data, "malloc").bytes == 11110);
        CHECK(kindStat(child.data, "free").count == 3);
        CHECK(number(child.data, "leaked_bytes") == 4444);
        CHECK(number(child.data, "leaked_blocks") == 2);
        expectLeakFrom(child, "child_work", 4444, 2, "malloc");
    }
    SECTION("the exec'd program's capture is memtrace.<program>.<pid>.mtrace beside it")
    {
        const std::string execCapture = out.file("memtrace.leaky_service." + std::to_string(execed) + ".mtrace");
        REQUIRE(fs::exists(execCapture));
        const Summary program = summarize(execCapture);
        CHECK(number(program.data, "leaked_bytes") == number(leakyBase.data, "leaked_bytes"));
        CHECK(number(program.data, "allocations") == number(leakyBase.data, "allocations"));
        expectLeakFrom(program, "leak_page_buffers", 40960, 10, "malloc");
    }
}

TEST_CASE("run --follow-fork: an earlier run's child captures are refused, or removed with --force", "[process][fork]")
{
    // A child of this run whose pid an earlier run's child had would find <capture>.<pid>
    // taken and run untraced ("not tracking ... File exists"), even with --force, which only
    // removed <capture> and its exec chain.
    TempDir out;
    const std::string capture = out.file("x.mtrace");
    const std::string stale = capture + ".4194303";  // a pid from an earlier run
    const std::string unrelated = capture + ".old";  // not a pid: not ours to remove
    for (const std::string& path : {stale, unrelated}) std::ofstream(path) << "earlier run";

    const TracedRun refused = traceExample(capture, "fork_exec", {examplePath("leaky_service")}, {"--follow-fork"});
    INFO(refused.process.describe());
    CHECK(refused.process.status == 2);
    CHECK(refused.process.err.find(stale + " already exists (use --force to overwrite)") != std::string::npos);
    CHECK(fs::exists(stale));

    // Without --follow-fork this run makes no child captures: the file is left alone.
    traceExampleOk(capture, "exit_code", {"0"});
    CHECK(fs::exists(stale));
    fs::remove(capture);

    const TracedRun forced = traceExampleOk(capture, "fork_exec", {examplePath("leaky_service")}, {"--follow-fork", "--force"});
    CHECK_FALSE(fs::exists(stale));
    CHECK(fs::exists(unrelated));
    const int worker = printedPid(forced.process.out, "fork_exec: child");
    REQUIRE(worker > 0);
    CHECK(number(summarize(capture + "." + std::to_string(worker)).data, "leaked_bytes") == 4444);
}

TEST_CASE("run without --follow-fork: only the started process is traced", "[process][fork]")
{
    TempDir dir;
    const Summary base = baseline(dir);
    TempDir out;
    const std::string capture = out.file("x.mtrace");
    traceExampleOk(capture, "fork_exec", {examplePath("leaky_service")});
    CHECK(filesIn(out) == std::vector<std::string>{"x.mtrace"});
    const Summary parent = summarize(capture);
    expectKind(parent, base, "malloc", 1, 1111);
    expectKind(parent, base, "free", 1, std::nullopt);
}

TEST_CASE("run: an exec in the traced process continues in <capture>.exec1", "[process][exec]")
{
    // /bin/sh -c 'exec PROGRAM' replaces the shell by PROGRAM in the same process: the shell's
    // capture ends with the exec, the program's goes on in the next generation's file.
    TempDir dir;
    const Summary base = baseline(dir);
    TempDir out;
    const std::string capture = out.file("x.mtrace");
    const ProcessResult run =
        runCommand({memtraceBinary(), "run", "-o", capture, "/bin/sh", "-c", "exec " + examplePath("leaky_service")});
    INFO(run.describe());
    REQUIRE(run.status == 0);
    CHECK(run.out == "leaky_service: served 200 requests, index of 1048576 bytes\n");
    CHECK(filesIn(out) == std::vector<std::string>{"x.mtrace", "x.mtrace.exec1"});

    const Summary shell = summarize(capture);
    CHECK(shell.data["truncated"] == false);
    CHECK(leaksFrom(shell.data, "leak_page_buffers").empty());

    const Summary program = summarize(capture + ".exec1");
    CHECK(program.data["truncated"] == false);
    expectKind(program, base, "malloc", 214, 1125036);
    expectField(program, base, "leaked_bytes", 41260);
    expectLeakFrom(program, "leak_page_buffers", 40960, 10, "malloc");
}

TEST_CASE("run: after an exec the last program gets the exit status, the announcement and the leak check",
          "[process][exec]")
{
    // A wrapper that execs the real program (libtool's and pyenv's scripts, env, sh -c 'exec
    // ...') leaves the shell's capture first and the program's last: what the user meant is
    // the last, and the status memtrace run sees is that program's.
    TempDir out;
    const std::string capture = out.file("x.mtrace");
    auto runWrapped = [&](std::vector<std::string> options, const std::string& program) {
        std::vector<std::string> command{memtraceBinary(), "run", "-o", capture};
        command.insert(command.end(), options.begin(), options.end());
        for (const std::string& word : {std::string("/bin/sh"), std::string("-c"), "exec " + program}) command.push_back(word);
        return runCommand(command);
    };

    const ProcessResult exited = runWrapped({}, examplePath("exit_code") + " 7");
    INFO(exited.describe());
    CHECK(exited.status == 7);
    CHECK(announcedCapture(exited.err) == capture + ".exec1");
    CHECK(exited.err.find("the 1 it exec'd from before have their own: " + capture + "\n") != std::string::npos);
    CHECK(summarize(capture + ".exec1").data["exit_status"] == json({{"kind", "exit"}, {"code", 7}}));
    CHECK(summarize(capture).data["exit_status"].is_null());  // the shell did not exit: it exec'd

    // A second run without --force stops at the first image's leftover, then at the second's.
    CHECK(runWrapped({}, examplePath("exit_code")).status == 2);
    fs::remove(capture);
    const ProcessResult refused = runWrapped({}, examplePath("exit_code"));
    CHECK(refused.status == 2);
    CHECK(refused.err.find(capture + ".exec1 already exists (use --force to overwrite)") != std::string::npos);

    // --force replaces both (before the fix the exec'd image found its name taken and went
    // untraced), and the leak check reads the program's capture, not the shell's.
    const ProcessResult checked = runWrapped({"--force", "--leaks", "--fail-on-leak"}, examplePath("leaky_service"));
    INFO(checked.describe());
    CHECK(checked.status == 23);
    CHECK(checked.err.find("not tracking") == std::string::npos);
    CHECK(checked.err.find("leak_page_buffers") != std::string::npos);
    CHECK(filesIn(out) == std::vector<std::string>{"x.mtrace", "x.mtrace.exec1"});
    CHECK(number(summarize(capture + ".exec1").data, "leaked_bytes") >= 41260);
}

TEST_CASE("run: a capture that cannot be created is an error before the program starts", "[process][output]")
{
    // Before, the program ran untraced and the launcher blamed the program ("did not load
    // the shim"): an hour-long run could end with nothing.
    TempDir dir;
    const std::string marker = dir.file("ran");
    const std::string missing = dir.file("no/such/dir/x.mtrace");
    const ProcessResult run =
        runCommand({memtraceBinary(), "run", "-o", missing, "/bin/sh", "-c", "echo ran > " + marker});
    INFO(run.describe());
    CHECK(run.status == 2);
    CHECK(run.err == "memtrace run: cannot create the capture file " + missing + ": No such file or directory\n");
    CHECK_FALSE(fs::exists(marker));
    CHECK_FALSE(fs::exists(dir.file("no")));
}

TEST_CASE("run --time-resolution: every time in the capture is a multiple of it; 100 us by default",
          "[process][time]")
{
    for (const int resolutionUs : {0, 1, 1000}) {  // 0: the default
        DYNAMIC_SECTION("resolution " << resolutionUs)
        {
            TempDir dir;
            std::vector<std::string> options;
            if (resolutionUs) options = {"--time-resolution", std::to_string(resolutionUs)};
            const TracedRun run = traceExampleOk(dir.file("x.mtrace"), "threads_cross_free", {}, options);
            const uint64_t expected = resolutionUs ? resolutionUs : 100;
            CHECK(number(summarize(run.capture).data, "time_resolution_us") == expected);

            const ProcessResult dump = runCommand({memtraceBinary(), "dump", run.capture});
            REQUIRE(dump.status == 0);
            const std::regex stamp(R"(^t=(\d+)\.(\d{6}) )");
            std::set<uint64_t> times;
            std::istringstream lines(dump.out);
            for (std::string line; std::getline(lines, line);) {
                std::smatch m;
                if (!std::regex_search(line, m, stamp)) continue;
                const uint64_t us = std::stoull(m[1]) * 1000000 + std::stoull(m[2]);
                INFO(line);
                CHECK(us % expected == 0);
                times.insert(us);
            }
            // The example runs for several ms: the check above saw many distinct times.
            CHECK(times.size() >= 3);
        }
    }
}

// Without --follow-fork a child's exec runs its program as it would run untracked: without the
// shim's LD_PRELOAD entry (the user's stay) and the MEMTRACE_ variables. Before, every program
// started by the traced one loaded the shim just for it to stay inactive, and in a sandbox
// without the shim's path (bwrap --tmpfs over it) the loader printed an error (session-21
// sweep). With --follow-fork the variables go on: they are how children are followed. Also
// for posix_spawn and posix_spawnp (hooked), and for glibc's own spawns (system, popen: not
// hooked, but the traced process's own environment no longer holds the variables).
TEST_CASE("without --follow-fork, programs started by the traced one get the environment they get untracked",
          "[process][preload]")
{
    TempDir dir;
    // `command` with the user's own LD_PRELOAD, alone or under `memtrace run RUN_OPTIONS -o CAPTURE`.
    auto withUserPreload = [](const std::vector<std::string>& command) {
        std::vector<std::string> argv = {"/usr/bin/env", "LD_PRELOAD=libjemalloc.so.2"};
        argv.insert(argv.end(), command.begin(), command.end());
        return runCommand(argv);
    };
    auto traced = [&](const std::string& capture, std::vector<std::string> runOptions,
                      const std::vector<std::string>& command) {
        std::vector<std::string> argv = {memtraceBinary(), "run"};
        argv.insert(argv.end(), runOptions.begin(), runOptions.end());
        argv.insert(argv.end(), {"-o", dir.file(capture), "--"});
        argv.insert(argv.end(), command.begin(), command.end());
        const ProcessResult result = withUserPreload(argv);
        INFO(result.describe());
        CHECK(result.status == 0);
        return result;
    };

    const std::string script = "env | grep -e MEMTRACE_ -e LD_PRELOAD | sort; grep -c memtrace_preload /proc/self/maps; true";
    const std::vector<std::string> shell = {"/bin/sh", "-c", script};
    const ProcessResult alone = withUserPreload(shell);
    REQUIRE(alone.out == "LD_PRELOAD=libjemalloc.so.2\n0\n");
    CHECK(traced("x.mtrace", {}, shell).out == alone.out);
    CHECK(traced("follow.mtrace", {"--follow-fork"}, shell).out.find("MEMTRACE_OUTPUT=") != std::string::npos);

    // The same for children made by posix_spawn and posix_spawnp (Python's os.posix_spawn*),
    // which must show it themselves: their own children would not get the variables anyway.
    const std::vector<std::string> python = {
        "python3", "-c",
        "import os\n"
        "for spawn in (os.posix_spawn, os.posix_spawnp):\n"
        "    for argv in (['/usr/bin/printenv', 'LD_PRELOAD'], ['/usr/bin/printenv', 'MEMTRACE_OUTPUT'],\n"
        "                 ['/bin/grep', '-c', 'memtrace_preload', '/proc/self/maps']):\n"
        "        os.waitpid(spawn(argv[0], argv, dict(os.environ)), 0)\n"};
    const ProcessResult spawnedAlone = withUserPreload(python);
    REQUIRE(spawnedAlone.out == "libjemalloc.so.2\n0\nlibjemalloc.so.2\n0\n");
    CHECK(traced("spawn.mtrace", {}, python).out == spawnedAlone.out);

    // The traced process itself sees its environment as untracked (hidden_environment.h), and
    // so do the children of system() and popen(), which glibc spawns past every hook. It is
    // still traced, and an image it execs too (the variables come back for that exec: the
    // chain-of-execs tests). With --follow-fork nothing is hidden.
    const std::vector<std::string> own = {
        "python3", "-c",
        "import os\n"
        "print(sorted(k for k in os.environ if k.startswith('MEMTRACE_')), os.environ.get('LD_PRELOAD'), flush=True)\n"
        "os.system('printenv LD_PRELOAD; printenv MEMTRACE_OUTPUT; grep -c memtrace_preload /proc/self/maps')\n"
        "print(os.popen('printenv LD_PRELOAD MEMTRACE_ROOT_PID').read(), end='')\n"};
    const ProcessResult ownAlone = withUserPreload(own);
    REQUIRE(ownAlone.out == "[] libjemalloc.so.2\nlibjemalloc.so.2\n0\nlibjemalloc.so.2\n");
    const ProcessResult ownTraced = traced("own.mtrace", {}, own);
    CHECK(ownTraced.out == ownAlone.out);
    const Summary ownCapture = summarize(announcedCapture(ownTraced.err));
    CHECK(exitStatusIs(ownCapture.data, false, 0));
    CHECK(kindStat(ownCapture.data, "malloc").count > 1000);  // the interpreter was traced
    CHECK(traced("own-follow.mtrace", {"--follow-fork"}, own).out.find("'MEMTRACE_OUTPUT'") != std::string::npos);
    // The exec gets the shim's path first in LD_PRELOAD and the user's entries after it.
    const std::vector<std::string> exec = {
        "/bin/sh", "-c", "exec python3 -c \"m = open('/proc/self/maps').read(); print('memtrace_preload' in m, 'libjemalloc' in m)\""};
    CHECK(traced("exec.mtrace", {}, exec).out == "True True\n");
}
