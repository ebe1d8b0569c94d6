#include "stack_table.h"

#include <algorithm>

#include "module_map_cursor.h"

namespace memtrace::reader {

StackTable::StackTable()
{
    m_stacks.push_back(Entry{StackId{0}, 0, 0, true});
    m_modules.push_back(Module{"[unknown]", {}, 0});
}

ModuleId StackTable::internModule(std::string_view path, std::string_view buildId, uint64_t loadBias)
{
    auto key = std::make_tuple(std::string(path), std::string(buildId), loadBias);
    auto it = m_moduleIds.find(key);
    if (it != m_moduleIds.end()) return it->second;
    const ModuleId id{static_cast<uint32_t>(m_modules.size())};
    m_modules.push_back(Module{std::get<0>(key), std::get<1>(key), loadBias});
    m_moduleIds.emplace(std::move(key), id);
    return id;
}

void StackTable::setModuleMap(uint64_t generation, uint64_t timeUs, std::span<const uint8_t> body, uint64_t count)
{
    ModuleMapGeneration gen;
    gen.generation = generation;
    gen.timeUs = timeUs;
    m_ranges.clear();
    ModuleMapCursor cursor(body, count);
    ModuleEntry entry;
    while (cursor.next(entry)) {
        const ModuleId id = internModule(entry.path, entry.buildId, entry.loadBias);
        gen.modules.push_back(id);
        entry.forEachSegment([&](const ModuleSegment& segment) {
            const uint64_t start = entry.loadBias + segment.vaddr;
            if (segment.memsz == 0) return;
            m_ranges.push_back(Range{start, start + segment.memsz, id, entry.loadBias});
        });
    }
    std::sort(m_ranges.begin(), m_ranges.end(), [](const Range& a, const Range& b) { return a.start < b.start; });
    m_frameOfIp.clear();  // addresses resolve anew against this map
    if (!m_generations.empty()) retireStacksThrough(m_generations.back().modules, gen.modules);
    m_generations.push_back(std::move(gen));
}

// The shim keys stacks by their return addresses, so a library loaded where an unloaded one
// was (dlclose, then dlopen) gives its stacks the ids of the first library's: the frames are
// the same numbers, the code is not. A stack through a module that is no longer mapped is
// therefore retired: events before keep its index and its resolution, and the first use of
// its id afterwards (lookupSlow) gives it a new index, its frames resolved with the map of
// that moment - which names the library loaded since (the shim emits a new map before the
// events of its drain, and the unloading dlclose drained everything before it). Only a
// stack whose id is used while nothing is mapped at its addresses resolves to [unknown].
// Costs a pass over the frames at each unload; nothing for programs that never unload code.
void StackTable::retireStacksThrough(const std::vector<ModuleId>& before, const std::vector<ModuleId>& after)
{
    std::vector<bool> gone(m_modules.size(), false);
    bool anyGone = false;
    for (ModuleId m : before) {
        if (std::find(after.begin(), after.end(), m) != after.end()) continue;
        gone[m.value()] = true;
        anyGone = true;
    }
    if (!anyGone) return;
    for (uint32_t index = 1; index < m_stacks.size(); ++index) {
        Entry& entry = m_stacks[index];
        if (!entry.defined) continue;
        const uint32_t* current = m_byId.find(entry.id.value());
        if (!current || *current != index) continue;  // retired before, or a spare
        const uint32_t* frames = m_stackFrames.data() + entry.firstFrame;
        if (!std::any_of(frames, frames + entry.depth, [&](uint32_t f) { return gone[m_frames[f].module.value()]; }))
            continue;
        m_byId.erase(entry.id.value());
        if (entry.id.value() < m_dense.size()) m_dense[entry.id.value()] = 0;
        if (auto [slot, inserted] = m_retired.insert(entry.id.value(), index); !inserted) *slot = index;
        m_original.insert(entry.id.value(), index);  // kept if there already
    }
}

Frame StackTable::resolve(uint64_t ip) const
{
    // The last range starting at or before ip; ranges of distinct modules do not overlap.
    auto it = std::upper_bound(m_ranges.begin(), m_ranges.end(), ip, [](uint64_t v, const Range& r) { return v < r.start; });
    if (it != m_ranges.begin()) {
        --it;
        if (ip < it->end) return Frame{ip, it->module, ip - it->loadBias};
    }
    return Frame{ip, ModuleId{0}, ip};
}

uint32_t StackTable::internFrame(uint64_t ip)
{
    const auto [slot, inserted] = m_frameOfIp.insert(ip, static_cast<uint32_t>(m_frames.size()));
    if (inserted) m_frames.push_back(resolve(ip));
    return *slot;
}

StackIndex StackTable::define(StackId id, std::span<const uint64_t> ips)
{
    if (id.value() == 0) return StackIndex{0};
    uint32_t index;
    if (const uint32_t* existing = m_byId.find(id.value())) {
        index = *existing;
        if (m_stacks[index].defined) {
            ++m_redefinitions;  // keep the first definition: events already refer to it
            return StackIndex{index};
        }
    } else {
        if (!m_retired.empty()) m_retired.erase(id.value());  // a new definition replaces a retired one
        index = static_cast<uint32_t>(m_stacks.size());
        m_stacks.push_back(Entry{id, 0, 0, false});
        remember(id, index);
    }
    Entry& entry = m_stacks[index];
    entry.firstFrame = static_cast<uint32_t>(m_stackFrames.size());
    entry.depth = static_cast<uint32_t>(ips.size());
    entry.defined = true;
    for (uint64_t ip : ips) m_stackFrames.push_back(internFrame(ip));
    return StackIndex{index};
}

void StackTable::remember(StackId id, uint32_t index)
{
    m_byId.insert(id.value(), index);
    if (id.value() < kDenseIds) {
        if (id.value() >= m_dense.size()) m_dense.resize(std::max<size_t>(id.value() + 1, 2 * m_dense.size()));
        m_dense[id.value()] = index;
    }
}

StackIndex StackTable::lookupSlow(StackId id)
{
    if (id.value() == 0) return StackIndex{0};
    if (const uint32_t* existing = m_byId.find(id.value())) return StackIndex{*existing};
    if (const uint32_t* retired = m_retired.find(id.value())) {  // see retireStacksThrough
        const Entry old = m_stacks[*retired];
        const uint32_t index = static_cast<uint32_t>(m_stacks.size());
        m_stacks.push_back(Entry{id, static_cast<uint32_t>(m_stackFrames.size()), old.depth, true});
        for (uint32_t i = 0; i < old.depth; ++i) {
            const uint32_t frame = internFrame(m_frames[m_stackFrames[old.firstFrame + i]].ip);
            m_stackFrames.push_back(frame);
        }
        m_retired.erase(id.value());
        remember(id, index);
        ++m_reresolved;
        return StackIndex{index};
    }
    ++m_undefinedRefs;
    const uint32_t index = static_cast<uint32_t>(m_stacks.size());
    m_stacks.push_back(Entry{id, 0, 0, false});
    remember(id, index);
    return StackIndex{index};
}

StackFrames StackTable::frames(StackIndex index) const
{
    const Entry& entry = m_stacks[index.value()];
    return {m_frames.data(), m_stackFrames.data() + entry.firstFrame, entry.depth};
}

}  // namespace memtrace::reader
