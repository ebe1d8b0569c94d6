#include "report_stack.h"

#include <string_view>

namespace memtrace::report {

bool isShimFrame(const reader::SourceFrame& frame)
{
    std::string_view module = frame.module;
    const size_t slash = module.rfind('/');
    if (slash != std::string_view::npos) module.remove_prefix(slash + 1);
    return module.starts_with("libmemtrace_preload");
}

bool isStartupFrame(const reader::SourceFrame& frame)
{
    std::string_view f = frame.function;
    // The shim's wrapper of main (preload/hooks_process.cpp) tail-calls it, so it shows only
    // in a shim built without optimization: it is start-up there.
    return f == "_start" || f.starts_with("__libc_start_main") || f.starts_with("__libc_start_call_main") ||
           (f.find("mainWatchingExit") != std::string_view::npos && isShimFrame(frame));
}

std::vector<ReportFrame> reportFrames(const reader::StackTable& stacks, reader::Symbolizer& symbolizer,
                                      reader::StackIndex stack)
{
    std::vector<ReportFrame> out;
    bool any = false;  // a source survived: shim frames are only trimmed before the first one
    for (const reader::Frame& frame : stacks.frames(stack)) {
        const std::vector<reader::SourceFrame>& sources = symbolizer.symbolize(frame);
        ReportFrame kept{frame, &sources, 0, 0};
        for (uint32_t i = 0; i < sources.size(); ++i) {
            const reader::SourceFrame& source = sources[i];
            if (isStartupFrame(source)) {  // everything outside start-up is noise
                if (kept.count) out.push_back(kept);
                return out;
            }
            if (!any && isShimFrame(source)) {
                kept.first = i + 1;
                continue;
            }
            any = true;
            ++kept.count;
        }
        if (kept.count) out.push_back(kept);
    }
    return out;
}

std::vector<reader::SourceFrame> reportStack(const reader::StackTable& stacks, reader::Symbolizer& symbolizer,
                                             reader::StackIndex stack)
{
    std::vector<reader::SourceFrame> out;
    for (const ReportFrame& f : reportFrames(stacks, symbolizer, stack))
        out.insert(out.end(), f.sources->begin() + f.first, f.sources->begin() + f.first + f.count);
    return out;
}

std::string stackLabel(const std::vector<reader::SourceFrame>& frames, const std::string& empty)
{
    if (frames.empty()) return empty;
    std::string label = frames.front().function;
    if (frames.front().resolved) return label;
    int callers = 0;
    for (size_t i = 1; i < frames.size() && callers < 2; ++i) {
        if (!frames[i].resolved) continue;
        label += " ← " + frames[i].function;
        ++callers;
    }
    return label;
}

}  // namespace memtrace::report
