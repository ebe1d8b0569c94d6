#include "summary_text.h"

#include <algorithm>
#include <cstdio>

#include "human_size.h"
#include "terminal_text.h"

namespace memtrace::report {

namespace {

std::string joinArguments(const std::vector<std::string>& argv)
{
    std::string out;
    for (const std::string& arg : argv) {
        if (!out.empty()) out += ' ';
        const bool quote = arg.empty() || arg.find_first_of(" \t\"'\\$") != std::string::npos;
        if (!quote) {
            out += terminalSafe(arg);
            continue;
        }
        out += '\'';
        for (char c : terminalSafe(arg)) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
        out += '\'';
    }
    return out;
}

// A size histogram row's upper bound, "<= 16 B", "<= 2 KiB" (bucket bounds are powers of
// two; the last, 2^64 - 1, shows as 16 EiB). Rows run from the smallest bucket up, empty ones
// included, so a row holds the sizes above the previous row's bound.
std::string sizeBound(uint64_t maxSize)
{
    static const char* const kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
    int unit = 0;
    uint64_t value = maxSize;
    if (value == ~uint64_t{0}) return "<= 16 EiB";
    while (value >= 1024 && value % 1024 == 0 && unit < 6) {
        value /= 1024;
        ++unit;
    }
    return "<= " + std::to_string(value) + " " + kUnits[unit];
}

// "1 block", "2 blocks".
std::string counted(uint64_t n, const char* singular, const char* plural)
{
    return std::to_string(n) + " " + (n == 1 ? singular : plural);
}

// Rows with their stacks; headline(row) is what precedes the frames on the rank line.
template <class Headline>
void appendStacks(std::string& out, const std::vector<StackRow>& rows, Headline headline)
{
    size_t rank = 0;
    for (const StackRow& row : rows) {
        out += "  #" + std::to_string(++rank) + " " + headline(row) + "\n";
        if (row.frames.empty()) out += "      (no stack)\n";
        for (const reader::SourceFrame& f : row.frames) out += "      " + frameLine(f) + "\n";
    }
}

// The byte lists' headline: "1.00 KiB (1024 B)[ in 2 blocks], malloc, 5 allocations by this stack".
std::string bytesHeadline(const StackRow& row, bool blocks)
{
    std::string line = humanSize(row.bytes);
    if (blocks) line += " in " + counted(row.blocks, "block", "blocks");
    return line + ", " + row.kind + ", " + counted(row.allocations, "allocation", "allocations") + " by this stack";
}

std::string field(const char* name) { return "  " + std::string(name) + std::string(20 - std::string(name).size(), ' '); }

}  // namespace

std::string summaryText(const Summary& s)
{
    std::string out = "memtrace summary";
    if (!s.commandLine.empty()) out += ": " + joinArguments(s.commandLine);
    else if (!s.program.empty()) out += ": " + terminalSafe(s.program);
    if (s.pid) out += " (pid " + std::to_string(*s.pid) + ")";
    out += "\n";

    out += field("duration") + seconds(s.durationUs) + " s";
    if (s.exitStatus) {
        out += s.exitStatus->kind == format::ExitKind::Signaled ? ", killed by signal " : ", exit status ";
        out += std::to_string(s.exitStatus->code);
    } else if (s.endedBySignal) {
        out += ", ended by a signal";  // no launcher to say which (LD_PRELOAD set by hand)
    }
    out += ", " + counted(s.threads, "thread", "threads") + "\n";
    if (s.truncated) {
        out += field("capture") + (s.corrupt ? "corrupt" : "truncated");
        if (s.stopByte) out += " at byte " + std::to_string(*s.stopByte);
        out += "; events up to " + seconds(s.durationUs) + " s were read\n";
    }
    if (s.trackingStopped)
        out += field("tracking") + "stopped at " + seconds(s.durationUs) + " s: " + terminalSafe(*s.trackingStopped) +
               "; nothing after it is recorded\n";
    if (!s.foreignMalloc.empty())
        out += field("heap numbers") + "not recorded: the program's malloc is its own (" + terminalSafe(s.foreignMalloc) +
               "), only its mmap, munmap and mremap calls are\n";
    if (s.eventsLost)
        out += field("lost events") + std::to_string(s.eventsLost) +
               " (the shim dropped them while its writer was stalled: the counts below are short by them)\n";
    if (s.soak)
        out += field("soak capture") + std::to_string(s.snapshots) + (s.snapshots == 1 ? " snapshot" : " snapshots") +
               (s.snapshots > 1 ? ", one every ~" + seconds(s.snapshotIntervalUs) + " s" : std::string()) + ": totals exact; peak time and stacks at the peak at snapshot resolution; mmap not recorded\n";
    if (s.sampleRate)
        out += field("heap numbers") + "estimated (sampled 1 in " + std::to_string(s.sampleRate) + " bytes)\n";
    if (!s.markers.empty() || s.pauses) {
        out += field("markers");
        for (size_t i = 0; i < s.markers.size(); ++i)
            out += (i ? ", " : "") + terminalSafe(s.markers[i].label) + " @ " + seconds(s.markers[i].timeUs) + " s";
        if (s.pauses) out += std::string(s.markers.empty() ? "" : "; ") + std::to_string(s.pauses) + (s.pauses == 1 ? " pause" : " pauses");
        out += "\n";
    }
    out += field("peak heap") + humanSize(s.peakHeapBytes) + " at " + seconds(s.peakHeapTimeUs) + " s\n";
    out += field("peak RSS") + humanSize(s.peakRssBytes) + (s.peakRssBytes ? " at " + seconds(s.peakRssTimeUs) + " s" : "") + "\n";
    if (s.mmapCalls) out += field("peak mmap") + humanSize(s.mmapBytesPeak) + "\n";
    out += field("allocations") + std::to_string(s.allocations) + ", " + humanSize(s.allocatedBytes) + " in total\n";
    out += field("frees") + std::to_string(s.frees);
    if (s.freesUnmatched) out += " (+" + std::to_string(s.freesUnmatched) + " of blocks allocated before tracking)";
    out += "\n";
    out += field("temporary") + std::to_string(s.temporary) + " (freed or resized before their thread allocated again)\n";
    out += field("leaked") + humanSize(s.leakedBytes) + " in " + counted(s.leakedBlocks, "block", "blocks") + "\n";

    if (!s.byKind.empty()) {
        out += "\nby allocator:\n";
        for (const KindRow& row : s.byKind) {
            char buffer[96];
            std::snprintf(buffer, sizeof buffer, "  %-32s %12llu  ", row.name.c_str(), static_cast<unsigned long long>(row.count));
            out += buffer + humanSize(row.bytes) + "\n";
        }
    }
    if (!s.sizes.empty()) {
        out += "\nallocation sizes:\n";
        uint64_t most = 0;
        for (const SizeRow& row : s.sizes) most = std::max(most, row.count);
        for (const SizeRow& row : s.sizes) {
            const std::string range = sizeBound(row.maxSize);
            char buffer[96];
            std::snprintf(buffer, sizeof buffer, "  %-24s %12llu  %-20s ", range.c_str(), static_cast<unsigned long long>(row.count),
                          std::string(static_cast<size_t>((row.count * 20 + most - 1) / (most ? most : 1)), '#').c_str());
            out += buffer + humanSize(row.bytes) + "\n";
        }
    }
    if (!s.topPeakStacks.empty()) {
        out += "\nheaviest stacks at the peak:\n";
        appendStacks(out, s.topPeakStacks, [](const StackRow& r) { return bytesHeadline(r, false); });
    }
    if (!s.topLeaks.empty()) {
        out += "\nbiggest leaks:\n";
        appendStacks(out, s.topLeaks, [](const StackRow& r) { return bytesHeadline(r, true); });
    }
    if (!s.topAllocationStacks.empty()) {
        out += "\nmost allocations:\n";
        appendStacks(
            out, s.topAllocationStacks,
            [](const StackRow& r) { return counted(r.allocations, "allocation", "allocations") + ", " + humanSize(r.bytes) + " in all, " + r.kind; });
    }
    if (!s.topTemporaryStacks.empty()) {
        out += "\nmost temporary allocations:\n";
        appendStacks(
            out, s.topTemporaryStacks,
            [](const StackRow& r) {
                return std::to_string(r.temporary) + " temporary of " + counted(r.allocations, "allocation", "allocations") + ", " + r.kind;
            });
    }
    return out;
}

}  // namespace memtrace::report
