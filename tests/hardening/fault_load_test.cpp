// Load: many threads freeing each other's blocks, threads created and joined in a loop with
// allocating teardown, a library loaded and unloaded 1,000 times, a signal handler that
// allocates while the program is allocating. Counts and bytes exact, no deadlock (a hang is
// killed by the harness's timeout and fails the test).
#include <catch2/catch.hpp>

#include <regex>

#include "expectations.h"
#include "harness.h"

using namespace memtrace::integration;

TEST_CASE("32 threads freeing each other's blocks, 20 million events: counts and bytes exact",
          "[hardening][threads]")
{
    TempDir dir;
    // The same program with no blocks: what starting and joining 32 threads costs.
    const TracedRun reference = traceExampleOk(dir.file("ref.mtrace"), "thread_storm", {"32", "0"});
    const Summary base = summarize(reference.capture);
    // 32 x 312,500 blocks: 10,000,000 mallocs + 10,000,000 frees.
    const TracedRun run = traceExampleOk(dir.file("x.mtrace"), "thread_storm", {"32", "312500"});
    CHECK(run.process.out == "thread_storm: 32 threads, 10000000 blocks, 475000000 bytes\n");
    const Summary capture = summarize(run.capture);
    CHECK(capture.data["truncated"] == false);
    expectKind(capture, base, "malloc", 10000000, 475000000);
    expectKind(capture, base, "free", 10000000, std::nullopt);
    expectField(capture, base, "leaked_bytes", 0);
    expectField(capture, base, "leaked_blocks", 0);
    CHECK(number(capture.data, "frees_unmatched") == number(base.data, "frees_unmatched"));
    CHECK(number(capture.data, "anomalies") == number(base.data, "anomalies"));
}

TEST_CASE("threads created and joined in a loop, teardown that allocates: every call recorded",
          "[hardening][threads]")
{
    TempDir dir;
    const Summary base = summarize(traceExampleOk(dir.file("ref.mtrace"), "thread_churn", {"0"}).capture);
    const Summary one = summarize(traceExampleOk(dir.file("one.mtrace"), "thread_churn", {"1"}).capture);
    const TracedRun run = traceExampleOk(dir.file("x.mtrace"), "thread_churn", {"2000"});
    CHECK(run.process.out == "thread_churn: 2000 threads\n");
    const Summary capture = summarize(run.capture);
    CHECK(capture.data["truncated"] == false);
    // Per thread: malloc 24 (start), 56 (key destructor), 40 (thread_local destructor).
    expectKind(capture, base, "malloc", 3 * 2000, 120 * 2000);
    // Every thread frees what it and the runtime allocated for it (the thread_local destructor
    // list too): 2000 threads free 2000 x what one thread frees, and leave what one leaves
    // (glibc keeps the first thread's dtv with its cached stack).
    CHECK(kindStat(capture.data, "free").count == 2000 * kindStat(one.data, "free").count);
    CHECK(kindStat(capture.data, "free").bytes == 2000 * kindStat(one.data, "free").bytes);
    CHECK(number(capture.data, "leaked_bytes") == number(one.data, "leaked_bytes"));
    CHECK(number(capture.data, "frees_unmatched") == 0);
}

TEST_CASE("dlopen/dlclose of a library 1,000 times: its allocations exact, capture complete",
          "[hardening][dlopen]")
{
    TempDir dir;
    const TracedRun run = traceExampleOk(dir.file("x.mtrace"), "dlopen_loop", {examplePath("dlopen_plugin"), "1000"});
    CHECK(run.process.out == "dlopen_loop: 1000 rounds\n");
    const Summary capture = summarize(run.capture);
    CHECK(capture.process.err.empty());
    CHECK(capture.data["truncated"] == false);
    const KindStat aligned = kindStat(capture.data, "aligned_alloc");
    CHECK(aligned.count == 2000);
    CHECK(aligned.bytes == 1344000);
    CHECK(leaksFrom(capture.data, "plugin_load").empty());
    CHECK(leaksFrom(capture.data, "plugin_work").empty());
    CHECK(number(capture.data, "frees_unmatched") == 0);
}

TEST_CASE("a signal handler that allocates, interrupting allocations: no deadlock, counts consistent",
          "[hardening][signal]")
{
    TempDir dir;
    const Summary base = baseline(dir);
    const TracedRun run = traceExampleOk(dir.file("x.mtrace"), "signal_alloc", {"1000000"});
    std::smatch match;
    REQUIRE(std::regex_match(run.process.out, match, std::regex(R"(signal_alloc: 1000000 allocations, (\d+) handler runs\n)")));
    const uint64_t handlerRuns = std::stoull(match[1]);
    INFO("handler runs: " << handlerRuns);
    CHECK(handlerRuns > 0);
    const Summary capture = summarize(run.capture);
    CHECK(capture.data["truncated"] == false);
    // Every allocation of main's loop is recorded (+1: the warm-up).
    expectKind(capture, base, "malloc", 1000001, 1000001 * 48);
    // A handler run that interrupted the shim inside a hook on this thread passed through
    // unrecorded (the reentrancy guard); every one recorded has its free recorded too.
    const KindStat callocs = kindStat(capture.data, "calloc");
    const uint64_t recordedHandler = callocs.count - kindStat(base.data, "calloc").count;
    CHECK(recordedHandler >= 1);
    CHECK(recordedHandler <= handlerRuns + 1);
    CHECK(callocs.bytes - kindStat(base.data, "calloc").bytes == 80 * recordedHandler);
    expectKind(capture, base, "free", 1000001 + recordedHandler, std::nullopt);
    expectField(capture, base, "leaked_bytes", 0);
    CHECK(number(capture.data, "frees_unmatched") == number(base.data, "frees_unmatched"));
}

// A handler on a classic SIGSTKSZ (8 KiB) alternate stack that allocates: with the default
// unwinder the walk of the signal frame went to libunwind, whose unw_backtrace needs ~7 KiB,
// and the program died of SIGSEGV on the guard page. The call-frame walker now crosses the
// signal frame itself (cfi_walk.h), and both unwinders go on from the alternate stack to the
// thread's, so the stack reaches the code the signal interrupted. The reader names the
// signal trampoline by its code (reader/symbolizer.cpp). Where the walker cannot go on and
// the stack has no room for libunwind, the stack is cut short instead (unwinder.cpp).
TEST_CASE("a handler that allocates on an 8 KiB alternate signal stack", "[hardening][signal]")
{
    const ProcessResult untracked = runCommand({examplePath("altstack_alloc")});
    REQUIRE(untracked.status == 0);
    REQUIRE(untracked.out == "altstack_alloc: 100 handler allocations\n");
    TempDir dir;
    for (const char* unwinder : {"libunwind", "fp"}) {
        DYNAMIC_SECTION(unwinder)
        {
            const TracedRun run =
                traceExampleOk(dir.file(std::string(unwinder) + ".mtrace"), "altstack_alloc", {}, {"--unwind", unwinder});
            CHECK(run.process.out == untracked.out);
            const Summary got = summarize(run.capture);
            CHECK(got.data["truncated"] == false);
            expectLeakFrom(got, "allocate_in_handler", 2400, 100, "malloc");
            // Past the signal frame: main always (fp skips what has no frame pointer);
            // send_signals, the interrupted code's caller, with the call-frame rules.
            CHECK(leaksFrom(got.data, "main").size() == 1);
            // The trampoline between the handler and the interrupted code has a name even where
            // libc has no symbol for it (__restore_rt with libc's debug symbols installed).
            CHECK(leaksFrom(got.data, "<signal handler called>").size() + leaksFrom(got.data, "__restore_rt").size() == 1);
            if (std::string(unwinder) == "libunwind") CHECK(leaksFrom(got.data, "send_signals").size() == 1);

            // A thread whose first allocation is the handler's: the shim meets it on the
            // alternate stack, and its later allocations on its own stack still get their
            // stacks (with fp they had none: the bounds were the alternate stack's).
            const TracedRun thread = traceExampleOk(dir.file(std::string("thread-") + unwinder + ".mtrace"),
                                                    "altstack_alloc", {"thread"}, {"--unwind", unwinder});
            CHECK(thread.process.out == "altstack_alloc: thread: 1 handler allocation, 10 after\n");
            const Summary threaded = summarize(thread.capture);
            expectLeakFrom(threaded, "allocate_in_handler", 24, 1, "malloc");
            expectLeakFrom(threaded, "allocate_after_handler", 400, 10, "malloc");
            CHECK(leaksFrom(threaded.data, "thread_body").size() == 1);

            // A handler that reaches malloc through code without call-frame information: the
            // walker cannot follow it, and there is no room for libunwind on the 8 KiB stack
            // (SIGSEGV before): the stack is cut at that frame instead.
            const TracedRun noCfi = traceExampleOk(dir.file(std::string("nocfi-") + unwinder + ".mtrace"),
                                                   "altstack_alloc", {"nocfi"}, {"--unwind", unwinder});
            CHECK(noCfi.process.out == untracked.out);
            const Summary cut = summarize(noCfi.capture);
            expectLeakFrom(cut, "allocate_in_handler", 2400, 100, "malloc");
            CHECK(leaksFrom(cut.data, "no_cfi_call").size() == 1);
        }
    }
}

// A caller of malloc that holds rbp = -16 or -8: the bounds check of a frame-pointer walk
// wrapped around to 0 and passed, and the walk read there (SIGSEGV under --unwind fp; found
// with `file /usr/bin/ls`).
TEST_CASE("a caller holding rbp near the top of the address space", "[hardening][unwind]")
{
    TempDir dir;
    for (const char* unwinder : {"libunwind", "fp"}) {
        DYNAMIC_SECTION(unwinder)
        {
            const TracedRun run =
                traceExampleOk(dir.file(std::string(unwinder) + ".mtrace"), "rbp_garbage", {}, {"--unwind", unwinder});
            CHECK(run.process.out == "rbp_garbage: 2 blocks\n");
            const Summary got = summarize(run.capture);
            CHECK(got.data["truncated"] == false);
            CHECK(kindStat(got.data, "malloc").count >= 2);
        }
    }
}

TEST_CASE("the program sees and sets its signal dispositions as without the shim's end-of-capture handler",
          "[hardening][signal]")
{
    // The shim holds SIGSEGV, SIGTERM, SIGPIPE... with its own handler (fatal_signals.h); what
    // sigaction() and signal() report and return must be what they are without it.
    const ProcessResult native = runCommand({examplePath("signal_view")});
    REQUIRE(native.status == 0);
    REQUIRE(native.out.find("caught SIGTERM 1\nsurvived SIGPIPE\n") != std::string::npos);
    TempDir dir;
    const TracedRun run = traceExampleOk(dir.file("x.mtrace"), "signal_view");
    CHECK(run.process.out == native.out);
    const Summary capture = summarize(run.capture);
    CHECK(capture.data["truncated"] == false);
}

TEST_CASE("four threads fault at once: the capture still has every event and its End", "[hardening][signal]")
{
    TempDir dir;
    const Summary base = baseline(dir);
    const TracedRun run = traceExampleOk(dir.file("x.mtrace"), "fatal_threads", {}, {}, 128 + 11);
    const Summary capture = summarize(run.capture);
    CHECK(capture.process.err.empty());
    CHECK(capture.data["truncated"] == false);
    CHECK(exitStatusIs(capture.data, true, 11));
    expectKind(capture, base, "malloc", 100000, 3200000);
    // pthread_create's calloc of each thread's TLS is live too (the threads never end).
    const KindStat tls = kindStat(capture.data, "calloc");
    const KindStat baseTls = kindStat(base.data, "calloc");
    CHECK(tls.count - baseTls.count == 4);
    expectField(capture, base, "leaked_blocks", 100000 + (tls.count - baseTls.count));
    expectField(capture, base, "leaked_bytes", 3200000 + (tls.bytes - baseTls.bytes));
}

TEST_CASE("a program with its own malloc that maps memory under its lock, first called before the shim's "
          "constructor: no deadlock, its mappings recorded",
          "[hardening][allocator]")
{
    // Chromium hung at start-up under memtrace: its allocator's first mmap, inside its lock,
    // started the shim, whose dlsym and pthread_getattr_np called that malloc again.
    TempDir dir;
    const Summary base = baseline(dir);
    const TracedRun run = traceExampleOk(dir.file("x.mtrace"), "own_malloc");
    REQUIRE(run.process.out == "own_malloc: 3000 allocations, 2 chunks mapped in main\n");
    const Summary capture = summarize(run.capture);
    CHECK(capture.data["truncated"] == false);
    // The chunk mapped from the library constructor, before the shim's own constructor, is not
    // recorded: the two of main are, exactly. No malloc reaches the shim.
    expectKind(capture, base, "mmap(anonymous)", 2, 2 << 20);
    CHECK(kindStat(capture.data, "malloc").count == 0);
    // Said at the run, and in every reading of the capture: an empty heap is not "no leaks".
    const std::string program = examplePath("own_malloc");
    CHECK_THAT(run.process.err, Catch::Contains("memtrace: the program's malloc is its own (" + program +
                                                "): its allocations are not recorded"));
    CHECK(capture.data["foreign_malloc"] == program);
    CHECK(base.data["foreign_malloc"].is_null());
    const ProcessResult leaks = runCommand({memtraceBinary(), "leaks", run.capture});
    CHECK_THAT(leaks.out, Catch::Contains("warning: the program's malloc is its own (" + program + ")"));
}

TEST_CASE("a non-PIE program that takes malloc's address: traced as usual, no own-malloc note",
          "[hardening][allocator]")
{
    // dlsym(RTLD_DEFAULT, "malloc") returns its canonical PLT entry; node got the note wrongly.
    TempDir dir;
    const Summary base = baseline(dir);
    const TracedRun run = traceExampleOk(dir.file("x.mtrace"), "malloc_address");
    CHECK(run.process.out == "malloc_address: 5 blocks\n");
    CHECK_THAT(run.process.err, !Catch::Contains("its own"));
    const Summary capture = summarize(run.capture);
    CHECK(capture.data["foreign_malloc"].is_null());
    expectKind(capture, base, "malloc", 5, 100 + 101 + 102 + 103 + 104);
    expectKind(capture, base, "free", 5, std::nullopt);
}

TEST_CASE("the first allocation inside newlocale, from a library constructor: no hang in setlocale, "
          "recorded",
          "[hardening][allocator]")
{
    // gdb hung in setlocale under memtrace: the shim started inside newlocale's hold of the
    // setlocale lock, and its dlerror() broke the lock's count (shim_state.cpp, finishStartUp).
    TempDir dir;
    const TracedRun run = traceExampleOk(dir.file("x.mtrace"), "early_locale");
    CHECK(run.process.out == "early_locale: library loaded C.UTF-8, setlocale C.UTF-8\n");
    const Summary capture = summarize(run.capture);
    CHECK(capture.data["truncated"] == false);
    CHECK(number(capture.data, "frees_unmatched") == 0);
    bool fromNewlocale = false;
    for (const json& entry : capture.data["top_allocation_stacks"])
        fromNewlocale |= stackHasFunction(entry["stack"], "load_locale") && stackHasFunction(entry["stack"], "__newlocale");
    CHECK(fromNewlocale);
}
