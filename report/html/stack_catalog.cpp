#include "stack_catalog.h"

#include "reader/flat_hash_map.h"
#include "report/report_stack.h"

namespace memtrace::report::html {

StackCatalog::StackCatalog(const reader::CaptureModel& model, reader::Symbolizer& symbolizer)
{
    const uint32_t noStack = addFrame("[no stack]");
    // A source frame's id by its address in the symbolizer's cache, which keeps every frame in
    // place: one integer probe per frame instead of a string key (100000 stacks of ~50 frames:
    // the strings took ~0.9 s).
    reader::FlatHashMap64<uint32_t> idOfSource;
    const auto& stats = model.heap().stacks();
    for (uint32_t i = 0; i < stats.size(); ++i) {
        const MetricValues values = stackValues(stats[i]);
        if (!anyNonZero(values)) continue;
        Entry entry;
        entry.stack = i;
        entry.values = values;
        if (i != 0 && i < model.stacks().size()) {
            const std::vector<ReportFrame> frames = reportFrames(model.stacks(), symbolizer, reader::StackIndex{i});
            for (auto it = frames.rbegin(); it != frames.rend(); ++it) {  // outermost first
                for (uint32_t j = it->first + it->count; j-- > it->first;) {
                    const reader::SourceFrame& source = (*it->sources)[j];
                    auto [id, inserted] = idOfSource.insert(reinterpret_cast<uintptr_t>(&source), 0);
                    if (inserted) *id = intern(source);
                    entry.path.push_back(*id);
                }
            }
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
