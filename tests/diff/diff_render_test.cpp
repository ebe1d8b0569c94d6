// The diff model and renderers on hand-made profiles: ranking, noise control, sections, and
// output that stays safe whatever the symbol names contain.
#include <catch2/catch.hpp>

#include <algorithm>
#include <random>

#include "golden_file.h"
#include "report/diff_model.h"
#include "report/diff_render.h"

using namespace memtrace;
using namespace memtrace::report;

namespace {

reader::SourceFrame frame(std::string function, std::string file = "", uint32_t line = 0)
{
    return reader::SourceFrame{std::move(function), std::move(file), line, "/bin/app", false, true};
}

ProfiledStack stack(std::vector<reader::SourceFrame> frames, uint64_t peak, uint64_t leaked, uint64_t allocated, uint64_t allocations)
{
    ProfiledStack s;
    s.frames = std::move(frames);  // the key is made by profile()
    s.metrics.peakBytes = peak;
    s.metrics.leakedBytes = leaked;
    s.metrics.leakedBlocks = leaked ? 1 : 0;
    s.metrics.allocatedBytes = allocated;
    s.metrics.allocations = allocations;
    return s;
}

CaptureProfile profile(const char* name, uint64_t peak, std::vector<ProfiledStack> stacks)
{
    CaptureProfile p;
    p.totals.name = name;
    p.totals.program = "app";
    p.totals.peakHeapBytes = peak;
    p.totals.peakRssBytes = 4 << 20;
    p.totals.durationUs = 1500;
    for (const ProfiledStack& s : stacks) {
        p.totals.leakedBytes += s.metrics.leakedBytes;
        p.totals.leakedBlocks += s.metrics.leakedBlocks;
        p.totals.allocatedBytes += s.metrics.allocatedBytes;
        p.totals.allocations += s.metrics.allocations;
    }
    for (ProfiledStack& s : stacks) s.key = stackKey(s.frames, DiffMatch::Function, p.keys);
    std::sort(stacks.begin(), stacks.end(),
              [&](const ProfiledStack& a, const ProfiledStack& b) { return compareKeys(a.key, p.keys, b.key, p.keys) < 0; });
    p.stacks = std::move(stacks);
    return p;
}

// Names no Markdown renderer should interpret: table pipes, code spans, HTML, emphasis.
const reader::SourceFrame kMain = frame("main", "/src/app.c", 10);
const reader::SourceFrame kPipe = frame("operator|<`tick`>", "/src/a|b.cc", 7);
const reader::SourceFrame kFence = frame("quote```three", "/src/<x>.c", 3);
const reader::SourceFrame kScript = frame("</script><img src=x onerror=alert(1)>", "/src/s.c", 1);

CaptureProfile baseProfile()
{
    return profile("base.mtrace", 10000,
                   {stack({kPipe, kMain}, 1000, 0, 5000, 5), stack({kFence, kMain}, 4000, 4000, 4000, 4),
                    stack({frame("steady"), kMain}, 100, 0, 100, 1), stack({frame("tiny_growth"), kMain}, 1000, 0, 1000, 1),
                    stack({frame("gone_fn"), kMain}, 0, 0, 64, 1)});
}

CaptureProfile headProfile()
{
    return profile("head.mtrace", 12000,
                   {stack({kPipe, kMain}, 3048, 0, 9000, 9), stack({kFence, kMain}, 0, 0, 4000, 4),
                    stack({frame("steady"), kMain}, 100, 0, 100, 1), stack({frame("tiny_growth"), kMain}, 1010, 0, 1010, 1),
                    stack({kScript, kMain}, 500, 500, 500, 1)});
}

std::vector<FailRule> rules(std::initializer_list<const char*> texts)
{
    std::vector<FailRule> out;
    for (const char* text : texts) {
        std::string error;
        out.push_back(*parseFailRule(text, error));
    }
    return out;
}

// The Markdown minus the contents of fenced code blocks (a fence line opens, the same closes).
std::string withoutCodeBlocks(const std::string& md)
{
    std::string out, fence;
    size_t start = 0;
    while (start < md.size()) {
        size_t end = md.find('\n', start);
        if (end == std::string::npos) end = md.size();
        const std::string line = md.substr(start, end - start);
        start = end + 1;
        if (fence.empty() && line.rfind("```", 0) == 0) {
            fence = line;
        } else if (!fence.empty()) {
            if (line == fence) fence.clear();
        } else {
            out += line + "\n";
        }
    }
    return out;
}

}  // namespace

TEST_CASE("stacks are joined by key and sorted into sections")
{
    const StackDiff d = diffProfiles(baseProfile(), headProfile(), DiffOptions{});
    CHECK(d.matched == 4);
    REQUIRE(d.regressions.total == 2);
    // Ranked by the largest byte change: operator| (+4000 allocated) before tiny_growth (+10).
    CHECK(d.rows[d.regressions.rows[0]].frames.front().function == kPipe.function);
    CHECK(d.rows[d.regressions.rows[0]].score == 4000);
    CHECK(d.rows[d.regressions.rows[1]].frames.front().function == "tiny_growth");
    REQUIRE(d.improvements.total == 1);
    CHECK(d.rows[d.improvements.rows[0]].score == -4000);  // peak and leaked -4000: peak wins the tie
    REQUIRE(d.added.total == 1);
    CHECK(d.rows[d.added.rows[0]].frames.front().function == kScript.function);
    REQUIRE(d.vanished.total == 1);
    CHECK(d.rows[d.vanished.rows[0]].frames.front().function == "gone_fn");
    CHECK(d.hiddenAsNoise == 0);
    CHECK_FALSE(d.identical());
}

TEST_CASE("noise thresholds hide small changes")
{
    DiffOptions o;
    o.minChange = 100;
    StackDiff d = diffProfiles(baseProfile(), headProfile(), o);
    CHECK(d.regressions.total == 1);  // tiny_growth (+10 B) is hidden
    CHECK(d.vanished.total == 0);     // gone_fn: 64 B
    CHECK(d.hiddenAsNoise == 2);

    o = DiffOptions{};
    o.minChangePct = 5;  // tiny_growth is +1%
    d = diffProfiles(baseProfile(), headProfile(), o);
    CHECK(d.regressions.total == 1);
    CHECK(d.vanished.total == 1);  // a change to or from zero always passes the percentage

    o = DiffOptions{};
    o.top = 1;
    d = diffProfiles(baseProfile(), headProfile(), o);
    CHECK(d.regressions.total == 2);
    CHECK(d.regressions.rows.size() == 1);
}

TEST_CASE("a profile compared with itself has no differences")
{
    const StackDiff d = diffProfiles(baseProfile(), baseProfile(), DiffOptions{}, rules({"peak>+0", "leaked>+0%"}));
    CHECK(d.identical());
    CHECK_FALSE(d.anyRuleFailed());
    CHECK(d.regressions.total + d.improvements.total + d.added.total + d.vanished.total == 0);
    CHECK(diffText(d).find("no differences") != std::string::npos);
    CHECK(diffMarkdown(d).find("**No differences:**") != std::string::npos);
}

TEST_CASE("markdown escapes names and fences stacks (golden)")
{
    const StackDiff d = diffProfiles(baseProfile(), headProfile(), DiffOptions{}, rules({"peak>+10%", "leaked>+0"}));
    const std::string md = diffMarkdown(d);
    // No raw HTML from a symbol outside code blocks (inside them it is shown literally), no
    // unescaped pipe in a table row.
    const std::string prose = withoutCodeBlocks(md);
    CHECK(prose.find("<img") == std::string::npos);
    CHECK(prose.find("</script>") == std::string::npos);
    CHECK(prose.find("&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;") != std::string::npos);
    CHECK(md.find("```\n</script><img src=x onerror=alert(1)>  /src/s.c:1\n") != std::string::npos);
    CHECK(md.find("operator\\|&lt;\\`tick\\`&gt;") != std::string::npos);
    CHECK(md.find("\n````\nquote```three") != std::string::npos);  // fence longer than the ``` inside
    memtrace::difftest::checkGolden("escaping.md", md);
}

TEST_CASE("html keeps capture strings inside the JSON island")
{
    const std::string html = diffHtml(diffProfiles(baseProfile(), headProfile(), DiffOptions{}));
    CHECK(html.find("<img") == std::string::npos);
    CHECK(html.find("\\u003c/script\\u003e\\u003cimg src=x") != std::string::npos);
    // Exactly one closing tag per script element, no remote resources.
    size_t closing = 0;
    for (size_t at = html.find("</script>"); at != std::string::npos; at = html.find("</script>", at + 1)) ++closing;
    CHECK(closing == 2);
    CHECK(html.find("http://") == std::string::npos);
    CHECK(html.find("https://") == std::string::npos);
    CHECK(html.find("innerHTML") == std::string::npos);
}

// The page's data island as JSON (its \u003c escapes are JSON escapes).
nlohmann::json pageIsland(const std::string& html)
{
    const std::string open = "id=\"diff-data\">";
    const size_t from = html.find(open) + open.size();
    return nlohmann::json::parse(html.substr(from, html.find("</script>", from) - from));
}

TEST_CASE("html graph: whole while small, pruned past its node limit, the root's values kept")
{
    std::vector<ProfiledStack> baseStacks, headStacks;
    for (int i = 0; i < 50; ++i) {  // 50 leaves under main, one of them far heavier
        const uint64_t weight = i == 0 ? 100000 : 10 + i;
        baseStacks.push_back(stack({frame("leaf" + std::to_string(i)), kMain}, weight, 0, weight, 1));
        headStacks.push_back(stack({frame("leaf" + std::to_string(i)), kMain}, weight + 1, 0, weight + 1, 1));
    }
    const StackDiff diff = diffProfiles(profile("b", 200000, baseStacks), profile("h", 200000, headStacks), DiffOptions{});
    const nlohmann::json whole = pageIsland(diffHtml(diff));
    CHECK(whole["graph"]["cutoff"] == 0);
    CHECK(whole["graph"]["nodes"] == 52);  // all, main, 50 leaves
    CHECK(whole["graph"]["full_nodes"] == 52);

    const nlohmann::json pruned = pageIsland(diffHtml(diff, {}, 10));
    CHECK(pruned["graph"]["cutoff"].get<double>() > 0);
    CHECK(pruned["graph"]["nodes"].get<size_t>() <= 10);
    CHECK(pruned["graph"]["folded_nodes"].get<size_t>() > 0);
    const nlohmann::json& tree = pruned["tree"];
    REQUIRE(tree["parent"].size() == pruned["graph"]["nodes"].get<size_t>());
    CHECK(tree["parent"][0] == -1);
    // The root's base and head values (peak, leaked, allocated, allocations) are the rows' sums.
    uint64_t weights = 0;
    for (int i = 0; i < 50; ++i) weights += i == 0 ? 100000 : 10 + i;
    const std::vector<uint64_t> expected{weights, 0, weights, 50, weights + 50, 0, weights + 50, 50};
    for (const nlohmann::json* page : {&whole, &pruned}) {
        const nlohmann::json& values = (*page)["tree"]["values"];
        CHECK(std::vector<uint64_t>(values.begin(), values.begin() + 8) == expected);
    }
    // What is left under main: the heavy leaf, and one box for the 49 others.
    CHECK(pruned["graph"]["nodes"] == 4);
}

TEST_CASE("json has the documented keys and signed changes")
{
    const nlohmann::json j = diffJson(diffProfiles(baseProfile(), headProfile(), DiffOptions{}, rules({"peak>+10%"})));
    CHECK(j["totals"]["peak_heap_bytes"]["change"] == 2000);
    CHECK(j["improvements"]["stacks"][0]["change"]["leaked_bytes"] == -4000);
    CHECK(j["new"]["stacks"][0]["status"] == "new");
    CHECK(j["rules"][0]["failed"] == true);
    CHECK(j["failed"] == true);
    CHECK(j["match"] == "function");
}

TEST_CASE("frames are attached to the rows shown, from HEAD when the key is in HEAD")
{
    // Profiles as profileCapture makes them: keys and metrics, no frames.
    auto withoutFrames = [](CaptureProfile p) {
        for (ProfiledStack& s : p.stacks) s.frames.clear();
        return p;
    };
    const CaptureProfile base = withoutFrames(baseProfile()), head = withoutFrames(headProfile());
    StackDiff d = diffProfiles(base, head, DiffOptions{.top = 1});
    for (const DiffRow& row : d.rows) CHECK(row.frames.empty());
    auto framesOf = [&](int profile, size_t stack) {
        const CaptureProfile& p = profile == 0 ? base : head;
        return std::vector<reader::SourceFrame>{frame((profile == 0 ? "base:" : "head:") + p.keys.text(p.stacks[stack].key))};
    };

    const std::vector<size_t> shown = shownRows(d, false);
    CHECK(shown.size() == 4);  // one row per section (--top 1)
    attachFrames(d, shown, framesOf);
    for (size_t r = 0; r < d.rows.size(); ++r) {
        const DiffRow& row = d.rows[r];
        const bool isShown = std::find(shown.begin(), shown.end(), r) != shown.end();
        REQUIRE(row.frames.empty() != isShown);
        if (!isShown) continue;
        const bool inHead = row.status != DiffStatus::Vanished;
        const std::string expected = inHead ? "head:" + head.keys.text(head.stacks[row.headStack].key)
                                            : "base:" + base.keys.text(base.stacks[row.baseStack].key);
        CHECK(row.frames.front().function == expected);
    }
    CHECK(d.rows[d.vanished.rows[0]].frames.front().function.starts_with("base:"));

    const std::vector<size_t> all = shownRows(d, true);
    CHECK(all.size() == d.rows.size());
    attachFrames(d, all, framesOf);
    for (const DiffRow& row : d.rows) CHECK_FALSE(row.frames.empty());
}

TEST_CASE("stack keys compare and hash as the texts their parts join into")
{
    KeyTable a, b;
    auto key = [](KeyTable& t, std::vector<std::string> parts) {
        StackKey k;
        for (const std::string& p : parts) k.push_back(t.intern(p));
        return k;
    };
    // Random keys from a small alphabet that includes the separator itself and a byte above
    // 0x7f (compared unsigned, as std::string does): every order and equality must be the text's.
    std::mt19937 random(7);
    const std::string alphabet = std::string("ab\x1f") + '\xe9';
    std::vector<std::vector<std::string>> keys;
    for (int i = 0; i < 300; ++i) {
        std::vector<std::string> parts(random() % 4);
        for (std::string& p : parts)
            for (size_t n = random() % 3; n > 0; --n) p += alphabet[random() % alphabet.size()];
        keys.push_back(parts);
    }
    for (const auto& x : keys) {
        const StackKey kx = key(a, x);
        const std::string tx = a.text(kx);
        for (const auto& y : keys) {
            const StackKey ky = key(b, y);
            const std::string ty = b.text(ky);
            const int expected = tx < ty ? -1 : tx > ty ? 1 : 0;
            REQUIRE(compareKeys(kx, a, ky, b) == expected);
            const StackKey kyInA = key(a, y);
            REQUIRE(compareKeys(kx, a, kyInA, a) == expected);
            if (expected == 0) REQUIRE(a.hash(kx) == a.hash(kyInA));
        }
    }
    CHECK(a.text(key(a, {"f", "g"})) == "f\x1fg");
    const KeyTable copy = a;  // a copy finds its own parts
    CHECK(KeyTable(copy).intern("f") == a.intern("f"));
}
