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
    return f == "_start" || f.starts_with("__libc_start_main") || f.starts_with("__libc_start_call_main");
}

std::vector<reader::SourceFrame> reportStack(const reader::StackTable& stacks, reader::Symbolizer& symbolizer,
                                             reader::StackIndex stack)
{
    std::vector<reader::SourceFrame> out;
    for (const reader::Frame& frame : stacks.frames(stack)) {
        for (const reader::SourceFrame& source : symbolizer.symbolize(frame)) {
            if (isStartupFrame(source)) return out;  // everything outside start-up is noise
            if (out.empty() && isShimFrame(source)) continue;
            out.push_back(source);
        }
    }
    return out;
}

}  // namespace memtrace::report
