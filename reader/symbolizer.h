// Turns a stack frame (module, link-time offset) into source locations with libdwfl, offline:
// the ELF files named in the capture's module maps are opened from disk (separate debug info is
// found through build-id / .gnu_debuglink by dwfl_standard_find_debuginfo).
//
// One frame can expand to several: inlined calls come first (innermost), the real function
// last. Return addresses are looked up at ip - 1 so the call's line is found, not the next one.
// A module whose file is missing, stripped of symbols, or whose build-id differs from the one
// recorded (the file changed since the capture; warned once) yields "module+0xoffset".
// Results are cached per (module, offset). Each module gets its own Dwfl session reported at
// bias 0, which makes link-time offsets the lookup addresses for PIE executables and shared
// libraries alike (ASLR is already removed by the reader: offset = ip - load_bias).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "hash.h"
#include "ids.h"
#include "stack_table.h"

namespace memtrace::reader {

struct SourceFrame {
    std::string function;  // demangled; "libfoo.so+0x1a2b" when unknown
    std::string file;      // empty when unknown
    uint32_t line = 0;     // 0 when unknown
    std::string module;    // path of the module ("" for addresses outside every module)
    bool inlined = false;  // an inlined call inside the next frame
    bool resolved = false; // function name came from symbols or debug info
};

// The name of the frame a signal handler returns to (the kernel's signal frame), where the
// module has no symbol for it: as gdb shows it.
inline constexpr const char* kSignalFrameName = "<signal handler called>";

class Symbolizer {
public:
    explicit Symbolizer(const StackTable& stacks);
    ~Symbolizer();
    Symbolizer(const Symbolizer&) = delete;
    Symbolizer& operator=(const Symbolizer&) = delete;

    // Frames for one recorded frame, innermost first. The reference stays valid as long as the
    // Symbolizer lives.
    const std::vector<SourceFrame>& symbolize(const Frame& frame, bool isReturnAddress = true);

    // One line per problem met (missing file, build-id mismatch), each module at most once.
    const std::vector<std::string>& warnings() const { return m_warnings; }

    // Symbolizes an address of a module not in any capture (tests, tools): path + link-time offset.
    std::vector<SourceFrame> symbolizeFile(const std::string& path, uint64_t offset, bool isReturnAddress = true);

private:
    struct ModuleSession;
    ModuleSession* session(ModuleId id);
    std::vector<SourceFrame> lookup(ModuleSession* session, const std::string& modulePath, uint64_t offset,
                                    bool isReturnAddress);

    struct Key {
        uint32_t module;
        uint64_t offset;
        bool operator==(const Key&) const = default;
    };
    struct KeyHash {
        size_t operator()(const Key& k) const { return static_cast<size_t>(mix64(k.offset ^ mix64(k.module))); }
    };

    const StackTable& m_stacks;
    std::vector<std::unique_ptr<ModuleSession>> m_sessions;  // by ModuleId, opened lazily
    std::unordered_map<Key, std::vector<SourceFrame>, KeyHash> m_cache;
    std::vector<std::string> m_warnings;
};

std::string demangle(const char* name);

}  // namespace memtrace::reader
