#include "stack_json.h"

namespace memtrace::report {

nlohmann::json framesJson(const std::vector<reader::SourceFrame>& frames)
{
    using nlohmann::json;
    json out = json::array();
    for (const reader::SourceFrame& f : frames) {
        json frame = {{"function", f.function}, {"module", f.module}};
        frame["file"] = f.file.empty() ? json(nullptr) : json(f.file);
        frame["line"] = f.line == 0 ? json(nullptr) : json(f.line);
        if (f.inlined) frame["inlined"] = true;
        out.push_back(std::move(frame));
    }
    return out;
}

}  // namespace memtrace::report
