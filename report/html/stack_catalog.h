// Every stack of a capture that holds a nonzero value for some metric, symbolized once and
// turned into a path of interned frames (outermost first), as flamegraphs and folded stacks
// draw them. A frame is (function, module): two calls of one function from different lines
// are one box; `location` keeps the first source line seen for the tooltip.
//
// Stacks that symbolize to nothing (stack 0 = "no stack", or only shim/start-up frames) get
// the one-frame path "[no stack]", so every byte has a place and totals stay exact.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "metrics.h"
#include "reader/capture_model.h"
#include "reader/symbolizer.h"

namespace memtrace::report::html {

struct CatalogFrame {
    std::string function;
    uint32_t module = 0;  // index into modules(); 0 = none
    std::string location; // "file:line", "" when unknown
};

class StackCatalog {
public:
    StackCatalog(const reader::CaptureModel& model, reader::Symbolizer& symbolizer);

    struct Entry {
        uint32_t stack = 0;          // StackIndex value
        MetricValues values{};
        std::vector<uint32_t> path;  // frame ids, outermost first
    };
    const std::vector<Entry>& entries() const { return m_entries; }
    const std::vector<CatalogFrame>& frames() const { return m_frames; }
    const std::vector<std::string>& modules() const { return m_modules; }
    MetricValues totals() const { return m_totals; }

    // Adds a synthetic frame (e.g. "[other]"); returns its id.
    uint32_t addFrame(std::string function);

private:
    uint32_t intern(const reader::SourceFrame& frame);
    uint32_t internModule(const std::string& path);

    std::vector<Entry> m_entries;
    std::vector<CatalogFrame> m_frames;
    std::unordered_map<std::string, uint32_t> m_frameIds;  // function + '\0' + module index
    std::vector<std::string> m_modules{""};
    std::unordered_map<std::string, uint32_t> m_moduleIds;
    MetricValues m_totals{};
};

}  // namespace memtrace::report::html
