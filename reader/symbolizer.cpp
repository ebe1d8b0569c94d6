#include "symbolizer.h"

#include <cxxabi.h>
#include <dwarf.h>
#include <elfutils/libdw.h>
#include <elfutils/libdwfl.h>
#include <gelf.h>

#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <string_view>

#include "build_id.h"
#include "cu_index.h"
#include "debug_cache.h"

namespace memtrace::reader {

namespace {

char* g_debuginfoPath = nullptr;  // dwfl's default search path

// dwfl's standard search, with the inflated copies of debug_cache.h in front of it: a cached
// copy wins; a debug file found the standard way that has compressed sections is copied into
// the cache and the copy handed to libdw instead (so even the first command reads it inflated
// only once). Any failure of the cache leaves the standard result.
int findDebuginfo(Dwfl_Module* module, void** userdata, const char* moduleName, Dwarf_Addr base, const char* fileName,
                  const char* debuglinkFile, GElf_Word debuglinkCrc, char** debuginfoFileName)
{
    const std::string& cacheDir = debug_cache::directory();
    const unsigned char* bits = nullptr;
    GElf_Addr vaddr = 0;
    const int length = cacheDir.empty() ? 0 : dwfl_module_build_id(module, &bits, &vaddr);
    const std::string buildId = length > 0 ? std::string(reinterpret_cast<const char*>(bits), length) : std::string();
    std::string cachedPath;
    if (int cached = debug_cache::openCached(cacheDir, buildId, cachedPath); cached >= 0) {
        *debuginfoFileName = strdup(cachedPath.c_str());
        return cached;
    }
    const int fd = dwfl_standard_find_debuginfo(module, userdata, moduleName, base, fileName, debuglinkFile,
                                                debuglinkCrc, debuginfoFileName);
    if (fd < 0 || buildId.empty() || !debug_cache::worthCaching(fd)) return fd;
    const int cached = debug_cache::storeInflated(cacheDir, buildId, fd, cachedPath);
    if (cached < 0) return fd;
    close(fd);
    std::free(*debuginfoFileName);
    *debuginfoFileName = strdup(cachedPath.c_str());
    return cached;
}

const Dwfl_Callbacks kOfflineCallbacks = {
    dwfl_build_id_find_elf,
    findDebuginfo,
    dwfl_offline_section_address,
    &g_debuginfoPath,
};

std::string baseName(const std::string& path)
{
    const size_t slash = path.rfind('/');
    return slash == std::string::npos ? path : path.substr(slash + 1);
}

std::string hexOffset(const std::string& module, uint64_t offset)
{
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "+0x%llx", static_cast<unsigned long long>(offset));
    if (module.empty()) return buffer + 1;  // outside every module: just the address, "0x..."
    return baseName(module) + buffer;
}

// Name of a function-like DIE: its demangled linkage name, else its plain name. Follows
// DW_AT_abstract_origin / DW_AT_specification (dwarf_attr_integrate).
std::string dieFunctionName(Dwarf_Die* die)
{
    Dwarf_Attribute attr;
    const char* linkage = nullptr;
    if (dwarf_attr_integrate(die, DW_AT_linkage_name, &attr) || dwarf_attr_integrate(die, DW_AT_MIPS_linkage_name, &attr))
        linkage = dwarf_formstring(&attr);
    if (linkage) return demangle(linkage);
    const char* name = dwarf_diename(die);
    return name ? name : "";
}

std::string callFile(Dwarf_Die* cu, Dwarf_Die* inlined)
{
    Dwarf_Attribute attr;
    Dwarf_Word index;
    if (!dwarf_attr(inlined, DW_AT_call_file, &attr) || dwarf_formudata(&attr, &index) != 0) return {};
    Dwarf_Files* files;
    size_t count;
    if (dwarf_getsrcfiles(cu, &files, &count) != 0 || index >= count) return {};
    const char* name = dwarf_filesrc(files, index, nullptr, nullptr);
    return name ? name : "";
}

uint32_t callLine(Dwarf_Die* inlined)
{
    Dwarf_Attribute attr;
    Dwarf_Word line;
    if (!dwarf_attr(inlined, DW_AT_call_line, &attr) || dwarf_formudata(&attr, &line) != 0) return 0;
    return static_cast<uint32_t>(line);
}

// x86-64 Linux's rt_sigreturn, `mov $15, %rax; syscall`: the code a signal handler returns to
// (glibc's __restore_rt, which Debian's libc has no symbol for). A return address there is the
// frame the kernel inserted between a handler and the code the signal interrupted.
constexpr unsigned char kSigreturnCode[] = {0x48, 0xc7, 0xc0, 0x0f, 0x00, 0x00, 0x00, 0x0f, 0x05};

bool isSigreturnTrampoline(Dwfl_Module* module, uint64_t address)
{
    Dwarf_Addr bias = 0;
    Elf* elf = dwfl_module_getelf(module, &bias);
    if (!elf) return false;
    const uint64_t at = address - bias;
    for (Elf_Scn* scn = elf_nextscn(elf, nullptr); scn; scn = elf_nextscn(elf, scn)) {
        GElf_Shdr shdr;
        if (!gelf_getshdr(scn, &shdr) || shdr.sh_type != SHT_PROGBITS || !(shdr.sh_flags & SHF_EXECINSTR)) continue;
        if (at < shdr.sh_addr || at - shdr.sh_addr + sizeof kSigreturnCode > shdr.sh_size) continue;
        Elf_Data* data = elf_getdata(scn, nullptr);
        const size_t within = at - shdr.sh_addr;
        return data && data->d_buf && within + sizeof kSigreturnCode <= data->d_size &&
               std::memcmp(static_cast<const unsigned char*>(data->d_buf) + within, kSigreturnCode,
                           sizeof kSigreturnCode) == 0;
    }
    return false;
}

}  // namespace

std::string demangle(const char* name)
{
    if (!name) return {};
    int status = 0;
    char* out = abi::__cxa_demangle(name, nullptr, nullptr, &status);
    if (status != 0 || !out) return name;
    std::string result(out);
    std::free(out);
    return result;
}

struct Symbolizer::ModuleSession {
    Dwfl* dwfl = nullptr;
    Dwfl_Module* module = nullptr;  // null: the file cannot be used; fall back to module+offset
    CuIndex cuIndex;                // built on the first address libdw's own lookup misses
    ~ModuleSession()
    {
        if (dwfl) dwfl_end(dwfl);
    }
};

Symbolizer::Symbolizer(const StackTable& stacks) : m_stacks(stacks) {}
Symbolizer::~Symbolizer() = default;

namespace {

// Opens path as the only module of a fresh offline session at bias 0.
std::unique_ptr<Dwfl, void (*)(Dwfl*)> openModule(const std::string& path, Dwfl_Module*& module)
{
    std::unique_ptr<Dwfl, void (*)(Dwfl*)> dwfl(dwfl_begin(&kOfflineCallbacks), dwfl_end);
    module = nullptr;
    if (!dwfl) return dwfl;
    dwfl_report_begin(dwfl.get());
    module = dwfl_report_elf(dwfl.get(), baseName(path).c_str(), path.c_str(), -1, 0, false);
    dwfl_report_end(dwfl.get(), nullptr, nullptr);
    return dwfl;
}

}  // namespace

Symbolizer::ModuleSession* Symbolizer::session(ModuleId id)
{
    if (m_sessions.size() < m_stacks.moduleCount()) m_sessions.resize(m_stacks.moduleCount());
    std::unique_ptr<ModuleSession>& slot = m_sessions[id.value()];
    if (slot) return slot.get();
    slot = std::make_unique<ModuleSession>();
    if (id.value() == 0) return slot.get();
    const Module& module = m_stacks.module(id);
    Dwfl_Module* dwflModule = nullptr;
    auto dwfl = openModule(module.path, dwflModule);
    if (!dwflModule) {
        m_warnings.push_back(module.path + ": cannot open for symbols (" + dwfl_errmsg(-1) + "); frames shown as module+offset");
        return slot.get();
    }
    if (!module.buildId.empty()) {
        const unsigned char* bits = nullptr;
        GElf_Addr vaddr;
        const int length = dwfl_module_build_id(dwflModule, &bits, &vaddr);
        const std::string fileId = length > 0 ? std::string(reinterpret_cast<const char*>(bits), length) : std::string();
        if (fileId != module.buildId) {
            m_warnings.push_back(module.path + ": build-id " + (fileId.empty() ? "missing" : buildIdHex(fileId)) +
                                 " does not match the capture's " + buildIdHex(module.buildId) +
                                 " (file changed since the capture?); frames shown as module+offset");
            return slot.get();
        }
    }
    slot->dwfl = dwfl.release();
    slot->module = dwflModule;
    return slot.get();
}

const std::vector<SourceFrame>& Symbolizer::symbolize(const Frame& frame, bool isReturnAddress)
{
    const Key key{frame.module.value(), frame.offset};
    auto it = m_cache.find(key);
    if (it != m_cache.end()) return it->second;
    ModuleSession* s = session(frame.module);
    const std::string& path = frame.module.value() == 0 ? std::string() : m_stacks.module(frame.module).path;
    return m_cache.emplace(key, lookup(s, path, frame.offset, isReturnAddress)).first->second;
}

std::vector<SourceFrame> Symbolizer::symbolizeFile(const std::string& path, uint64_t offset, bool isReturnAddress)
{
    Dwfl_Module* module = nullptr;
    auto dwfl = openModule(path, module);
    ModuleSession s;
    s.module = module;
    auto frames = lookup(&s, path, offset, isReturnAddress);
    s.module = nullptr;  // dwfl is owned by the unique_ptr above
    return frames;
}

std::vector<SourceFrame> Symbolizer::lookup(ModuleSession* s, const std::string& modulePath, uint64_t offset,
                                            bool isReturnAddress)
{
    SourceFrame fallback;
    fallback.function = hexOffset(modulePath, offset);
    fallback.module = modulePath;
    if (!s || !s->module) return {fallback};

    Dwfl_Module* mod = s->module;
    const Dwarf_Addr addr = isReturnAddress && offset > 0 ? offset - 1 : offset;

    std::vector<SourceFrame> frames;
    // Outermost (the real function): symbol table name, file:line from the line table.
    SourceFrame outer = fallback;
    GElf_Off symOffset;
    GElf_Sym sym;
    if (const char* name = dwfl_module_addrinfo(mod, addr, &symOffset, &sym, nullptr, nullptr, nullptr)) {
        // Symbol-table names can carry an ELF symbol version ("dlopen@GLIBC_2.2.5",
        // "_IO_file_overflow@@GLIBC_2.2.5"): not part of the function's name.
        const std::string_view full(name);
        const auto at = full.find('@');
        outer.function = demangle(at == std::string_view::npos || at == 0 ? name : std::string(full.substr(0, at)).c_str());
        outer.resolved = true;
    } else if (isReturnAddress && isSigreturnTrampoline(mod, offset)) {
        outer.function = kSignalFrameName;
        outer.resolved = true;
    }
    Dwarf_Addr bias = 0;
    Dwarf_Die* cu = dwfl_module_addrdie(mod, addr, &bias);
    Dwarf_Die cuFromIndex;
    if (!cu) {  // no .debug_aranges (clang): our own index of the CUs' ranges
        if (Dwarf* dwarf = dwfl_module_getdwarf(mod, &bias)) {
            s->cuIndex.build(dwarf);
            if (s->cuIndex.find(dwarf, addr - bias, cuFromIndex)) cu = &cuFromIndex;
        }
    }
    if (Dwfl_Line* line = dwfl_module_getsrc(mod, addr)) {
        int lineNo = 0;
        if (const char* file = dwfl_lineinfo(line, nullptr, &lineNo, nullptr, nullptr, nullptr)) outer.file = file;
        outer.line = static_cast<uint32_t>(lineNo > 0 ? lineNo : 0);
    } else if (Dwarf_Line* line = cu ? dwarf_getsrc_die(cu, addr - bias) : nullptr) {
        int lineNo = 0;
        if (const char* file = dwarf_linesrc(line, nullptr, nullptr)) outer.file = file;
        if (dwarf_lineno(line, &lineNo) == 0) outer.line = static_cast<uint32_t>(lineNo > 0 ? lineNo : 0);
    }

    // Inlined calls: scopes[0] is innermost. The line table gives the innermost location; each
    // inlined_subroutine's DW_AT_call_file/line is the location in the scope enclosing it.
    Dwarf_Die* innermost = nullptr;
    const int found = cu ? dwarf_getscopes(cu, addr - bias, &innermost) : 0;
    // dwarf_getscopes continues outwards from an inlined scope through its abstract origin, so
    // a call inlined into an inlined function loses the middle level. The concrete chain, as
    // eu-addr2line -i walks it, comes from the innermost scope's own parents.
    Dwarf_Die* scopes = nullptr;
    const int count = found > 0 ? dwarf_getscopes_die(&innermost[0], &scopes) : 0;
    std::free(innermost);
    std::string file = outer.file;
    uint32_t line = outer.line;
    for (int i = 0; i < count; ++i) {
        Dwarf_Die* scope = &scopes[i];
        const int tag = dwarf_tag(scope);
        if (tag == DW_TAG_inlined_subroutine) {
            SourceFrame inlined;
            inlined.function = dieFunctionName(scope);
            inlined.file = file;
            inlined.line = line;
            inlined.module = modulePath;
            inlined.inlined = true;
            inlined.resolved = !inlined.function.empty();
            frames.push_back(std::move(inlined));
            file = callFile(cu, scope);
            line = callLine(scope);
        } else if (tag == DW_TAG_subprogram) {
            if (!outer.resolved) {
                outer.function = dieFunctionName(scope);
                outer.resolved = !outer.function.empty();
            }
            break;
        }
    }
    std::free(scopes);
    outer.file = file;
    outer.line = line;
    frames.push_back(std::move(outer));
    return frames;
}

}  // namespace memtrace::reader
