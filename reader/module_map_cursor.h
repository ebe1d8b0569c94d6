// Walks the body of a ModuleMap record (docs/FORMAT.md, 0x43) one module at a time:
//   module = string path, varint load_bias, string build_id, varint segment_count,
//            segment_count x (varint vaddr, varint memsz)
// Bounds-checked: next() returns false at the end or on malformed bytes (then failed()).
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "byte_cursor.h"

namespace memtrace::reader {

struct ModuleSegment {
    uint64_t vaddr = 0;
    uint64_t memsz = 0;
};

struct ModuleEntry {
    std::string_view path;
    uint64_t loadBias = 0;
    std::string_view buildId;  // raw bytes
    uint64_t segmentCount = 0;
    std::span<const uint8_t> segments;  // encoded pairs, already validated by next()

    template <typename F>
    void forEachSegment(F&& f) const
    {
        ByteCursor in{segments.data(), segments.data() + segments.size()};
        ModuleSegment segment;
        for (uint64_t i = 0; i < segmentCount; ++i) {
            in.varint(segment.vaddr);
            in.varint(segment.memsz);
            f(segment);
        }
    }
};

class ModuleMapCursor {
public:
    ModuleMapCursor(std::span<const uint8_t> body, uint64_t count) : m_in{body.data(), body.data() + body.size()}, m_left(count) {}

    bool next(ModuleEntry& out)
    {
        if (m_left == 0 || m_failed) return false;
        --m_left;
        if (!m_in.string(out.path) || !m_in.varint(out.loadBias) || !m_in.string(out.buildId) ||
            !m_in.varint(out.segmentCount) || out.segmentCount > m_in.left()) {
            m_failed = true;
            return false;
        }
        const uint8_t* begin = m_in.p;
        for (uint64_t i = 0; i < out.segmentCount; ++i) {
            uint64_t ignored;
            if (!m_in.varint(ignored) || !m_in.varint(ignored)) {
                m_failed = true;
                return false;
            }
        }
        out.segments = std::span<const uint8_t>(begin, m_in.p);
        return true;
    }
    bool failed() const { return m_failed; }

private:
    ByteCursor m_in;
    uint64_t m_left;
    bool m_failed = false;
};

}  // namespace memtrace::reader
