#include "capture_file.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define ZSTD_STATIC_LINKING_ONLY  // ZSTD_createCCtx_advanced, ZSTD_customMem, stable buffers
#include <zstd.h>

#include <cstring>

#include "clock.h"
#include "memtrace/format.h"
#include "shim_descriptors.h"
#include "sys_memory.h"
#include "thread_ring.h"

namespace memtrace::shim {
namespace {

// zstd's memory from raw mappings: the writer never enters the program's allocator.
void* zstdAlloc(void*, size_t size)
{
    auto* p = static_cast<size_t*>(mapAnonymous(size + 16));
    if (!p) return nullptr;
    p[0] = size + 16;
    return p + 2;
}

void zstdFree(void*, void* p)
{
    if (!p) return;
    auto* block = static_cast<size_t*>(p) - 2;
    unmapAnonymous(block, block[0]);
}

bool writeAll(int fd, const uint8_t* data, size_t size)
{
    while (size > 0) {
        const ssize_t n = ::write(fd, data, size);
        if (n < 0) {
            if (errno == EINTR) continue;
            return false;
        }
        if (n == 0) {
            errno = EIO;
            return false;
        }
        data += n;
        size -= static_cast<size_t>(n);
    }
    return true;
}

// CPU time of the calling thread: what a compression cost, whatever else ran meanwhile.
uint64_t threadCpuNs()
{
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<uint64_t>(ts.tv_sec) * 1000000000ull + static_cast<uint64_t>(ts.tv_nsec);
}

void putLe32(uint8_t* p, uint32_t v)
{
    for (int i = 0; i < 4; ++i) p[i] = static_cast<uint8_t>(v >> (8 * i));
}

// The fast level matches runs of 5 bytes instead of its default 6-7: a hot record (type,
// kind, size, stack delta) is 4-6 bytes. On payloads of session 6's captures, compressed
// chunk by chunk with the zstd CLI: alloc_bench -12% at the same speed, sqlite3 +3% and
// redis-server +1.4% (those are mostly compressed at the thorough level, unchanged).
constexpr int kFastMinMatch = 5;

}  // namespace

bool CaptureFile::initCompressor(size_t maxPayload)
{
    if (m_cctx) return true;
    m_outCapacity = sizeof(format::ChunkHeader) + ZSTD_compressBound(maxPayload);
    m_out = static_cast<uint8_t*>(mapAnonymous(m_outCapacity));
    if (!m_out) return false;
    m_cctx = ZSTD_createCCtx_advanced(ZSTD_customMem{zstdAlloc, zstdFree, nullptr});
    if (!m_cctx) return false;
    // The level is chosen per chunk (compression_budget.h); the fast level to begin with.
    m_level = CompressionBudget::kFastLevel;
    ZSTD_CCtx_setParameter(m_cctx, ZSTD_c_compressionLevel, m_level);
    ZSTD_CCtx_setParameter(m_cctx, ZSTD_c_minMatch, kFastMinMatch);
    ZSTD_CCtx_setParameter(m_cctx, ZSTD_c_checksumFlag, 1);
    ZSTD_CCtx_setParameter(m_cctx, ZSTD_c_contentSizeFlag, 1);
    // Sliced compression reads the payload and writes m_out in place, as one-shot compression
    // does: without these zstd would copy the input into a window buffer of its own (up to
    // 2 MiB more in the program). Should a libzstd refuse them, it buffers: same frames.
    ZSTD_CCtx_setParameter(m_cctx, ZSTD_c_stableInBuffer, 1);
    ZSTD_CCtx_setParameter(m_cctx, ZSTD_c_stableOutBuffer, 1);
    return true;
}

bool CaptureFile::create(const char* path, const char** error, uint16_t flags)
{
    const int fd = ::open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0) {
        *error = "cannot create the capture file";
        return false;
    }
    const int high = moveAboveProgramFds(fd);  // keeps the low one rather than fail
    struct stat st;
    if (fstat(high, &st) != 0) {
        ::close(high);
        *error = "cannot stat the capture file";
        return false;
    }
    m_fd = high;
    protectDescriptor(&m_fd);  // the fd hooks keep the program from closing or replacing it
    m_device = st.st_dev;
    m_inode = st.st_ino;
    std::strncpy(m_path, path, sizeof m_path - 1);

    uint8_t header[sizeof(format::FileHeader)] = {};
    std::memcpy(header, format::kFileMagic, 8);
    header[8] = static_cast<uint8_t>(format::kFormatVersion);
    header[9] = static_cast<uint8_t>(format::kFormatVersion >> 8);
    header[10] = static_cast<uint8_t>(flags);  // format::FileFlags
    header[11] = static_cast<uint8_t>(flags >> 8);
    putLe32(header + 12, sizeof(format::FileHeader));
    if (!writeAll(m_fd, header, sizeof header)) {
        *error = "cannot write the capture file header";
        close();
        return false;
    }
    m_complete = sizeof header;
    // A new capture (a followed fork child too) earns afresh. Half a ring: see the budget.
    m_budget.start(monotonicNs(), kRingSlots / 2, kCompressionSliceBytes);
    m_idleCores.open();
    return true;
}

// The program may have closed our descriptor and reused the number for one of its own files.
bool CaptureFile::stillOurs() const
{
    struct stat st;
    return fstat(m_fd, &st) == 0 && st.st_dev == m_device && st.st_ino == m_inode;
}

bool CaptureFile::beginChunk(const uint8_t* payload, size_t size, uint64_t events, uint32_t sequence, const char** error)
{
    if (m_fd < 0) {
        *error = "the capture file is closed";
        return false;
    }
    if (!stillOurs()) {
        *error = "the program closed or replaced the capture file descriptor";
        return false;
    }
    const uint64_t now = monotonicNs();
    const int level = m_budget.levelFor(size, events, now, m_idleCores.idleCoreSeen(now));
    if (level != m_level && !ZSTD_isError(ZSTD_CCtx_setParameter(m_cctx, ZSTD_c_compressionLevel, level))) {
        // Level 6's own tables for a 1 MiB chunk add ~3 MiB to the program's RSS; 2^16-entry
        // tables add ~0.6 MiB and compressed sqlite3's capture as well. 0 = the level's own.
        const bool thorough = level == CompressionBudget::kThoroughLevel;
        ZSTD_CCtx_setParameter(m_cctx, ZSTD_c_hashLog, thorough ? 16 : 0);
        ZSTD_CCtx_setParameter(m_cctx, ZSTD_c_chainLog, thorough ? 16 : 0);
        ZSTD_CCtx_setParameter(m_cctx, ZSTD_c_minMatch, thorough ? 0 : kFastMinMatch);
        m_level = level;
    }
    // A new frame that knows its size (the frame one-shot compression would write).
    ZSTD_CCtx_reset(m_cctx, ZSTD_reset_session_only);
    ZSTD_CCtx_setPledgedSrcSize(m_cctx, size);
    m_chunk = ChunkInProgress{};
    m_chunk.payload = payload;
    m_chunk.size = size;
    m_chunk.sequence = sequence;
    return true;
}

CaptureFile::Progress CaptureFile::continueChunk(size_t bytes, const char** error)
{
    if (!m_chunk.payload) return Progress::Done;
    const uint64_t cpuBefore = threadCpuNs();
    // The input grows by a slice per call (stableInBuffer allows that; src stays the same).
    m_chunk.fed = bytes >= m_chunk.size - m_chunk.fed ? m_chunk.size : m_chunk.fed + bytes;
    const bool last = m_chunk.fed == m_chunk.size;
    // pos is zstd's to advance: each call resumes where the previous slice stopped.
    ZSTD_inBuffer in{m_chunk.payload, m_chunk.fed, m_chunk.inPos};
    ZSTD_outBuffer out{m_out + sizeof(format::ChunkHeader), m_outCapacity - sizeof(format::ChunkHeader), m_chunk.produced};
    size_t remaining;
    do {
        remaining = ZSTD_compressStream2(m_cctx, &out, &in, last ? ZSTD_e_end : ZSTD_e_continue);
    } while (!ZSTD_isError(remaining) && last && remaining != 0);
    m_chunk.inPos = in.pos;
    m_chunk.produced = out.pos;
    m_chunk.cpuNs += threadCpuNs() - cpuBefore;
    if (ZSTD_isError(remaining)) {
        abandonChunk();
        *error = "zstd compression failed";
        return Progress::Failed;
    }
    if (!last) return Progress::More;

    m_budget.spent(m_level, m_chunk.size, m_chunk.cpuNs, m_chunk.produced);
    const size_t compressed = m_chunk.produced;
    putLe32(m_out, format::kChunkMagic);
    putLe32(m_out + 4, static_cast<uint32_t>(compressed));
    putLe32(m_out + 8, static_cast<uint32_t>(m_chunk.size));
    putLe32(m_out + 12, m_chunk.sequence);
    m_chunk = ChunkInProgress{};
    const size_t total = sizeof(format::ChunkHeader) + compressed;
    if (!stillOurs()) {
        *error = "the program closed or replaced the capture file descriptor";
        return Progress::Failed;
    }
    if (!writeAll(m_fd, m_out, total)) {
        const int writeErrno = errno;
        const char* name = strerrorname_np(writeErrno);  // static string, no allocation
        *error = name ? name : "write failed";
        // Disk full or file-size limit: a chunk may be half written. Cut it off so the file
        // ends with its last complete chunk, as if tracking had stopped just before.
        (void)ftruncate(m_fd, m_complete);
        errno = writeErrno;
        return Progress::Failed;
    }
    m_complete += static_cast<off_t>(total);
    return Progress::Done;
}

void CaptureFile::abandonChunk()
{
    if (m_cctx) ZSTD_CCtx_reset(m_cctx, ZSTD_reset_session_only);
    m_chunk = ChunkInProgress{};
}

void CaptureFile::close()
{
    abandonChunk();
    closeProtectedDescriptor(&m_fd);
    m_idleCores.close();
}

}  // namespace memtrace::shim
