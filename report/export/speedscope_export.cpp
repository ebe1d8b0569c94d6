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

std::string dumpString(const std::string& text)
{
    // Invalid UTF-8 in a symbol name must not make the export fail: replace it.
    return nlohmann::json(text).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// One profile, written straight out: its samples are every stack's frame path, 5 M numbers
// for 100000 stacks, which as a JSON tree took ~400 MB and most of the export's 3 s. The keys
// come in the order nlohmann::json gives an object's keys (sorted), as the rest of the file.
void appendProfile(std::string& out, const html::StackCatalog& catalog, html::Metric metric, const std::string& name)
{
    const size_t m = static_cast<size_t>(metric);
    const html::MetricInfo& info = html::metricInfo(metric);
    uint64_t total = 0;
    for (const html::StackCatalog::Entry& entry : catalog.entries()) total += entry.values[m];
    out += "{\"endValue\":" + std::to_string(total) + ",\"name\":" + dumpString(std::string(info.label) + " - " + name) +
           ",\"samples\":[";
    bool first = true;
    for (const html::StackCatalog::Entry& entry : catalog.entries()) {
        if (entry.values[m] == 0) continue;
        out += first ? "[" : ",[";
        first = false;
        for (size_t i = 0; i < entry.path.size(); ++i) {
            if (i) out += ',';
            out += std::to_string(entry.path[i]);
        }
        out += ']';
    }
    out += "],\"startValue\":0,\"type\":\"sampled\",\"unit\":";
    out += info.bytes ? "\"bytes\"" : "\"none\"";
    out += ",\"weights\":[";
    first = true;
    for (const html::StackCatalog::Entry& entry : catalog.entries()) {
        if (entry.values[m] == 0) continue;
        if (!first) out += ',';
        first = false;
        out += std::to_string(entry.values[m]);
    }
    out += "]}";
}

}  // namespace

// One profile per metric (speedscope's profile menu switches between them); `metric` is the one
// shown first.
std::string speedscopeJson(const html::StackCatalog& catalog, html::Metric metric, const std::string& name,
                           const std::string& exporter)
{
    nlohmann::json frames = nlohmann::json::array();
    for (const html::CatalogFrame& frame : catalog.frames()) frames.push_back(frameJson(frame));
    std::string out = "{\"$schema\":\"https://www.speedscope.app/file-format-schema.json\",\"activeProfileIndex\":" +
                      std::to_string(static_cast<size_t>(metric)) + ",\"exporter\":" + dumpString(exporter) +
                      ",\"name\":" + dumpString(name) + ",\"profiles\":[";
    for (const html::MetricInfo& info : html::kMetrics) {
        if (info.metric != html::kMetrics[0].metric) out += ',';
        appendProfile(out, catalog, info.metric, name);
    }
    out += "],\"shared\":{\"frames\":" + frames.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "}}\n";
    return out;
}

}  // namespace memtrace::report::exporter
