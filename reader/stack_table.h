// The stacks of a capture and the module maps their addresses are resolved against.
//
// A Stack record's return addresses are resolved when the record is read, against the
// ModuleMap current at that moment (dlopen/dlclose replace the map; a later map must not
// re-interpret an older stack). Each frame keeps its raw ip plus (module, offset), where offset
// = ip - load_bias: the module's link-time address, which the symbolizer looks up with the ELF
// reported at bias 0. Modules are de-duplicated across generations by (path, build-id, bias).
//
// Stack ids from the file are mapped to dense StackIndex values (0 = "no stack"); an event
// naming an id that was never defined gets an empty placeholder stack (counted).
#pragma once

#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <tuple>
#include <vector>

#include "flat_hash_map.h"
#include "ids.h"

namespace memtrace::reader {

struct Module {
    std::string path;
    std::string buildId;  // raw bytes
    uint64_t loadBias = 0;
};

struct Frame {
    uint64_t ip = 0;      // return address as recorded
    ModuleId module{0};   // 0: outside every mapped module
    uint64_t offset = 0;  // ip - load_bias (link-time address); ip when module is 0
};

struct ModuleMapGeneration {
    uint64_t generation = 0;
    uint64_t timeUs = 0;
    std::vector<ModuleId> modules;
};

class StackTable {
public:
    StackTable();

    // Installs a new module map; body/count as in a ModuleMap record (validated by the decoder).
    // A module of the previous map that is not in the new one was unloaded: see retireStacksThrough.
    void setModuleMap(uint64_t generation, uint64_t timeUs, std::span<const uint8_t> body, uint64_t count);

    // Defines (or, for a placeholder, completes) stack `id` from raw frames, innermost first.
    StackIndex define(StackId id, std::span<const uint64_t> ips);
    // The index of stack `id`; 0 for id 0; a placeholder for an undefined id. Once per event:
    // ids are dense from 1, so ids below kDenseIds are found in a vector.
    StackIndex lookup(StackId id)
    {
        if (id.value() < m_dense.size()) [[likely]] {
            if (const uint32_t index = m_dense[id.value()]) return StackIndex{index};
        }
        return lookupSlow(id);
    }

    // For cumulative per-stack figures (soak snapshots: totals since the start, per file id):
    // the index the id had before any retirement, so that one id's totals stay on one stack.
    StackIndex lookupCumulative(StackId id)
    {
        if (!m_original.empty()) [[unlikely]] {
            if (const uint32_t* original = m_original.find(id.value())) return StackIndex{*original};
        }
        return lookup(id);
    }

    size_t size() const { return m_stacks.size(); }  // including index 0
    std::span<const Frame> frames(StackIndex index) const;
    StackId fileId(StackIndex index) const { return m_stacks[index.value()].id; }

    const Module& module(ModuleId id) const { return m_modules[id.value()]; }
    size_t moduleCount() const { return m_modules.size(); }  // including the unknown module 0
    const std::vector<ModuleMapGeneration>& generations() const { return m_generations; }
    uint64_t undefinedStackRefs() const { return m_undefinedRefs; }
    uint64_t redefinitions() const { return m_redefinitions; }
    // Stacks that got a second index because code they ran through was unloaded and their
    // file id came back (retireStacksThrough).
    uint64_t reresolvedStacks() const { return m_reresolved; }

private:
    struct Entry {
        StackId id{0};
        uint32_t firstFrame = 0;
        uint32_t depth = 0;
        bool defined = false;
    };
    struct Range {
        uint64_t start;
        uint64_t end;
        ModuleId module;
        uint64_t loadBias;
    };

    static constexpr uint64_t kDenseIds = uint64_t{1} << 24;
    StackIndex lookupSlow(StackId id);
    void retireStacksThrough(const std::vector<ModuleId>& before, const std::vector<ModuleId>& after);
    void remember(StackId id, uint32_t index);
    Frame resolve(uint64_t ip) const;
    ModuleId internModule(std::string_view path, std::string_view buildId, uint64_t loadBias);

    std::vector<Entry> m_stacks;
    std::vector<Frame> m_frames;
    FlatHashMap64<uint32_t> m_byId;  // file stack id -> index
    std::vector<uint32_t> m_dense;   // the same for ids < kDenseIds (0 = not known yet)
    FlatHashMap64<uint32_t> m_retired;   // file stack id -> its index before the last unload
    FlatHashMap64<uint32_t> m_original;  // file stack id -> its index before the first unload
    std::vector<Module> m_modules;
    std::map<std::tuple<std::string, std::string, uint64_t>, ModuleId> m_moduleIds;
    std::vector<ModuleMapGeneration> m_generations;
    std::vector<Range> m_ranges;  // current map, sorted by start
    uint64_t m_undefinedRefs = 0;
    uint64_t m_redefinitions = 0;
    uint64_t m_reresolved = 0;
};

}  // namespace memtrace::reader
