#include "diff_capture.h"
#include "reader/capture_loader.h"

#include <algorithm>
#include <deque>
#include <string_view>
#include <unordered_map>

#include "report_stack.h"

namespace memtrace::report {

namespace {

std::string baseName(const std::string& path)
{
    const size_t slash = path.rfind('/');
    return slash == std::string::npos ? path : path.substr(slash + 1);
}

// Separators that cannot occur in symbol names or paths.
constexpr char kFrameSeparator = '\x1f';
constexpr char kFieldSeparator = '\x1e';

}  // namespace

const char* diffMatchName(DiffMatch match)
{
    switch (match) {
    case DiffMatch::Function: return "function";
    case DiffMatch::Line: return "line";
    case DiffMatch::Leaf: return "leaf";
    }
    return "function";
}

const char* diffMatchDescription(DiffMatch match)
{
    switch (match) {
    case DiffMatch::Function: return "function names";
    case DiffMatch::Line: return "function and file:line";
    case DiffMatch::Leaf: return "allocating function";
    }
    return "function names";
}

StackMetrics& StackMetrics::operator+=(const StackMetrics& o)
{
    peakBytes += o.peakBytes;
    leakedBytes += o.leakedBytes;
    leakedBlocks += o.leakedBlocks;
    allocatedBytes += o.allocatedBytes;
    allocations += o.allocations;
    temporary += o.temporary;
    return *this;
}

namespace {

std::string keyOf(const std::vector<const reader::SourceFrame*>& frames, DiffMatch match)
{
    std::string key;
    for (const reader::SourceFrame* frame : frames) {
        if (!key.empty()) key += kFrameSeparator;
        key += frame->function;
        if (match == DiffMatch::Line) {
            key += kFieldSeparator;
            key += frame->file + ":" + std::to_string(frame->line);
        }
        if (match == DiffMatch::Leaf) break;
    }
    return key;
}

// A stack's frames as reportStack gives them, but as pointers into the symbolizer's cache.
std::vector<const reader::SourceFrame*> framesInCache(const reader::CaptureModel& model, reader::Symbolizer& symbolizer,
                                                      uint32_t stack)
{
    std::vector<const reader::SourceFrame*> frames;
    for (const ReportFrame& f : reportFrames(model.stacks(), symbolizer, reader::StackIndex{stack}))
        for (uint32_t i = f.first; i < f.first + f.count; ++i) frames.push_back(&(*f.sources)[i]);
    return frames;
}

}  // namespace

std::string stackKey(const std::vector<reader::SourceFrame>& frames, DiffMatch match)
{
    std::vector<const reader::SourceFrame*> pointers;
    for (const reader::SourceFrame& frame : frames) pointers.push_back(&frame);
    return keyOf(pointers, match);
}

std::vector<reader::SourceFrame> framesOf(const ProfiledStack& stack, const reader::CaptureModel& model,
                                          reader::Symbolizer& symbolizer)
{
    return reportStack(model.stacks(), symbolizer, reader::StackIndex{stack.representative});
}

CaptureProfile profileCapture(const std::string& path, const reader::CaptureModel& model, const reader::StreamResult& read,
                              reader::Symbolizer& symbolizer, DiffMatch match)
{
    CaptureProfile profile;
    CaptureTotals& t = profile.totals;
    t.name = baseName(path);
    if (const auto& process = model.process()) t.program = baseName(process->exePath);
    const reader::HeapTracker& heap = model.heap();
    t.peakHeapBytes = heap.peakBytes();
    t.peakRssBytes = model.rssPeakBytes();
    t.allocatedBytes = heap.allocatedBytes();
    t.allocations = heap.allocations();
    t.temporary = heap.temporary();
    t.durationUs = model.durationUs();
    t.truncated = reader::captureIsCut(model, read);
    t.sampleRate = model.sampleRate();

    const auto& stats = heap.stacks();
    std::vector<StackMetrics> perStack(stats.size());
    for (size_t i = 0; i < stats.size(); ++i) {
        perStack[i].peakBytes = stats[i].peakBytes;
        perStack[i].allocatedBytes = stats[i].allocatedBytes;
        perStack[i].allocations = stats[i].allocations;
        perStack[i].temporary = stats[i].temporary;
    }
    for (const reader::LeakGroup& leak : model.leaks()) {
        t.leakedBytes += leak.bytes;
        t.leakedBlocks += leak.blocks;
        if (leak.stack.value() >= perStack.size()) perStack.resize(leak.stack.value() + 1);
        perStack[leak.stack.value()].leakedBytes += leak.bytes;
        perStack[leak.stack.value()].leakedBlocks += leak.blocks;
    }

    // The frames shown for a key are those of its heaviest raw stack (by allocated bytes, then
    // lowest index): deterministic, and the most representative call path. A deque keeps every
    // key in place for the views the map holds.
    std::deque<ProfiledStack> stacks;
    std::unordered_map<std::string_view, size_t> byKey;
    for (uint32_t i = 0; i < perStack.size(); ++i) {
        const StackMetrics& m = perStack[i];
        if (m.allocations == 0 && m.leakedBlocks == 0 && m.peakBytes == 0) continue;
        std::string key = keyOf(framesInCache(model, symbolizer, i), match);
        if (const auto it = byKey.find(key); it != byKey.end()) {
            ProfiledStack& stack = stacks[it->second];
            stack.metrics += m;
            if (m.allocatedBytes > perStack[stack.representative].allocatedBytes) stack.representative = i;
            continue;
        }
        stacks.push_back(ProfiledStack{std::move(key), m, i, {}});
        byKey.emplace(stacks.back().key, stacks.size() - 1);
    }
    profile.stacks.assign(std::make_move_iterator(stacks.begin()), std::make_move_iterator(stacks.end()));
    std::sort(profile.stacks.begin(), profile.stacks.end(),
              [](const ProfiledStack& a, const ProfiledStack& b) { return a.key < b.key; });
    return profile;
}

}  // namespace memtrace::report
