#include "diff_render.h"
#include "stack_json.h"

namespace memtrace::report {

namespace {

using nlohmann::json;

json metricsJson(const StackMetrics& m)
{
    return {{"peak_bytes", m.peakBytes},         {"leaked_bytes", m.leakedBytes}, {"leaked_blocks", m.leakedBlocks},
            {"allocated_bytes", m.allocatedBytes}, {"allocations", m.allocations},  {"temporary", m.temporary}};
}

json changeJson(const StackMetrics& b, const StackMetrics& h)
{
    return {{"peak_bytes", signedDelta(b.peakBytes, h.peakBytes)},
            {"leaked_bytes", signedDelta(b.leakedBytes, h.leakedBytes)},
            {"leaked_blocks", signedDelta(b.leakedBlocks, h.leakedBlocks)},
            {"allocated_bytes", signedDelta(b.allocatedBytes, h.allocatedBytes)},
            {"allocations", signedDelta(b.allocations, h.allocations)},
            {"temporary", signedDelta(b.temporary, h.temporary)}};
}

json sectionJson(const StackDiff& diff, const DiffSection& section)
{
    json stacks = json::array();
    for (size_t index : section.rows) {
        const DiffRow& row = diff.rows[index];
        stacks.push_back({{"status", statusName(row.status)},
                          {"base", metricsJson(row.base)},
                          {"head", metricsJson(row.head)},
                          {"change", changeJson(row.base, row.head)},
                          {"stack", framesJson(row.frames)}});
    }
    return {{"total", section.total}, {"stacks", std::move(stacks)}};
}

json captureJson(const CaptureTotals& t)
{
    return {{"capture", t.name}, {"program", t.program}, {"truncated", t.truncated}};
}

}  // namespace

json diffJson(const StackDiff& diff)
{
    json j;
    j["base"] = captureJson(diff.base);
    j["head"] = captureJson(diff.head);
    j["match"] = diffMatchName(diff.options.match);
    j["min_change_bytes"] = diff.options.minChange;
    j["min_change_pct"] = diff.options.minChangePct;
    json totals = json::object();
    for (const TotalLine& line : totalLines(diff))
        totals[line.key] = {{"base", line.base}, {"head", line.head}, {"change", signedDelta(line.base, line.head)}};
    j["totals"] = std::move(totals);
    j["identical"] = diff.identical();
    j["matched_stacks"] = diff.matched;
    j["hidden_as_noise"] = diff.hiddenAsNoise;
    j["regressions"] = sectionJson(diff, diff.regressions);
    j["improvements"] = sectionJson(diff, diff.improvements);
    j["new"] = sectionJson(diff, diff.added);
    j["vanished"] = sectionJson(diff, diff.vanished);
    json rules = json::array();
    for (const RuleResult& r : diff.rules)
        rules.push_back({{"rule", r.rule.text}, {"metric", ruleMetricName(r.rule.metric)}, {"base", r.base}, {"head", r.head},
                         {"failed", r.failed}});
    j["rules"] = std::move(rules);
    j["failed"] = diff.anyRuleFailed();
    return j;
}

}  // namespace memtrace::report
