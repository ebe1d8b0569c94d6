#include "bootstrap_arena.h"

#include <atomic>
#include <cstdint>

namespace memtrace::shim::bootstrap {
namespace {

constexpr size_t kArenaBytes = 64 * 1024;
constexpr size_t kHeader = 16;  // the block's size, kept just before it

alignas(4096) unsigned char g_arena[kArenaBytes];
constinit std::atomic<size_t> g_used{0};

}  // namespace

void* allocate(size_t size, size_t alignment)
{
    if (alignment < 16) alignment = 16;
    if (alignment > 4096 || size > kArenaBytes) return nullptr;
    size_t used = g_used.load(std::memory_order_relaxed);
    for (;;) {
        const size_t start = (used + kHeader + alignment - 1) & ~(alignment - 1);
        const size_t end = start + ((size + 15) & ~size_t{15});
        if (end > kArenaBytes) return nullptr;
        if (g_used.compare_exchange_weak(used, end, std::memory_order_relaxed)) {
            *reinterpret_cast<size_t*>(g_arena + start - kHeader) = size;
            return g_arena + start;
        }
    }
}

bool owns(const void* p)
{
    const auto* c = static_cast<const unsigned char*>(p);
    return c >= g_arena && c < g_arena + kArenaBytes;
}

size_t sizeOf(const void* p)
{
    return *reinterpret_cast<const size_t*>(static_cast<const unsigned char*>(p) - kHeader);
}

}  // namespace memtrace::shim::bootstrap
