// The capture file on disk: creation (FileHeader), one zstd-compressed chunk per write, close.
// Used by the writer side only (the writer thread or a synchronous drain, under the drain
// lock), never by a hook that records an event.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <cstdint>

#include "compression_budget.h"
#include "config.h"
#include "idle_cores.h"

struct ZSTD_CCtx_s;

namespace memtrace::shim {

class CaptureFile {
public:
    // Maps the output buffer and creates the compression context (its memory from mmap).
    bool initCompressor(size_t maxPayload);

    // Creates `path` exclusively (O_EXCL|O_NOFOLLOW, 0600), moves the descriptor to >= 1000 so
    // a program closing or dup2'ing its low descriptors does not hit it, writes the FileHeader.
    // On failure returns false with *error set (errno is kept for the caller).
    bool create(const char* path, const char** error, uint16_t flags = 0);

    // Compresses payload into one zstd frame, at the level m_budget chooses, and writes
    // ChunkHeader + frame with one write loop.
    // On failure returns false with *error set; the file stays open (the caller closes it).
    // `events`: how many events the chunk holds (the budget's event rate).
    bool writeChunk(const uint8_t* payload, size_t size, uint64_t events, uint32_t sequence, const char** error);

    void close();
    bool isOpen() const { return m_fd >= 0; }
    const char* path() const { return m_path; }

private:
    bool stillOurs() const;

    int m_fd = -1;
    dev_t m_device = 0;
    ino_t m_inode = 0;
    off_t m_complete = 0;  // bytes of the file that hold the header and complete chunks
    ZSTD_CCtx_s* m_cctx = nullptr;
    CompressionBudget m_budget;
    IdleCores m_idleCores;
    int m_level = 0;  // the level m_cctx is set to
    uint8_t* m_out = nullptr;  // ChunkHeader + compressed frame
    size_t m_outCapacity = 0;
    char m_path[kPathMax] = {};
};

}  // namespace memtrace::shim
