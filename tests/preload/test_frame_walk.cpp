// The frame-pointer walk and its memo (preload/frame_walk.h) on synthetic stacks: a hit must
// give exactly what a walk without the memo gives, whatever changed in between.
#include <catch2/catch.hpp>

#include <cstdint>
#include <map>
#include <random>
#include <vector>

#include "frame_walk.h"

using namespace memtrace::shim;

namespace {

// A fake stack of words: frame k at word 4k holds [link, return address].
struct FakeStack {
    std::vector<uintptr_t> words = std::vector<uintptr_t>(512, 0);
    uintptr_t frameAddress(size_t k) const { return reinterpret_cast<uintptr_t>(&words[4 * k]); }
    uintptr_t low() const { return reinterpret_cast<uintptr_t>(words.data()); }
    uintptr_t high() const { return reinterpret_cast<uintptr_t>(words.data() + words.size()); }
    void setFrame(size_t k, uintptr_t link, uintptr_t ret)
    {
        words[4 * k] = link;
        words[4 * k + 1] = ret;
    }
    // A walk from frame 0 within the whole fake stack.
    FrameWalk walk(uint64_t* out, uint32_t capacity, FrameWalkMemo* memo) const
    {
        return walkFrames(frameAddress(0), out, capacity, low(), high(), memo);
    }
    // A chain 0 -> 1 -> ... -> n-1, return addresses base + k, ending with link 0.
    void chain(size_t n, uintptr_t base)
    {
        for (size_t k = 0; k < n; ++k) setFrame(k, k + 1 < n ? frameAddress(k + 1) : 0, base + k);
    }
};

std::vector<uint64_t> walkPlain(const FakeStack& s, uint32_t capacity)
{
    std::vector<uint64_t> out(capacity);
    const FrameWalk w = s.walk(out.data(), capacity, nullptr);
    out.resize(w.frames);
    return out;
}

}  // namespace

TEST_CASE("a repeated walk is a memo hit with the id it was completed with")
{
    FakeStack s;
    s.chain(10, 0x1000);
    FrameWalkMemo memo{};
    memo.clear();
    uint64_t out[64];
    FrameWalk first = s.walk(out, 64, &memo);
    REQUIRE(first.memoStackId == 0);
    REQUIRE(first.frames == 10);
    CHECK(out[9] == 0x1009);
    // Not completed yet: no hit.
    CHECK(s.walk(out, 64, &memo).memoStackId == 0);
    FrameWalk second = s.walk(out, 64, &memo);
    completeWalk(second.recording, 7);
    CHECK(s.walk(out, 64, &memo).memoStackId == 7);
}

TEST_CASE("a changed return address or link is a miss, and the walk sees the change")
{
    FakeStack s;
    s.chain(10, 0x1000);
    FrameWalkMemo memo{};
    memo.clear();
    uint64_t out[64];
    completeWalk(s.walk(out, 64, &memo).recording, 7);

    s.words[4 * 9 + 1] = 0x2222;  // the outermost frame's return address
    FrameWalk w = s.walk(out, 64, &memo);
    REQUIRE(w.memoStackId == 0);
    REQUIRE(w.frames == 10);
    CHECK(out[9] == 0x2222);
    completeWalk(w.recording, 8);
    CHECK(s.walk(out, 64, &memo).memoStackId == 8);
    s.words[4 * 9 + 1] = 0x1009;  // back: the other entry of the set still holds it
    CHECK(s.walk(out, 64, &memo).memoStackId == 7);

    s.setFrame(20, 0, 0x3000);
    s.words[4 * 4] = s.frameAddress(20);  // frame 4 now links to frame 20, which ends the chain
    w = s.walk(out, 64, &memo);
    REQUIRE(w.memoStackId == 0);
    REQUIRE(w.frames == 6);
    CHECK(out[5] == 0x3000);
}

TEST_CASE("a walk deeper than the memo holds is never memoized")
{
    FakeStack s;
    s.chain(100, 0x1000);
    FrameWalkMemo memo{};
    memo.clear();
    uint64_t out[128];
    FrameWalk w = s.walk(out, 128, &memo);
    CHECK(w.frames == 100);
    CHECK(w.recording == nullptr);
    completeWalk(w.recording, 5);
    CHECK(s.walk(out, 128, &memo).memoStackId == 0);
}

// The memo's claim, tested directly: after any change of the stack's words, a walk through
// the memo yields what a walk without it yields (a hit: the frames interned under its id).
TEST_CASE("walks through the memo equal plain walks under random changes of the stack")
{
    std::mt19937_64 rng(1234);
    FakeStack s;
    s.chain(24, 0x1000);
    // The capacity is part of what a walk depends on: one memo per capacity, as in the shim
    // (where it is a constant).
    FrameWalkMemo memo16{}, memo64{};
    memo16.clear();
    memo64.clear();
    std::map<std::vector<uint64_t>, uint32_t> ids;
    std::vector<std::vector<uint64_t>> framesOf(1);
    uint64_t hits = 0;
    for (int i = 0; i < 20000; ++i) {
        // A few changes of return addresses (from a small set, so stacks recur), links (to a
        // later frame, or a stop) and zero return addresses.
        const int changes = static_cast<int>(rng() % 3);
        for (int c = 0; c < changes; ++c) {
            const size_t k = rng() % 24;
            switch (rng() % 4) {
            case 0:
            case 1: s.words[4 * k + 1] = 0x1000 + rng() % 3; break;
            case 2: s.words[4 * k] = rng() % 8 == 0 ? 0 : s.frameAddress(k + 1 + rng() % (24 - k)); break;
            default: s.words[4 * k + 1] = rng() % 16 == 0 ? 0 : 0x1000 + k; break;
            }
        }
        const uint32_t capacity = 16 + static_cast<uint32_t>(i % 2) * 48;  // capacity stops too
        const std::vector<uint64_t> expected = walkPlain(s, capacity);
        std::vector<uint64_t> out(capacity);
        FrameWalkMemo& m = capacity == 16 ? memo16 : memo64;
        const FrameWalk w = s.walk(out.data(), capacity, &m);
        std::vector<uint64_t> got;
        if (w.memoStackId != 0) {
            ++hits;
            got = framesOf[w.memoStackId];
        } else {
            got.assign(out.begin(), out.begin() + w.frames);
            auto [it, inserted] = ids.emplace(got, static_cast<uint32_t>(framesOf.size()));
            if (inserted) framesOf.push_back(got);
            completeWalk(w.recording, it->second);
        }
        REQUIRE(got == expected);
    }
    CHECK(hits > 5000);  // the test exercises hits, not only misses
}

TEST_CASE("a walk from an alternate signal stack goes on to the thread's stack, unmemoized")
{
    // The handler's frames (alternate stack) link to the interrupted code's frames (thread
    // stack); the thread's stack may lie below or above the alternate one.
    for (bool threadBelow : {true, false}) {
        DYNAMIC_SECTION("thread stack " << (threadBelow ? "below" : "above") << " the alternate one")
        {
            std::vector<uintptr_t> both(1024, 0);  // both stacks, in a known order
            auto region = [&](bool lower) { return both.data() + (lower ? 0 : 512); };
            const uintptr_t* threadWords = region(threadBelow);
            const uintptr_t* alternateWords = region(!threadBelow);
            auto frame = [](const uintptr_t* words, size_t k) { return reinterpret_cast<uintptr_t>(words + 4 * k); };
            auto set = [](const uintptr_t* words, size_t k, uintptr_t link, uintptr_t ret) {
                auto* w = const_cast<uintptr_t*>(words);
                w[4 * k] = link;
                w[4 * k + 1] = ret;
            };
            set(alternateWords, 0, frame(alternateWords, 1), 0xa0);
            set(alternateWords, 1, frame(threadWords, 3), 0xa1);  // the handler's first frame
            set(threadWords, 3, frame(threadWords, 4), 0xb3);
            set(threadWords, 4, 0, 0xb4);
            const StackRange threadRange{frame(threadWords, 0), frame(threadWords, 0) + 512 * sizeof(uintptr_t)};
            const StackRange alternateRange{frame(alternateWords, 0), frame(alternateWords, 0) + 512 * sizeof(uintptr_t)};
            FrameWalkMemo memo{};
            memo.clear();
            uint64_t out[16];
            const FrameWalk w = walkFrames(frame(alternateWords, 0), out, 16, threadRange.low, threadRange.high, &memo,
                                           alternateRange);
            REQUIRE(w.frames == 4);
            CHECK(std::vector<uint64_t>(out, out + 4) == std::vector<uint64_t>{0xa0, 0xa1, 0xb3, 0xb4});
            CHECK(w.recording == nullptr);
            // Without the alternate range the walk stops at once (the start is off the thread's stack).
            CHECK(walkFrames(frame(alternateWords, 0), out, 16, threadRange.low, threadRange.high, nullptr).frames == 0);
            // A chain on the thread's stack must still move towards its base.
            set(threadWords, 3, frame(threadWords, 2), 0xb3);
            const FrameWalk down = walkFrames(frame(alternateWords, 0), out, 16, threadRange.low, threadRange.high,
                                              nullptr, alternateRange);
            CHECK(down.frames == 3);
        }
    }
}

TEST_CASE("a link near the top of the address space ends the walk (no wrap-around in the bounds check)")
{
    // Code without frame pointers may hold anything in rbp across a call, e.g. -16: the check
    // of [fp, fp + 16) against the bounds must not wrap to 0 and pass (`file /usr/bin/ls`
    // crashed under --unwind fp in libmagic's vasprintf, session-21 sweep).
    FakeStack s;
    s.chain(3, 0x1000);
    for (uintptr_t link : {~uintptr_t{0} - 15, ~uintptr_t{0} - 7, ~uintptr_t{0}}) {
        s.setFrame(2, link, 0x1002);
        uint64_t out[8];
        const FrameWalk w = s.walk(out, 8, nullptr);
        CHECK(w.frames == 3);
        CHECK(StackRange{s.low(), s.high()}.holds(link, 16) == false);
    }
    const uintptr_t top = ~uintptr_t{0} - 15;  // the highest aligned address
    CHECK(StackRange{0, top}.holds(top - 16, 16));
    CHECK(!StackRange{0, top}.holds(top - 8, 16));
    CHECK(!StackRange{0, top}.holds(top, 16));
}
