#include "debug_cache.h"

#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <memory>
#include <vector>

#include "build_id.h"

namespace memtrace::reader::debug_cache {

namespace {

namespace fs = std::filesystem;

constexpr const char* kNoteOwner = "GNU";
constexpr time_t kTouchAfterSeconds = 24 * 3600;     // refresh a used file's mtime at most daily
constexpr time_t kStaleTemporarySeconds = 3600;      // a copy left by a killed command

struct ElfCloser {
    void operator()(Elf* elf) const { elf_end(elf); }
};
using ElfHandle = std::unique_ptr<Elf, ElfCloser>;

std::string computeDirectory()
{
    if (const char* explicitDir = std::getenv("MEMTRACE_DEBUG_CACHE")) {
        const std::string_view value(explicitDir);
        return value.empty() || value == "off" ? std::string() : std::string(value);
    }
    if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg && xdg[0] == '/') return std::string(xdg) + "/memtrace/debuginfo";
    if (const char* home = std::getenv("HOME"); home && home[0] == '/') return std::string(home) + "/.cache/memtrace/debuginfo";
    return {};
}

ElfHandle openElf(int fd)
{
    elf_version(EV_CURRENT);
    ElfHandle elf(elf_begin(fd, ELF_C_READ_MMAP, nullptr));
    if (elf && elf_kind(elf.get()) != ELF_K_ELF) elf.reset();
    return elf;
}

std::string buildIdOf(Elf* elf)
{
    for (Elf_Scn* scn = elf_nextscn(elf, nullptr); scn; scn = elf_nextscn(elf, scn)) {
        GElf_Shdr shdr;
        if (!gelf_getshdr(scn, &shdr) || shdr.sh_type != SHT_NOTE) continue;
        Elf_Data* data = elf_getdata(scn, nullptr);
        if (!data) continue;
        GElf_Nhdr note;
        size_t at = 0, nameAt = 0, descAt = 0;
        while ((at = gelf_getnote(data, at, &note, &nameAt, &descAt)) > 0) {
            const char* bytes = static_cast<const char*>(data->d_buf);
            if (note.n_type == NT_GNU_BUILD_ID && note.n_namesz == 4 && std::memcmp(bytes + nameAt, kNoteOwner, 4) == 0)
                return std::string(bytes + descAt, note.n_descsz);
        }
    }
    return {};
}

// A cached file is trusted only this far: ELF, every section inside the file, nothing left
// compressed, and the module's build-id. A truncated or foreign file fails one of these.
bool isUsable(int fd, std::string_view buildId)
{
    struct stat st;
    if (fstat(fd, &st) != 0) return false;
    const auto size = static_cast<uint64_t>(st.st_size);
    ElfHandle elf = openElf(fd);
    GElf_Ehdr ehdr;
    if (!elf || !gelf_getehdr(elf.get(), &ehdr)) return false;
    size_t sections = 0;
    if (elf_getshdrnum(elf.get(), &sections) != 0 || ehdr.e_shoff > size ||
        sections * ehdr.e_shentsize > size - ehdr.e_shoff)
        return false;
    for (Elf_Scn* scn = elf_nextscn(elf.get(), nullptr); scn; scn = elf_nextscn(elf.get(), scn)) {
        GElf_Shdr shdr;
        if (!gelf_getshdr(scn, &shdr) || (shdr.sh_flags & SHF_COMPRESSED)) return false;
        if (shdr.sh_type != SHT_NOBITS && (shdr.sh_offset > size || shdr.sh_size > size - shdr.sh_offset)) return false;
    }
    return buildIdOf(elf.get()) == buildId;
}

void touchIfOld(int fd)
{
    struct stat st;
    if (fstat(fd, &st) == 0 && std::time(nullptr) - st.st_mtime > kTouchAfterSeconds) futimens(fd, nullptr);
}

// Copies src to dst section by section, inflating the compressed ones, at offsets laid out
// here (ELF_F_LAYOUT): the program headers are kept as they are, for libdwfl's address sync.
bool writeInflated(Elf* src, Elf* dst)
{
    GElf_Ehdr ehdr;
    if (!gelf_getehdr(src, &ehdr) || !gelf_newehdr(dst, gelf_getclass(src))) return false;
    size_t phnum = 0;
    if (elf_getphdrnum(src, &phnum) != 0) return false;
    if (phnum > 0) {
        if (!gelf_newphdr(dst, phnum)) return false;
        for (size_t i = 0; i < phnum; ++i) {
            GElf_Phdr phdr;
            if (!gelf_getphdr(src, static_cast<int>(i), &phdr) || !gelf_update_phdr(dst, static_cast<int>(i), &phdr))
                return false;
        }
    }
    const bool is64 = gelf_getclass(src) == ELFCLASS64;
    uint64_t offset = is64 ? sizeof(Elf64_Ehdr) + phnum * sizeof(Elf64_Phdr) : sizeof(Elf32_Ehdr) + phnum * sizeof(Elf32_Phdr);
    for (Elf_Scn* scn = elf_nextscn(src, nullptr); scn; scn = elf_nextscn(src, scn)) {
        GElf_Shdr shdr;
        if (!gelf_getshdr(scn, &shdr)) return false;
        if ((shdr.sh_flags & SHF_COMPRESSED) && (elf_compress(scn, 0, 0) < 0 || !gelf_getshdr(scn, &shdr))) return false;
        Elf_Scn* copy = elf_newscn(dst);
        if (!copy) return false;
        if (Elf_Data* data = elf_getdata(scn, nullptr)) {
            Elf_Data* out = elf_newdata(copy);
            if (!out) return false;
            *out = *data;
        }
        if (shdr.sh_type != SHT_NOBITS) {
            const uint64_t align = shdr.sh_addralign > 1 ? shdr.sh_addralign : 1;
            offset = (offset + align - 1) / align * align;
            shdr.sh_offset = offset;
            offset += shdr.sh_size;
        } else {
            shdr.sh_offset = offset;
        }
        if (!gelf_update_shdr(copy, &shdr)) return false;
    }
    ehdr.e_shoff = (offset + 7) / 8 * 8;
    if (!gelf_update_ehdr(dst, &ehdr)) return false;
    elf_flagelf(dst, ELF_C_SET, ELF_F_LAYOUT);
    return elf_update(dst, ELF_C_WRITE) >= 0;
}

}  // namespace

void evict(const std::string& dir, uint64_t limitBytes)
{
    struct Entry {
        fs::path path;
        uint64_t size;
        fs::file_time_type used;
    };
    std::vector<Entry> entries;
    uint64_t total = 0;
    std::error_code error;
    const auto now = fs::file_time_type::clock::now();
    for (const fs::directory_entry& entry : fs::directory_iterator(dir, error)) {
        std::error_code entryError;
        const uint64_t size = entry.file_size(entryError);
        const fs::file_time_type used = entry.last_write_time(entryError);
        if (entryError || !entry.is_regular_file(entryError)) continue;
        const std::string name = entry.path().filename().string();
        if (name.starts_with(".")) {
            if (now - used > std::chrono::seconds(kStaleTemporarySeconds)) fs::remove(entry.path(), entryError);
            continue;
        }
        entries.push_back({entry.path(), size, used});
        total += size;
    }
    std::sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) { return a.used < b.used; });
    for (const Entry& entry : entries) {
        if (total <= limitBytes) break;
        if (fs::remove(entry.path, error)) total -= entry.size;
    }
}

const std::string& directory()
{
    static const std::string dir = computeDirectory();
    return dir;
}

int openCached(const std::string& dir, std::string_view buildId, std::string& path)
{
    if (dir.empty() || buildId.empty()) return -1;
    path = dir + "/" + buildIdHex(buildId) + ".debug";
    const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    if (!isUsable(fd, buildId)) {
        close(fd);
        unlink(path.c_str());  // replaced by the next storeInflated
        return -1;
    }
    touchIfOld(fd);
    return fd;
}

bool worthCaching(int fd)
{
    ElfHandle elf = openElf(fd);
    size_t namesIndex = 0;
    if (!elf || elf_getshdrstrndx(elf.get(), &namesIndex) != 0) return false;
    bool compressed = false;
    for (Elf_Scn* scn = elf_nextscn(elf.get(), nullptr); scn; scn = elf_nextscn(elf.get(), scn)) {
        GElf_Shdr shdr;
        if (!gelf_getshdr(scn, &shdr)) return false;
        const char* name = elf_strptr(elf.get(), namesIndex, shdr.sh_name);
        if (name && std::strcmp(name, ".gnu_debugaltlink") == 0) return false;
        compressed |= (shdr.sh_flags & SHF_COMPRESSED) != 0;
    }
    return compressed;
}

int storeInflated(const std::string& dir, std::string_view buildId, int fd, std::string& path)
{
    if (dir.empty() || buildId.empty()) return -1;
    std::error_code error;
    fs::create_directories(dir, error);
    const std::string name = buildIdHex(buildId) + ".debug";
    std::string temporary = dir + "/." + name + ".XXXXXX";
    const int out = mkstemp(temporary.data());
    if (out < 0) return -1;
    bool written = false;
    {
        ElfHandle src = openElf(fd);
        ElfHandle dst(src ? elf_begin(out, ELF_C_WRITE, nullptr) : nullptr);
        written = dst && writeInflated(src.get(), dst.get());
    }
    fchmod(out, 0644);
    written = close(out) == 0 && written;
    if (!written || rename(temporary.c_str(), (dir + "/" + name).c_str()) != 0) {
        unlink(temporary.c_str());
        return -1;
    }
    evict(dir, kCacheLimitBytes);
    return openCached(dir, buildId, path);
}

}  // namespace memtrace::reader::debug_cache
