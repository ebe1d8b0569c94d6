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
//
// Frames are interned: distinct stacks of one program share most of their return addresses
// (the same callers, a few call sites apart), so each stack is a list of 4-byte indexes into
// one table of distinct resolved frames, and an address is resolved against the module map
// once per map, not once per stack it appears in. alloc_bench 2 1000000 100000 (100006
// stacks, ~2.5 M frames in its Stack records), `summary --json`, 12 paired runs against 24-byte
// frames stored per stack: max RSS 0.497x (159 -> 79 MiB), wall 0.643x (0.596-0.655).
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

// The frames of one stack, innermost first: a view into the table's interned frames, valid
// until the table changes.
class StackFrames {
public:
    class Iterator {
    public:
        Iterator(const Frame* table, const uint32_t* at) : m_table(table), m_at(at) {}
        const Frame& operator*() const { return m_table[*m_at]; }
        const Frame* operator->() const { return &m_table[*m_at]; }
        Iterator& operator++()
        {
            ++m_at;
            return *this;
        }
        bool operator==(const Iterator& other) const { return m_at == other.m_at; }

    private:
        const Frame* m_table;
        const uint32_t* m_at;
    };

    StackFrames(const Frame* table, const uint32_t* first, size_t count) : m_table(table), m_first(first), m_count(count) {}
    size_t size() const { return m_count; }
    bool empty() const { return m_count == 0; }
    const Frame& operator[](size_t i) const { return m_table[m_first[i]]; }
    Iterator begin() const { return {m_table, m_first}; }
    Iterator end() const { return {m_table, m_first + m_count}; }

private:
    const Frame* m_table;
    const uint32_t* m_first;
    size_t m_count;
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

    // lookup() without its side effects, for prefetching: the index of a known dense id, else 0.
    uint32_t peek(StackId id) const { return id.value() < m_dense.size() ? m_dense[id.value()] : 0; }

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
    size_t distinctFrames() const { return m_frames.size(); }  // (ip, map) pairs resolved
    StackFrames frames(StackIndex index) const;
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
    // The interned frame of `ip` under the current module map.
    uint32_t internFrame(uint64_t ip);
    ModuleId internModule(std::string_view path, std::string_view buildId, uint64_t loadBias);

    std::vector<Entry> m_stacks;
    std::vector<Frame> m_frames;           // distinct resolved frames
    std::vector<uint32_t> m_stackFrames;   // per stack, from Entry::firstFrame: indexes into m_frames
    FlatHashMap64<uint32_t> m_frameOfIp;   // ip -> its m_frames index under the current map
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
