#include "module_map.h"

#include <elf.h>
#include <link.h>

#include <atomic>
#include <cstring>

namespace memtrace::shim {
namespace {

constexpr size_t kMaxModules = 2048;
constexpr size_t kMaxSegments = 8;
constexpr size_t kMaxBuildId = 64;
constexpr size_t kPathPool = 1 << 20;

struct Segment {
    uint64_t vaddr;
    uint64_t memsz;
};

struct Module {
    uint32_t pathOffset;
    uint32_t pathLength;
    uint64_t loadBias;
    uint8_t buildId[kMaxBuildId];
    uint32_t buildIdLength;
    uint32_t segmentCount;
    Segment segments[kMaxSegments];
};

struct Snapshot {
    Module modules[kMaxModules];
    char paths[kPathPool];
    size_t count;
    size_t pathUsed;
    const char* exePath;
    bool collected;
    bool sawFirst;  // dl_iterate_phdr reports the main program first
    unsigned long long adds;
    unsigned long long subs;
};

Snapshot g_snapshot;  // BSS: untouched pages cost nothing

struct Counters {
    unsigned long long adds = 0;
    unsigned long long subs = 0;
};

int readCounters(dl_phdr_info* info, size_t, void* data)
{
    auto* c = static_cast<Counters*>(data);
    c->adds = info->dlpi_adds;
    c->subs = info->dlpi_subs;
    return 1;  // one object is enough
}

size_t align(size_t v, size_t a) { return (v + a - 1) & ~(a - 1); }

void readBuildId(const dl_phdr_info* info, Module& m)
{
    m.buildIdLength = 0;
    for (int i = 0; i < info->dlpi_phnum; ++i) {
        const ElfW(Phdr)& ph = info->dlpi_phdr[i];
        if (ph.p_type != PT_NOTE) continue;
        const size_t a = ph.p_align >= 8 ? 8 : 4;
        const auto* p = reinterpret_cast<const uint8_t*>(info->dlpi_addr + ph.p_vaddr);
        const uint8_t* end = p + ph.p_memsz;
        while (p + sizeof(ElfW(Nhdr)) <= end) {
            const auto* note = reinterpret_cast<const ElfW(Nhdr)*>(p);
            const uint8_t* name = p + sizeof(ElfW(Nhdr));
            const uint8_t* desc = name + align(note->n_namesz, a);
            const uint8_t* next = desc + align(note->n_descsz, a);
            if (next > end) break;
            if (note->n_type == NT_GNU_BUILD_ID && note->n_namesz == 4 && std::memcmp(name, "GNU", 4) == 0) {
                m.buildIdLength = note->n_descsz < kMaxBuildId ? note->n_descsz : kMaxBuildId;
                std::memcpy(m.buildId, desc, m.buildIdLength);
                return;
            }
            p = next;
        }
    }
}

int collectOne(dl_phdr_info* info, size_t, void* data)
{
    auto* s = static_cast<Snapshot*>(data);
    const bool isMain = !s->sawFirst;
    s->sawFirst = true;
    const char* path = isMain ? s->exePath : info->dlpi_name;
    // Nameless objects and the vDSO ("linux-vdso.so.1", no slash) have no file to symbolize.
    if (!path || !path[0] || !std::strchr(path, '/')) return 0;
    if (s->count == kMaxModules) return 1;
    const size_t length = std::strlen(path);
    if (s->pathUsed + length > kPathPool) return 1;
    Module& m = s->modules[s->count];
    m.pathOffset = static_cast<uint32_t>(s->pathUsed);
    m.pathLength = static_cast<uint32_t>(length);
    std::memcpy(s->paths + s->pathUsed, path, length);
    s->pathUsed += length;
    m.loadBias = info->dlpi_addr;
    readBuildId(info, m);
    m.segmentCount = 0;
    for (int i = 0; i < info->dlpi_phnum && m.segmentCount < kMaxSegments; ++i) {
        const ElfW(Phdr)& ph = info->dlpi_phdr[i];
        if (ph.p_type == PT_LOAD) m.segments[m.segmentCount++] = Segment{ph.p_vaddr, ph.p_memsz};
    }
    ++s->count;
    return 0;
}

constinit std::atomic<uint32_t> g_loaderWalks{0};

// dl_iterate_phdr with g_loaderWalks raised for its duration.
int walkLoadedObjects(int (*callback)(dl_phdr_info*, size_t, void*), void* data)
{
    g_loaderWalks.fetch_add(1, std::memory_order_relaxed);
    const int r = dl_iterate_phdr(callback, data);
    g_loaderWalks.fetch_sub(1, std::memory_order_relaxed);
    return r;
}

}  // namespace

bool insideLoaderWalk() { return g_loaderWalks.load(std::memory_order_relaxed) != 0; }

bool modulesChanged()
{
    if (!g_snapshot.collected) return true;
    Counters c;
    walkLoadedObjects(readCounters, &c);
    return c.adds != g_snapshot.adds || c.subs != g_snapshot.subs;
}

void collectModules(const char* exePath)
{
    Counters c;
    walkLoadedObjects(readCounters, &c);
    g_snapshot.count = 0;
    g_snapshot.pathUsed = 0;
    g_snapshot.exePath = exePath;
    g_snapshot.sawFirst = false;
    walkLoadedObjects(collectOne, &g_snapshot);
    // Counters read before the walk: a load racing with it is seen again next time.
    g_snapshot.adds = c.adds;
    g_snapshot.subs = c.subs;
    g_snapshot.collected = true;
}

void forgetModules() { g_snapshot.collected = false; }

size_t moduleMapBound()
{
    size_t bound = 16 + 2 * varint::kMaxBytes;
    for (size_t i = 0; i < g_snapshot.count; ++i) {
        const Module& m = g_snapshot.modules[i];
        bound += m.pathLength + m.buildIdLength + 4 * varint::kMaxBytes + m.segmentCount * 2 * varint::kMaxBytes;
    }
    return bound;
}

void encodeModuleMap(format::RecordEncoder& enc, uint64_t generation)
{
    enc.beginExtension(format::RecordType::ModuleMap);
    enc.field(generation);
    enc.field(g_snapshot.count);
    for (size_t i = 0; i < g_snapshot.count; ++i) {
        const Module& m = g_snapshot.modules[i];
        enc.fieldString(g_snapshot.paths + m.pathOffset, m.pathLength);
        enc.field(m.loadBias);
        enc.fieldString(reinterpret_cast<const char*>(m.buildId), m.buildIdLength);
        enc.field(m.segmentCount);
        for (uint32_t s = 0; s < m.segmentCount; ++s) {
            enc.field(m.segments[s].vaddr);
            enc.field(m.segments[s].memsz);
        }
    }
    enc.endExtension();
}

}  // namespace memtrace::shim
