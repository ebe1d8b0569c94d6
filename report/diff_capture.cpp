#include "diff_capture.h"
#include "reader/capture_loader.h"

#include <algorithm>
#include <unordered_map>

#include "reader/flat_hash_map.h"
#include "report_stack.h"

namespace memtrace::report {

namespace {

std::string baseName(const std::string& path)
{
    const size_t slash = path.rfind('/');
    return slash == std::string::npos ? path : path.substr(slash + 1);
}

// Between function and file:line in a Line key's part (KeyTable::kPartSeparator between parts).
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

std::string keyPart(const reader::SourceFrame& frame, DiffMatch match)
{
    if (match != DiffMatch::Line) return frame.function;
    return frame.function + kFieldSeparator + frame.file + ":" + std::to_string(frame.line);
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

StackKey stackKey(const std::vector<reader::SourceFrame>& frames, DiffMatch match, KeyTable& table)
{
    StackKey key;
    for (const reader::SourceFrame& frame : frames) {
        key.push_back(table.intern(keyPart(frame, match)));
        if (match == DiffMatch::Leaf) break;
    }
    return key;
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
    // lowest index): deterministic, and the most representative call path. A key part is made
    // once per source frame of the symbolizer's cache (which keeps them in place).
    reader::FlatHashMap64<uint32_t> partOf;
    std::unordered_multimap<uint64_t, size_t> byHash;  // the key's hash -> index in profile.stacks
    for (uint32_t i = 0; i < perStack.size(); ++i) {
        const StackMetrics& m = perStack[i];
        if (m.allocations == 0 && m.leakedBlocks == 0 && m.peakBytes == 0) continue;
        StackKey key;
        for (const reader::SourceFrame* frame : framesInCache(model, symbolizer, i)) {
            auto [id, inserted] = partOf.insert(reinterpret_cast<uintptr_t>(frame), 0);
            if (inserted) *id = profile.keys.intern(keyPart(*frame, match));
            key.push_back(*id);
            if (match == DiffMatch::Leaf) break;
        }
        const uint64_t hash = profile.keys.hash(key);
        ProfiledStack* same = nullptr;
        for (auto [it, end] = byHash.equal_range(hash); it != end && !same; ++it)
            if (compareKeys(profile.stacks[it->second].key, profile.keys, key, profile.keys) == 0) same = &profile.stacks[it->second];
        if (same) {
            same->metrics += m;
            if (m.allocatedBytes > perStack[same->representative].allocatedBytes) same->representative = i;
            continue;
        }
        byHash.emplace(hash, profile.stacks.size());
        profile.stacks.push_back(ProfiledStack{std::move(key), m, i, {}});
    }
    std::sort(profile.stacks.begin(), profile.stacks.end(), [&](const ProfiledStack& a, const ProfiledStack& b) {
        return compareKeys(a.key, profile.keys, b.key, profile.keys) < 0;
    });
    return profile;
}

}  // namespace memtrace::report
