#include "stack_catalog.h"

#include "report/report_stack.h"

namespace memtrace::report::html {

StackCatalog::StackCatalog(const reader::CaptureModel& model, reader::Symbolizer& symbolizer)
{
    const uint32_t noStack = addFrame("[no stack]");
    const auto& stats = model.heap().stacks();
    for (uint32_t i = 0; i < stats.size(); ++i) {
        const MetricValues values = stackValues(stats[i]);
        if (!anyNonZero(values)) continue;
        Entry entry;
        entry.stack = i;
        entry.values = values;
        if (i != 0 && i < model.stacks().size()) {
            const std::vector<reader::SourceFrame> frames = reportStack(model.stacks(), symbolizer, reader::StackIndex{i});
            for (auto it = frames.rbegin(); it != frames.rend(); ++it) entry.path.push_back(intern(*it));
        }
        if (entry.path.empty()) entry.path.push_back(noStack);
        for (size_t m = 0; m < kMetricCount; ++m) m_totals[m] += values[m];
        m_entries.push_back(std::move(entry));
    }
}

uint32_t StackCatalog::addFrame(std::string function)
{
    m_frames.push_back(CatalogFrame{std::move(function), 0, ""});
    return static_cast<uint32_t>(m_frames.size() - 1);
}

uint32_t StackCatalog::internModule(const std::string& path)
{
    if (path.empty()) return 0;
    auto [it, inserted] = m_moduleIds.try_emplace(path, static_cast<uint32_t>(m_modules.size()));
    if (inserted) m_modules.push_back(path);
    return it->second;
}

uint32_t StackCatalog::intern(const reader::SourceFrame& frame)
{
    const uint32_t module = internModule(frame.module);
    std::string key = frame.function;
    key.push_back('\0');
    key += std::to_string(module);
    auto [it, inserted] = m_frameIds.try_emplace(std::move(key), static_cast<uint32_t>(m_frames.size()));
    if (inserted) {
        std::string location;
        if (!frame.file.empty()) location = frame.file + (frame.line ? ":" + std::to_string(frame.line) : std::string());
        m_frames.push_back(CatalogFrame{frame.function, module, std::move(location)});
    }
    return it->second;
}

}  // namespace memtrace::report::html
