#include "process_info.h"

#include <dlfcn.h>
#include <fcntl.h>
#include <link.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <cstring>

namespace memtrace::shim {

namespace {

// The loaded object holding `address`: its name ("" for the main program) and load bias.
struct ObjectOf {
    uintptr_t address = 0;
    const char* name = nullptr;
    uintptr_t bias = 0;
    bool found = false;
};

int findObject(dl_phdr_info* info, size_t, void* data)
{
    auto* object = static_cast<ObjectOf*>(data);
    for (int i = 0; i < info->dlpi_phnum; ++i) {
        const ElfW(Phdr)& segment = info->dlpi_phdr[i];
        const uintptr_t start = info->dlpi_addr + segment.p_vaddr;
        if (segment.p_type == PT_LOAD && object->address >= start && object->address < start + segment.p_memsz) {
            object->name = info->dlpi_name;
            object->bias = info->dlpi_addr;
            object->found = true;
            return 1;
        }
    }
    return 0;
}

ObjectOf objectOf(const void* address)
{
    ObjectOf object;
    object.address = reinterpret_cast<uintptr_t>(address);
    dl_iterate_phdr(findObject, &object);
    return object;
}

// An executable that defines malloc (Chromium's PartitionAlloc, a static tcmalloc or
// mimalloc), or a library ahead of the shim in the lookup order, takes every malloc call of the
// process: the shim then sees its mappings only. Said on stderr and in the capture.
void findForeignMalloc(ProcessFacts& f)
{
    f.foreignMalloc[0] = '\0';
    void* used = dlsym(RTLD_DEFAULT, "malloc");
    const ObjectOf owner = objectOf(used);
    const ObjectOf shim = objectOf(reinterpret_cast<const void*>(&collectProcessFacts));
    if (!used || !owner.found || !shim.found || owner.bias == shim.bias) return;
    // A non-PIE executable that takes malloc's address has a canonical PLT entry for it: an
    // undefined symbol with a value, which dlsym returns, though the calls reach the shim.
    Dl_info info{};
    ElfW(Sym)* symbol = nullptr;
    if (dladdr1(used, &info, reinterpret_cast<void**>(&symbol), RTLD_DL_SYMENT) == 0 || !symbol ||
        symbol->st_shndx == SHN_UNDEF)
        return;
    const char* path = owner.name && owner.name[0] ? owner.name : f.exePath;  // "": the main program
    std::strncpy(f.foreignMalloc, path, sizeof f.foreignMalloc - 1);
    f.foreignMalloc[sizeof f.foreignMalloc - 1] = '\0';
}

}  // namespace

void collectProcessFacts(ProcessFacts& f, const Config& config)
{
    f.pid = getpid();
    f.ppid = getppid();
    const long page = sysconf(_SC_PAGESIZE);
    f.pageSize = page > 0 ? static_cast<uint64_t>(page) : 4096;
    f.maxDepth = config.maxDepth;
    f.options = (config.followFork ? 1u : 0u) | (config.unwind == UnwindMethod::FramePointer ? 2u : 0u);
    f.sampleRate = config.sampleRate;
    f.timeResolutionUs = config.timeResolutionUs;

    const ssize_t n = readlink("/proc/self/exe", f.exePath, sizeof f.exePath - 1);
    f.exePath[n > 0 ? n : 0] = '\0';

    f.cmdlineLength = 0;
    const int fd = open("/proc/self/cmdline", O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
        for (;;) {
            const ssize_t got = read(fd, f.cmdline + f.cmdlineLength, sizeof f.cmdline - f.cmdlineLength);
            if (got <= 0) break;
            f.cmdlineLength += static_cast<size_t>(got);
            if (f.cmdlineLength == sizeof f.cmdline) break;
        }
        close(fd);
    }
    // The kernel ends the last argument with a NUL too; the format separates, not terminates.
    if (f.cmdlineLength > 0 && f.cmdline[f.cmdlineLength - 1] == '\0') --f.cmdlineLength;

    utsname uts;
    f.hostname[0] = '\0';
    if (uname(&uts) == 0) {
        std::strncpy(f.hostname, uts.nodename, sizeof f.hostname - 1);
        f.hostname[sizeof f.hostname - 1] = '\0';
    }
    findForeignMalloc(f);
}

size_t processInfoBound(const ProcessFacts& f)
{
    return 64 + 10 * varint::kMaxBytes + std::strlen(f.exePath) + f.cmdlineLength + std::strlen(f.hostname) +
           std::strlen(MEMTRACE_VERSION) + std::strlen(f.foreignMalloc);
}

void encodeProcessInfo(format::RecordEncoder& enc, const ProcessFacts& f)
{
    enc.beginExtension(format::RecordType::ProcessInfo);
    enc.field(static_cast<uint64_t>(f.pid));
    enc.field(static_cast<uint64_t>(f.ppid));
    enc.field(f.startUnixNs);
    enc.field(f.pageSize);
    enc.field(f.maxDepth);
    enc.field(f.options);
    enc.fieldString(f.exePath);
    enc.fieldString(f.cmdline, f.cmdlineLength);
    enc.fieldString(f.hostname);
    enc.fieldString(MEMTRACE_VERSION);
    enc.field(f.sampleRate);
    enc.field(f.timeResolutionUs);
    enc.fieldString(f.foreignMalloc);
    enc.endExtension();
}

}  // namespace memtrace::shim
