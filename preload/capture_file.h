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

// What the writer thread compresses between two drains: zstd's block size, ~0.75 ms of
// level-1 work on alloc_bench's payloads, ~1.7 ms at level 6 (a thread of alloc_bench fills
// its ring of 16384 events in ~3 ms).
inline constexpr size_t kCompressionSliceBytes = size_t{128} << 10;

class CaptureFile {
public:
    // Maps the output buffer and creates the compression context (its memory from mmap).
    bool initCompressor(size_t maxPayload);

    // Creates `path` exclusively (O_EXCL|O_NOFOLLOW, 0600), moves the descriptor to >= 1000 so
    // a program closing or dup2'ing its low descriptors does not hit it, writes the FileHeader.
    // On failure returns false with *error set (errno is kept for the caller).
    bool create(const char* path, const char** error, uint16_t flags = 0);

    // A chunk is compressed into one zstd frame, at the level m_budget chooses, and written as
    // ChunkHeader + frame with one write loop. It can be compressed in slices: beginChunk, then
    // continueChunk until it says Done; the payload must stay unchanged (and mapped) until
    // then. The writer drains the rings between slices, so that threads do not wait for room
    // while a whole chunk is compressed (PERFORMANCE.md, session 6). One chunk at a time.
    // On failure: false / Failed with *error set; the file stays open (the caller closes it).
    // `events`: how many events the chunk holds (the budget's event rate).
    bool beginChunk(const uint8_t* payload, size_t size, uint64_t events, uint32_t sequence, const char** error);
    enum class Progress { More, Done, Failed };
    // Compresses about `bytes` more of the chunk begun (all of it: SIZE_MAX); writes it when done.
    Progress continueChunk(size_t bytes, const char** error);
    bool chunkInProgress() const { return m_chunk.payload != nullptr; }
    // Forgets the chunk begun, writing nothing (a fork child: it belongs to the parent's file).
    void abandonChunk();

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
    struct ChunkInProgress {
        const uint8_t* payload = nullptr;  // nullptr: none
        size_t size = 0;
        size_t fed = 0;       // bytes handed to zstd so far (the input's size)
        size_t inPos = 0;     // of those, what zstd consumed
        size_t produced = 0;  // bytes of frame in m_out so far (after the ChunkHeader)
        uint32_t sequence = 0;
        uint64_t cpuNs = 0;   // the compressing thread's CPU time, all slices
    };
    ChunkInProgress m_chunk;
    size_t m_outCapacity = 0;
    char m_path[kPathMax] = {};
};

}  // namespace memtrace::shim
