#include "pprof_export.h"

#include <algorithm>
#include <map>
#include <tuple>
#include <unordered_map>
#include <vector>

#include "proto_writer.h"
#include "reader/build_id.h"
#include "report/report_stack.h"

namespace memtrace::report::exporter {

namespace {

// profile.proto field numbers.
namespace profile {
constexpr uint32_t kSampleType = 1, kSample = 2, kMapping = 3, kLocation = 4, kFunction = 5, kStringTable = 6,
                   kTimeNanos = 9, kDurationNanos = 10, kPeriodType = 11, kPeriod = 12, kComment = 13;
}
namespace value_type { constexpr uint32_t kType = 1, kUnit = 2; }
namespace sample { constexpr uint32_t kLocationId = 1, kValue = 2; }
namespace mapping {
constexpr uint32_t kId = 1, kMemoryStart = 2, kMemoryLimit = 3, kFileOffset = 4, kFilename = 5, kBuildId = 6,
                   kHasFunctions = 7, kHasFilenames = 8, kHasLineNumbers = 9, kHasInlineFrames = 10;
}
namespace location { constexpr uint32_t kId = 1, kMappingId = 2, kAddress = 3, kLine = 4; }
namespace line { constexpr uint32_t kFunctionId = 1, kLine = 2; }
namespace function { constexpr uint32_t kId = 1, kName = 2, kSystemName = 3, kFilename = 4; }

class StringTable {
public:
    StringTable() { index(""); }
    int64_t index(const std::string& s)
    {
        auto [it, inserted] = m_ids.try_emplace(s, static_cast<int64_t>(m_strings.size()));
        if (inserted) m_strings.push_back(s);
        return it->second;
    }
    const std::vector<std::string>& strings() const { return m_strings; }

private:
    std::unordered_map<std::string, int64_t> m_ids;
    std::vector<std::string> m_strings;
};

struct MappingInfo {
    uint64_t id = 0;       // given once every location is known (executable first)
    uint64_t low = ~0ull;  // lowest / highest return address seen in the module
    uint64_t high = 0;
    bool hasFunctions = false;
    bool hasFiles = false;
    bool hasLines = false;
    bool hasInline = false;
};

class ProfileBuilder {
public:
    ProfileBuilder(const reader::CaptureModel& model, reader::Symbolizer& symbolizer) : m_model(model), m_symbolizer(symbolizer) {}

    std::string build()
    {
        ProtoWriter out;
        for (auto [type, unit] : {std::pair{"alloc_objects", "count"}, {"alloc_space", "bytes"}, {"inuse_objects", "count"},
                                  {"inuse_space", "bytes"}}) {
            ProtoWriter vt;
            vt.int64Field(value_type::kType, m_strings.index(type));
            vt.int64Field(value_type::kUnit, m_strings.index(unit));
            out.messageField(profile::kSampleType, vt);
        }
        addSamples(out);
        addMappingsAndLocations(out);
        for (const ProtoWriter& f : m_functions) out.messageField(profile::kFunction, f);

        if (const auto& process = m_model.process()) {
            out.int64Field(profile::kTimeNanos, static_cast<int64_t>(process->startUnixNs));
            std::string command;
            for (const std::string& arg : process->argv) command += (command.empty() ? "" : " ") + arg;
            if (!command.empty()) {
                const int64_t comment = m_strings.index("memtrace: " + command);
                out.packedVarints(profile::kComment, std::vector<uint64_t>{static_cast<uint64_t>(comment)});
            }
        }
        out.int64Field(profile::kDurationNanos, static_cast<int64_t>(m_model.durationUs() * 1000));
        ProtoWriter period;
        period.int64Field(value_type::kType, m_strings.index("space"));
        period.int64Field(value_type::kUnit, m_strings.index("bytes"));
        out.messageField(profile::kPeriodType, period);
        // Go heap profiles put the byte-sampling rate here; memtrace's values are already the
        // unbiased estimates (docs/SAMPLING.md), so pprof must not (and does not) scale them.
        const uint64_t rate = m_model.sampleRate();
        out.int64Field(profile::kPeriod, rate ? static_cast<int64_t>(rate) : 1);
        for (const std::string& s : m_strings.strings()) out.bytesField(profile::kStringTable, s, true);
        return out.bytes();
    }

private:
    void addSamples(ProtoWriter& out)
    {
        const auto& stats = m_model.heap().stacks();
        std::vector<uint64_t> locations;
        for (uint32_t i = 0; i < stats.size(); ++i) {
            const reader::StackStats& s = stats[i];
            const std::vector<uint64_t> values{s.allocations, s.allocatedBytes, s.liveBlocks, s.liveBytes};
            if (std::all_of(values.begin(), values.end(), [](uint64_t v) { return v == 0; })) continue;
            locations.clear();
            if (i != 0 && i < m_model.stacks().size())
                for (const ReportFrame& f : reportFrames(m_model.stacks(), m_symbolizer, reader::StackIndex{i}))
                    locations.push_back(locationId(f));
            if (locations.empty()) locations.push_back(noStackLocation());
            ProtoWriter sw;
            sw.packedVarints(sample::kLocationId, locations);
            sw.packedVarints(sample::kValue, values);
            out.messageField(profile::kSample, sw);
        }
    }

    // The executable's mapping first: pprof takes the first mapping as the main binary.
    void addMappingsAndLocations(ProtoWriter& out)
    {
        std::vector<std::pair<uint32_t, MappingInfo*>> order;
        for (auto& [module, info] : m_mappings) order.emplace_back(module, &info);
        const std::string exe = m_model.process() ? m_model.process()->exePath : std::string();
        std::stable_sort(order.begin(), order.end(), [&](const auto& a, const auto& b) {
            return (m_model.stacks().module(reader::ModuleId{a.first}).path == exe) >
                   (m_model.stacks().module(reader::ModuleId{b.first}).path == exe);
        });
        for (size_t i = 0; i < order.size(); ++i) order[i].second->id = i + 1;
        for (auto& [module, info] : order) {
            const reader::Module& m = m_model.stacks().module(reader::ModuleId{module});
            ProtoWriter mw;
            mw.varintField(mapping::kId, info->id);
            mw.varintField(mapping::kMemoryStart, info->low);
            mw.varintField(mapping::kMemoryLimit, info->high + 1);
            // The link-time address of memory_start: what a symbolizer needs to map addresses
            // back into the file (offset = ip - load bias, as the reader computes it).
            mw.varintField(mapping::kFileOffset, info->low - m.loadBias);
            mw.int64Field(mapping::kFilename, m_strings.index(m.path));
            mw.int64Field(mapping::kBuildId, m_strings.index(reader::buildIdHex(m.buildId)));
            mw.boolField(mapping::kHasFunctions, info->hasFunctions);
            mw.boolField(mapping::kHasFilenames, info->hasFiles);
            mw.boolField(mapping::kHasLineNumbers, info->hasLines);
            mw.boolField(mapping::kHasInlineFrames, info->hasInline);
            out.messageField(profile::kMapping, mw);
        }
        for (const Location& l : m_locations) {
            ProtoWriter lw;
            lw.varintField(location::kId, l.id);
            if (l.module != 0) lw.varintField(location::kMappingId, m_mappings.at(l.module).id);
            lw.varintField(location::kAddress, l.address);
            for (const auto& [functionId, lineNumber] : l.lines) {
                ProtoWriter ln;
                ln.varintField(line::kFunctionId, functionId);
                ln.int64Field(line::kLine, lineNumber);
                lw.messageField(location::kLine, ln);
            }
            out.messageField(profile::kLocation, lw);
        }
    }

    struct Location {
        uint64_t id = 0;
        uint32_t module = 0;  // ModuleId value; 0 = no mapping
        uint64_t address = 0;
        std::vector<std::pair<uint64_t, int64_t>> lines;  // (function id, line), innermost first
    };

    uint64_t locationId(const ReportFrame& f)
    {
        const auto key = std::tuple{f.frame.module.value(), f.frame.ip, f.first, f.count};
        auto [it, inserted] = m_locationIds.try_emplace(key, m_locations.size() + 1);
        if (!inserted) return it->second;
        Location l{it->second, f.frame.module.value(), f.frame.ip, {}};
        if (l.module != 0) {
            MappingInfo& info = m_mappings[l.module];
            info.low = std::min(info.low, f.frame.ip);
            info.high = std::max(info.high, f.frame.ip);
            for (uint32_t i = f.first; i < f.first + f.count; ++i) {
                const reader::SourceFrame& s = (*f.sources)[i];
                info.hasFunctions |= s.resolved;
                info.hasFiles |= !s.file.empty();
                info.hasLines |= s.line != 0;
                info.hasInline |= s.inlined;
            }
        }
        for (uint32_t i = f.first; i < f.first + f.count; ++i) {
            const reader::SourceFrame& s = (*f.sources)[i];
            l.lines.emplace_back(functionId(s.function, s.file), s.line);
        }
        m_locations.push_back(std::move(l));
        return it->second;
    }

    uint64_t noStackLocation()
    {
        if (m_noStack == 0) {
            m_noStack = m_locations.size() + 1;
            m_locations.push_back(Location{m_noStack, 0, 0, {{functionId("[no stack]", ""), 0}}});
        }
        return m_noStack;
    }

    uint64_t functionId(const std::string& name, const std::string& file)
    {
        auto [it, inserted] = m_functionIds.try_emplace(std::pair{name, file}, m_functions.size() + 1);
        if (inserted) {
            ProtoWriter fw;
            fw.varintField(function::kId, it->second);
            fw.int64Field(function::kName, m_strings.index(name));
            fw.int64Field(function::kSystemName, m_strings.index(name));
            fw.int64Field(function::kFilename, m_strings.index(file));
            m_functions.push_back(std::move(fw));
        }
        return it->second;
    }

    const reader::CaptureModel& m_model;
    reader::Symbolizer& m_symbolizer;
    StringTable m_strings;
    std::map<uint32_t, MappingInfo> m_mappings;  // by ModuleId value
    std::map<std::tuple<uint32_t, uint64_t, uint32_t, uint32_t>, uint64_t> m_locationIds;
    std::vector<Location> m_locations;
    std::map<std::pair<std::string, std::string>, uint64_t> m_functionIds;
    std::vector<ProtoWriter> m_functions;
    uint64_t m_noStack = 0;
};

}  // namespace

std::string pprofProfile(const reader::CaptureModel& model, reader::Symbolizer& symbolizer)
{
    return ProfileBuilder(model, symbolizer).build();
}

}  // namespace memtrace::report::exporter
