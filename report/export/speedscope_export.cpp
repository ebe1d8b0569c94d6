#include "speedscope_export.h"

#include <nlohmann/json.hpp>

namespace memtrace::report::exporter {

namespace {

// CatalogFrame::location is "file:line" or "file" or "".
nlohmann::json frameJson(const html::CatalogFrame& frame)
{
    nlohmann::json j = {{"name", frame.function}};
    if (frame.location.empty()) return j;
    const size_t colon = frame.location.rfind(':');
    if (colon != std::string::npos && colon + 1 < frame.location.size() &&
        frame.location.find_first_not_of("0123456789", colon + 1) == std::string::npos) {
        j["file"] = frame.location.substr(0, colon);
        j["line"] = std::stoul(frame.location.substr(colon + 1));
    } else {
        j["file"] = frame.location;
    }
    return j;
}

nlohmann::json profileJson(const html::StackCatalog& catalog, html::Metric metric, const std::string& name)
{
    const size_t m = static_cast<size_t>(metric);
    const html::MetricInfo& info = html::metricInfo(metric);
    nlohmann::json samples = nlohmann::json::array();
    nlohmann::json weights = nlohmann::json::array();
    uint64_t total = 0;
    for (const html::StackCatalog::Entry& entry : catalog.entries()) {
        if (entry.values[m] == 0) continue;
        samples.push_back(entry.path);
        weights.push_back(entry.values[m]);
        total += entry.values[m];
    }
    return {
        {"type", "sampled"},
        {"name", std::string(info.label) + " - " + name},
        {"unit", info.bytes ? "bytes" : "none"},
        {"startValue", 0},
        {"endValue", total},
        {"samples", std::move(samples)},
        {"weights", std::move(weights)},
    };
}

}  // namespace

// One profile per metric (speedscope's profile menu switches between them); `metric` is the one
// shown first.
std::string speedscopeJson(const html::StackCatalog& catalog, html::Metric metric, const std::string& name,
                           const std::string& exporter)
{
    nlohmann::json frames = nlohmann::json::array();
    for (const html::CatalogFrame& frame : catalog.frames()) frames.push_back(frameJson(frame));
    nlohmann::json profiles = nlohmann::json::array();
    for (const html::MetricInfo& info : html::kMetrics) profiles.push_back(profileJson(catalog, info.metric, name));
    nlohmann::json file = {
        {"$schema", "https://www.speedscope.app/file-format-schema.json"},
        {"shared", {{"frames", std::move(frames)}}},
        {"profiles", std::move(profiles)},
        {"activeProfileIndex", static_cast<size_t>(metric)},
        {"name", name},
        {"exporter", exporter},
    };
    // Invalid UTF-8 in a symbol name must not make the export fail: replace it.
    return file.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

}  // namespace memtrace::report::exporter
