// The default unwinder's call-frame walk (preload/cfi_walk.h, cfi_rules.h) on this process's
// real stacks, with libunwind as the oracle: wherever the walk does not hand the stack back
// (Fallback), it must give exactly the return addresses unw_backtrace gives - through frames
// without frame pointers, rbp-based frames (alloca), libc's own code (qsort's callback), a
// thread's outermost frame - and its memo must hit only when nothing the walk read changed.
#include <catch2/catch.hpp>

#include <alloca.h>
#include <pthread.h>
#include <signal.h>
#include <sys/time.h>

#include <cstdlib>
#include <cstring>
#include <thread>
#include <vector>

#define UNW_LOCAL_ONLY
#include <libunwind.h>

#include "cfi_walk.h"

using namespace memtrace::shim;

namespace {

struct Bounds {
    uintptr_t low = 0, high = 0;
};

Bounds threadStack()
{
    Bounds b;
    pthread_attr_t attr;
    REQUIRE(pthread_getattr_np(pthread_self(), &attr) == 0);
    void* addr = nullptr;
    size_t size = 0;
    REQUIRE(pthread_attr_getstack(&attr, &addr, &size) == 0);
    pthread_attr_destroy(&attr);
    b.low = reinterpret_cast<uintptr_t>(addr);
    b.high = b.low + size;
    return b;
}

FrameRuleCache* ruleCache()
{
    static auto* cache = new FrameRuleCache{};
    return cache;
}

struct Both {
    CfiWalk walk;
    std::vector<uint64_t> cfi;        // from the return address into probe's caller
    std::vector<uint64_t> libunwind;  // likewise
};

// The thread's stack bounds, found before a handler runs (pthread_getattr_np is not
// async-signal-safe), and the alternate signal stack a test's handler runs on.
thread_local Bounds t_stack;
StackRange g_alternate;

__attribute__((noinline)) CfiWalk cfiWalkHere(std::vector<uint64_t>& out, CfiWalkMemo* memo)
{
    if (t_stack.high == 0) t_stack = threadStack();
    const Bounds b = t_stack;
    out.assign(256, 0);
    const auto start = reinterpret_cast<uintptr_t>(__builtin_frame_address(0));
    CfiWalk w = walkCfi(start, out.data(), 256, b.low, b.high,
                        [](uintptr_t pc) -> const FrameRule& { return ruleCache()->lookup(pc); }, memo, g_alternate);
    out.resize(w.frames);
    return w;
}

__attribute__((noinline)) void libunwindHere(std::vector<uint64_t>& out)
{
    void* frames[256];
    const int n = unw_backtrace(frames, 256);
    out.clear();
    for (int i = 0; i < n; ++i) out.push_back(reinterpret_cast<uint64_t>(frames[i]));
}

// Both walks from the same function; each list starts at the return address into the
// caller of probe (cfi: [into probe, into probe's caller, ...]; libunwind: [in libunwindHere,
// into probe, into probe's caller, ...]).
__attribute__((noinline)) Both probe(CfiWalkMemo* memo = nullptr)
{
    Both both;
    both.walk = cfiWalkHere(both.cfi, memo);
    libunwindHere(both.libunwind);
    asm volatile("" ::: "memory");  // no tail call: probe's frame stays on the stack
    if (both.cfi.size() >= 1) both.cfi.erase(both.cfi.begin());
    if (both.libunwind.size() >= 2) both.libunwind.erase(both.libunwind.begin(), both.libunwind.begin() + 2);
    return both;
}

void requireSameStack(const Both& both)
{
    REQUIRE(both.walk.outcome == CfiWalk::Frames);
    INFO("cfi frames " << both.cfi.size() << ", libunwind frames " << both.libunwind.size());
    REQUIRE(both.cfi.size() >= 3);
    REQUIRE(both.cfi == both.libunwind);
}

// Recursion without frame pointers (this file's default flags), rsp-based CFAs.
__attribute__((noinline)) Both recurse(int depth)
{
    if (depth == 0) return probe();
    Both b = recurse(depth - 1);
    asm volatile("" ::: "memory");
    return b;
}

// alloca: the compiler sets up rbp and the CFA is rbp-based in these frames.
__attribute__((noinline)) Both recurseWithAlloca(int depth, size_t bytes)
{
    auto* scratch = static_cast<volatile char*>(alloca(bytes));
    scratch[0] = static_cast<char>(depth);
    if (depth == 0) return probe();
    Both b = recurseWithAlloca(depth - 1, bytes + 16);
    asm volatile("" ::: "memory");
    return b;
}

Both g_fromQsort;
int compareAndProbe(const void* a, const void* b)
{
    if (g_fromQsort.cfi.empty()) g_fromQsort = probe();
    return *static_cast<const int*>(a) - *static_cast<const int*>(b);
}

Both g_fromSignal;
void probeInHandler(int) { g_fromSignal = probe(); }

}  // namespace

TEST_CASE("cfi walk: the same return addresses as libunwind through frames without frame pointers")
{
    for (int depth : {0, 1, 5, 30}) {
        INFO("depth " << depth);
        requireSameStack(recurse(depth));
    }
}

TEST_CASE("cfi walk: rbp-based frames (alloca) and mixed depths")
{
    for (int depth : {1, 7, 20}) requireSameStack(recurseWithAlloca(depth, 24));
}

TEST_CASE("cfi walk: through libc's code (a qsort callback)")
{
    std::vector<int> values(64);
    for (size_t i = 0; i < values.size(); ++i) values[i] = static_cast<int>((i * 37) % 64);
    g_fromQsort = Both{};
    qsort(values.data(), values.size(), sizeof(int), compareAndProbe);
    requireSameStack(g_fromQsort);
}

TEST_CASE("cfi walk: a thread's stack ends where libunwind's does")
{
    Both fromThread;
    std::thread t([&] { fromThread = recurse(3); });
    t.join();
    requireSameStack(fromThread);
}

TEST_CASE("cfi walk: through a signal frame, as libunwind")
{
    t_stack = threadStack();
    struct sigaction sa {};
    sa.sa_handler = probeInHandler;
    sigemptyset(&sa.sa_mask);
    SECTION("the handler on the thread's stack")
    {
        REQUIRE(sigaction(SIGUSR1, &sa, nullptr) == 0);
        g_fromSignal = Both{};
        raise(SIGUSR1);
    }
    SECTION("the handler on an alternate signal stack (sigaltstack, SA_ONSTACK)")
    {
        // 64 KiB: libunwind, the oracle, needs more than a SIGSTKSZ stack has.
        static std::vector<char> alternate(64 << 10);
        stack_t ss{};
        ss.ss_sp = alternate.data();
        ss.ss_size = alternate.size();
        REQUIRE(sigaltstack(&ss, nullptr) == 0);
        g_alternate = {reinterpret_cast<uintptr_t>(alternate.data()),
                       reinterpret_cast<uintptr_t>(alternate.data()) + alternate.size()};
        sa.sa_flags = SA_ONSTACK;
        REQUIRE(sigaction(SIGUSR1, &sa, nullptr) == 0);
        g_fromSignal = Both{};
        raise(SIGUSR1);
        ss.ss_flags = SS_DISABLE;
        sigaltstack(&ss, nullptr);
        g_alternate = {};
    }
    signal(SIGUSR1, SIG_DFL);
    // [into probe, into the handler, the signal trampoline, raise's interrupted instruction, ...]
    requireSameStack(g_fromSignal);
    REQUIRE(g_fromSignal.cfi.size() >= 5);
}

namespace {

// Signals that land anywhere in code without frame pointers: the interrupted instruction may
// be a function's first, or in a prologue or epilogue, where only the rules at that very
// address (not at address - 1) give the right caller.
std::vector<Both> g_interrupted;
volatile int g_interruptions = 0;
void probeInterrupted(int)
{
    if (g_interrupted.size() < g_interrupted.capacity()) g_interrupted.push_back(probe());
    g_interruptions = g_interruptions + 1;
}

__attribute__((noinline)) uint64_t leaf(uint64_t x) { return x * 2862933555777941757ull + 3037000493ull; }

// Five values live across calls: pushes and pops of callee-saved registers are much of its
// code, and each of them changes the CFA's offset.
__attribute__((noinline)) uint64_t pushy(uint64_t a, uint64_t b, uint64_t c, uint64_t d, uint64_t e)
{
    return leaf(a) + leaf(b) * c + leaf(c) * d + leaf(d) * e + leaf(e) * a;
}

__attribute__((noinline)) uint64_t spin(uint64_t x, int depth)
{
    if (depth > 0) {
        const uint64_t y = spin(x * 6364136223846793005ull + 1, depth - 1);
        asm volatile("" ::: "memory");
        return y ^ x;
    }
    for (int i = 0; i < 20; ++i) x = pushy(x, x + 1, x + 2, x + 3, x + 4);
    return x;
}

bool sameRule(const FrameRule& a, const FrameRule& b)
{
    return a.kind == b.kind && a.cfaFromRbp == b.cfaFromRbp && a.rbpSaved == b.rbpSaved &&
           a.cfaOffset == b.cfaOffset && a.raOffset == b.raOffset && a.rbpOffset == b.rbpOffset;
}

// Where the signal interrupted the code: the frame after the trampoline in a walk.
uint64_t interruptedPc(const std::vector<uint64_t>& frames)
{
    for (size_t i = 0; i + 1 < frames.size(); ++i)
        if (findFrameRule(frames[i] - 1).kind == FrameRule::SignalFrame) return frames[i + 1];
    return 0;
}

}  // namespace

TEST_CASE("cfi walk: signals that interrupt code anywhere, as libunwind")
{
    t_stack = threadStack();
    g_interrupted.clear();
    g_interrupted.reserve(300);  // the handler must not allocate: push_back stays within capacity
    g_interruptions = 0;
    struct sigaction sa {};
    sa.sa_handler = probeInterrupted;
    sigemptyset(&sa.sa_mask);
    REQUIRE(sigaction(SIGPROF, &sa, nullptr) == 0);
    itimerval every{{0, 200}, {0, 200}};
    REQUIRE(setitimer(ITIMER_PROF, &every, nullptr) == 0);
    volatile uint64_t sink = 0;
    for (uint64_t round = 0; g_interruptions < 300; ++round) sink = sink + spin(round, static_cast<int>(round % 7));
    itimerval off{};
    setitimer(ITIMER_PROF, &off, nullptr);
    signal(SIGPROF, SIG_DFL);
    size_t walked = 0, rulesDiffer = 0;
    for (const Both& both : g_interrupted) {
        if (both.walk.outcome == CfiWalk::Fallback) continue;  // a rule beyond the walker (PLT, realigned stack)
        ++walked;
        const uint64_t pc = interruptedPc(both.cfi);
        INFO("interrupted at " << std::hex << pc);
        REQUIRE(pc != 0);
        REQUIRE(both.cfi == both.libunwind);
        if (!sameRule(findFrameRule(pc), findFrameRule(pc - 1))) ++rulesDiffer;
    }
    INFO(walked << " of " << g_interrupted.size() << " walked by the cfi walker, " << rulesDiffer
                << " where the rules at pc and pc - 1 differ");
    REQUIRE(walked * 10 >= g_interrupted.size() * 9);
    REQUIRE(rulesDiffer >= 5);  // else this test no longer tells the two apart
}

namespace {

// Two call sites of the same memo'd walk: same start frame, different return addresses.
__attribute__((noinline)) CfiWalk memoWalk(CfiWalkMemo* memo, std::vector<uint64_t>& out)
{
    CfiWalk w = cfiWalkHere(out, memo);
    asm volatile("" ::: "memory");
    return w;
}
__attribute__((noinline)) CfiWalk siteA(CfiWalkMemo* memo, std::vector<uint64_t>& out)
{
    CfiWalk w = memoWalk(memo, out);
    asm volatile("" ::: "memory");
    return w;
}
__attribute__((noinline)) CfiWalk siteB(CfiWalkMemo* memo, std::vector<uint64_t>& out)
{
    CfiWalk w = memoWalk(memo, out);
    asm volatile("" ::: "memory");
    return w;
}

}  // namespace

// Walks in a loop, through siteB where `viaB` says so, else siteA (so the return address into
// this function is the same for every walk); completes each recorded walk with id 41 (siteA)
// or 42 (siteB) unless `complete` is false; returns the outcomes.
__attribute__((noinline)) std::vector<CfiWalk> walkSites(CfiWalkMemo* memo, std::vector<bool> viaB, bool complete = true)
{
    std::vector<CfiWalk> walks;
    std::vector<uint64_t> out;
    for (bool b : viaB) {
        CfiWalk w = b ? siteB(memo, out) : siteA(memo, out);
        if (complete) completeWalk(w.recording, b ? 42 : 41);
        walks.push_back(w);
    }
    return walks;
}

TEST_CASE("cfi walk memo: a hit only for an unchanged walk, with the id it was completed with")
{
    auto* memo = new CfiWalkMemo{};
    const std::vector<CfiWalk> w = walkSites(memo, {false, false, false, true, true, false});
    REQUIRE(w[0].outcome == CfiWalk::Frames);
    REQUIRE(w[0].recording != nullptr);
    REQUIRE(w[1].outcome == CfiWalk::MemoHit);
    REQUIRE(w[1].memoStackId == 41);
    REQUIRE(w[2].memoStackId == 41);
    // Another call site (another return address read by the walk): a miss, then its own hits,
    // while the first one's entry is still in the other way of the set.
    REQUIRE(w[3].outcome == CfiWalk::Frames);
    REQUIRE(w[4].memoStackId == 42);
    REQUIRE(w[5].memoStackId == 41);

    // A walk never completed (its stack was not interned) is never a hit.
    memo->clear();
    const std::vector<CfiWalk> never = walkSites(memo, {false, false}, false);
    REQUIRE(never[0].outcome == CfiWalk::Frames);
    REQUIRE(never[1].outcome == CfiWalk::Frames);
    delete memo;
}

TEST_CASE("cfi rules: an address no module covers is unsupported")
{
    REQUIRE(findFrameRule(0x10).kind == FrameRule::Unsupported);
    static const uint8_t badVersion[8] = {2, 0x1b, 0x03, 0x3b, 0, 0, 0, 0};
    REQUIRE(frameRuleFromEhFrameHdr(badVersion, 0x1234).kind == FrameRule::Unsupported);
}
