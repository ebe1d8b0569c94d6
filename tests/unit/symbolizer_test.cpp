#include <catch2/catch.hpp>

#include <dlfcn.h>
#include <link.h>

#include <cstring>

#include "reader/symbolizer.h"

using namespace memtrace;

namespace memtrace_symbolizer_test {

// The line below is what the test expects for a return address inside this function.
__attribute__((noinline)) int someNoinlineFunction(int x)
{
    asm volatile("" ::: "memory");
    return x * 3 + 1;  // kExpectedLine
}

constexpr uint32_t kExpectedLine = __LINE__ - 2;

}  // namespace memtrace_symbolizer_test

namespace {

struct ModuleOf {
    uintptr_t address = 0;
    uintptr_t loadBias = 0;
    std::string path;
    bool found = false;
};

int findModule(dl_phdr_info* info, size_t, void* data)
{
    auto* m = static_cast<ModuleOf*>(data);
    for (int i = 0; i < info->dlpi_phnum; ++i) {
        const ElfW(Phdr)& ph = info->dlpi_phdr[i];
        if (ph.p_type != PT_LOAD) continue;
        const uintptr_t start = info->dlpi_addr + ph.p_vaddr;
        if (m->address >= start && m->address < start + ph.p_memsz) {
            m->loadBias = info->dlpi_addr;
            m->path = info->dlpi_name;
            m->found = true;
            return 1;
        }
    }
    return 0;
}

}  // namespace

TEST_CASE("the symbolizer finds a function of this test binary with its file and line")
{
    ModuleOf m;
    m.address = reinterpret_cast<uintptr_t>(&memtrace_symbolizer_test::someNoinlineFunction);
    dl_iterate_phdr(findModule, &m);
    REQUIRE(m.found);
    if (m.path.empty()) m.path = "/proc/self/exe";  // the main program has an empty name
    char resolved[4096];
    REQUIRE(realpath(m.path.c_str(), resolved));

    const uint64_t offset = m.address - m.loadBias;
    reader::StackTable empty;
    reader::Symbolizer symbolizer(empty);
    // Not a return address: the function's first instruction, which belongs to its opening line.
    const auto frames = symbolizer.symbolizeFile(resolved, offset, false);
    REQUIRE_FALSE(frames.empty());
    const reader::SourceFrame& f = frames.back();
    CHECK_THAT(f.function, Catch::Contains("someNoinlineFunction"));
    CHECK_THAT(f.file, Catch::EndsWith("symbolizer_test.cpp"));
    CHECK(f.line >= memtrace_symbolizer_test::kExpectedLine - 3);
    CHECK(f.line <= memtrace_symbolizer_test::kExpectedLine);
    CHECK(f.resolved);
}

TEST_CASE("an unknown module falls back to module+offset")
{
    reader::StackTable empty;
    reader::Symbolizer symbolizer(empty);
    const auto frames = symbolizer.symbolizeFile("/nonexistent/libgone.so", 0x1234);
    REQUIRE(frames.size() == 1);
    CHECK(frames[0].function == "libgone.so+0x1234");
    CHECK_FALSE(frames[0].resolved);
}

TEST_CASE("demangle")
{
    CHECK(reader::demangle("_ZN3foo3barEi") == "foo::bar(int)");
    CHECK(reader::demangle("main") == "main");
}

// ---- through a capture: module map with build-id, return address, ip - 1 ----

#include "model_test_util.h"

namespace memtrace_symbolizer_test {

__attribute__((noinline)) uintptr_t returnAddress() { return reinterpret_cast<uintptr_t>(__builtin_return_address(0)); }

__attribute__((noinline)) uintptr_t callerAtKnownLine()
{
    const uintptr_t ra = returnAddress();  // kCallLine
    asm volatile("" ::: "memory");
    return ra;
}
constexpr uint32_t kCallLine = __LINE__ - 4;

static inline __attribute__((always_inline)) uintptr_t inlinedHelper()
{
    return returnAddress();  // kInlinedCallLine
}
constexpr uint32_t kInlinedCallLine = __LINE__ - 2;

__attribute__((noinline)) uintptr_t outerWithInline()
{
    const uintptr_t ra = inlinedHelper();  // kOuterCallLine
    asm volatile("" ::: "memory");
    return ra;
}
constexpr uint32_t kOuterCallLine = __LINE__ - 4;

}  // namespace memtrace_symbolizer_test

namespace {

struct SelfModule {
    std::string path;
    uint64_t loadBias = 0;
    std::string buildId;
    std::vector<std::pair<uint64_t, uint64_t>> segments;
};

int describeMain(dl_phdr_info* info, size_t, void* data)
{
    // The first entry is the main program.
    auto* self = static_cast<SelfModule*>(data);
    self->loadBias = info->dlpi_addr;
    for (int i = 0; i < info->dlpi_phnum; ++i) {
        const ElfW(Phdr)& ph = info->dlpi_phdr[i];
        if (ph.p_type == PT_LOAD) self->segments.emplace_back(ph.p_vaddr, ph.p_memsz);
        if (ph.p_type != PT_NOTE) continue;
        const char* p = reinterpret_cast<const char*>(info->dlpi_addr + ph.p_vaddr);
        const char* end = p + ph.p_memsz;
        while (p + sizeof(ElfW(Nhdr)) <= end) {
            const auto* note = reinterpret_cast<const ElfW(Nhdr)*>(p);
            const char* name = p + sizeof(ElfW(Nhdr));
            const char* desc = name + ((note->n_namesz + 3) & ~3u);
            if (note->n_type == NT_GNU_BUILD_ID && note->n_namesz == 4 && std::memcmp(name, "GNU", 4) == 0)
                self->buildId.assign(desc, note->n_descsz);
            p = desc + ((note->n_descsz + 3) & ~3u);
        }
    }
    return 1;
}

SelfModule selfModule()
{
    SelfModule self;
    dl_iterate_phdr(describeMain, &self);
    char resolved[4096];
    if (realpath("/proc/self/exe", resolved)) self.path = resolved;
    return self;
}

}  // namespace

TEST_CASE("frames of a capture resolve through the module map, at ip - 1, with build-id checked")
{
    const SelfModule self = selfModule();
    REQUIRE_FALSE(self.buildId.empty());
    const uint64_t ra = memtrace_symbolizer_test::callerAtKnownLine();

    for (bool matchingBuildId : {true, false}) {
        test::CaptureBuilder b;
        b.moduleMap(1, {{self.path, self.loadBias, matchingBuildId ? self.buildId : std::string("\x12\x34"), self.segments}});
        auto& e = b.records();
        const uint64_t frames[] = {ra};
        e.stack(1, frames, 1);
        b.end();
        b.endChunk();
        test::LoadedCapture c;
        test::load(b, "symbols.mtrace", c);
        const auto stackFrames = c.model.stacks().frames(reader::StackIndex{1});
        REQUIRE(stackFrames.size() == 1);
        CHECK(stackFrames[0].offset == ra - self.loadBias);

        reader::Symbolizer symbolizer(c.model.stacks());
        const auto& source = symbolizer.symbolize(stackFrames[0]);
        REQUIRE_FALSE(source.empty());
        if (matchingBuildId) {
            CHECK_THAT(source.back().function, Catch::Contains("callerAtKnownLine"));
            CHECK_THAT(source.back().file, Catch::EndsWith("symbolizer_test.cpp"));
            CHECK(source.back().line == memtrace_symbolizer_test::kCallLine);
            CHECK(symbolizer.warnings().empty());
        } else {
            CHECK_FALSE(source.back().resolved);
            CHECK_THAT(source.back().function, Catch::Contains("+0x"));
            REQUIRE(symbolizer.warnings().size() == 1);
            CHECK_THAT(symbolizer.warnings()[0], Catch::Contains("build-id"));
            symbolizer.symbolize(stackFrames[0]);
            CHECK(symbolizer.warnings().size() == 1);  // warned once
        }
    }
}

TEST_CASE("inlined calls come out as their own frames, innermost first")
{
    const SelfModule self = selfModule();
    const uint64_t ra = memtrace_symbolizer_test::outerWithInline();
    reader::StackTable empty;
    reader::Symbolizer symbolizer(empty);
    const auto frames = symbolizer.symbolizeFile(self.path, ra - self.loadBias, true);
    REQUIRE(frames.size() == 2);
    CHECK_THAT(frames[0].function, Catch::Contains("inlinedHelper"));
    CHECK(frames[0].inlined);
    CHECK(frames[0].line == memtrace_symbolizer_test::kInlinedCallLine);
    CHECK_THAT(frames[1].function, Catch::Contains("outerWithInline"));
    CHECK_FALSE(frames[1].inlined);
    CHECK(frames[1].line == memtrace_symbolizer_test::kOuterCallLine);
    CHECK_THAT(frames[1].file, Catch::EndsWith("symbolizer_test.cpp"));
}
