// --fail-if expressions and sizes: what parses, what is refused, and where the boundaries are.
#include <catch2/catch.hpp>

#include "report/diff_rules.h"

using namespace memtrace::report;

namespace {

FailRule parsed(const char* text)
{
    std::string error;
    std::optional<FailRule> rule = parseFailRule(text, error);
    INFO(text << ": " << error);
    REQUIRE(rule);
    return *rule;
}

std::string refused(const char* text)
{
    std::string error;
    CHECK_FALSE(parseFailRule(text, error));
    CHECK_FALSE(error.empty());
    return error;
}

CaptureTotals withPeak(uint64_t peak)
{
    CaptureTotals t;
    t.peakHeapBytes = peak;
    return t;
}

}  // namespace

TEST_CASE("sizes")
{
    CHECK(parseSize("0") == 0u);
    CHECK(parseSize("4096") == 4096u);
    CHECK(parseSize("64KiB") == 65536u);
    CHECK(parseSize("64 kib") == 65536u);
    CHECK(parseSize("2MiB") == 2097152u);
    CHECK(parseSize("1GiB") == 1073741824u);
    CHECK(parseSize("5KB") == 5000u);
    CHECK(parseSize("1.5MB") == 1500000u);
    CHECK(parseSize("7B") == 7u);
    CHECK_FALSE(parseSize(""));
    CHECK_FALSE(parseSize("1.5"));
    CHECK_FALSE(parseSize("12XB"));
    CHECK_FALSE(parseSize("-4"));
    CHECK_FALSE(parseSize("KiB"));
}

TEST_CASE("fail-if expressions parse")
{
    FailRule r = parsed("peak>+5%");
    CHECK(r.metric == RuleMetric::Peak);
    CHECK(r.percent);
    CHECK(r.threshold == 5.0);

    r = parsed("leaked>+0");
    CHECK(r.metric == RuleMetric::Leaked);
    CHECK_FALSE(r.percent);
    CHECK(r.threshold == 0.0);

    r = parsed(" allocated > +64KiB ");
    CHECK(r.metric == RuleMetric::Allocated);
    CHECK(r.threshold == 65536.0);
    CHECK(r.text == "allocated > +64KiB");

    CHECK(parsed("rss>1MB").threshold == 1e6);
    CHECK(parsed("allocations>+10%").metric == RuleMetric::Allocations);
    CHECK(parsed("temporary>+100").threshold == 100.0);
    CHECK(parsed("peak>-2.5%").threshold == -2.5);
}

TEST_CASE("fail-if expressions are refused with a reason")
{
    refused("peak");
    refused("peak<+5%");
    refused("peak>=+5%");
    refused("heap>+5%");
    refused("peak>");
    refused("peak>+five");
    refused("peak>+5x");
    refused("peak>+1.5");
    CHECK(refused("allocations>+1KiB").find("count") != std::string::npos);
}

TEST_CASE("fail-if boundaries")
{
    const CaptureTotals base = withPeak(1000);
    CHECK_FALSE(evaluateRule(parsed("peak>+5%"), base, withPeak(1050)).failed);  // exactly 5%: not greater
    CHECK(evaluateRule(parsed("peak>+5%"), base, withPeak(1051)).failed);
    CHECK_FALSE(evaluateRule(parsed("peak>+50"), base, withPeak(1050)).failed);
    CHECK(evaluateRule(parsed("peak>+49"), base, withPeak(1050)).failed);
    CHECK_FALSE(evaluateRule(parsed("peak>+0"), base, withPeak(900)).failed);
    CHECK(evaluateRule(parsed("peak>-10%"), base, withPeak(950)).failed);  // had to shrink by 10%
    CHECK_FALSE(evaluateRule(parsed("peak>-10%"), base, withPeak(899)).failed);
    // From zero: any growth is an infinite percentage; staying at zero is 0%.
    CHECK(evaluateRule(parsed("peak>+500%"), withPeak(0), withPeak(1)).failed);
    CHECK_FALSE(evaluateRule(parsed("peak>+0%"), withPeak(0), withPeak(0)).failed);
    const RuleResult r = evaluateRule(parsed("peak>+5%"), base, withPeak(1100));
    CHECK(r.base == 1000);
    CHECK(r.head == 1100);
}
