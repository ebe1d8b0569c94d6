// A capture file on disk: validates the FileHeader and hands out one decompressed chunk at a
// time (docs/FORMAT.md, "File layout" and "Chunks").
//
// Every size read from the file is checked against the format limits and against the bytes
// left in the file before anything is allocated. How reading stops:
//   EndOfFile  the last chunk ended exactly at the end of the file
//   Truncated  the file ends inside a chunk (a killed process); stopOffset() = that chunk's start
//   Corrupt    bad chunk magic, sequence gap, size over the limits, zstd error or checksum
//              mismatch; stopOffset() names the byte, error() says what
//   IoError    read(2) failed
//
// The caller owns the ChunkBuffer so that chunk N+1 can be decompressed on a second thread
// while chunk N is parsed (chunk_pipeline.h: two buffers, one in flight each). Memory is bounded by one
// chunk: kMaxChunkCompressed + kMaxChunkPayload.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "memtrace/format.h"

struct ZSTD_DCtx_s;

namespace memtrace::reader {

struct ChunkBuffer {
    std::vector<uint8_t> compressed;
    std::vector<uint8_t> payload;

    // Filled by CaptureFile::nextChunk.
    uint64_t fileOffset = 0;  // of the ChunkHeader
    format::ChunkHeader header{};
    std::span<const uint8_t> records() const { return {payload.data(), header.payloadSize}; }
};

class CaptureFile {
public:
    enum class Next { Chunk, EndOfFile, Truncated, Corrupt, IoError };

    CaptureFile();
    ~CaptureFile();
    CaptureFile(const CaptureFile&) = delete;
    CaptureFile& operator=(const CaptureFile&) = delete;

    // Opens path and validates the header. On failure error() is a one-line reason such as
    // "not a memtrace capture" or "is a directory".
    bool open(const std::string& path);

    Next nextChunk(ChunkBuffer& chunk);

    const format::FileHeader& header() const { return m_header; }
    uint64_t fileSize() const { return m_fileSize; }
    uint64_t stopOffset() const { return m_stopOffset; }
    uint32_t chunksRead() const { return m_nextSequence; }
    const std::string& error() const { return m_error; }

private:
    bool readAt(uint64_t offset, void* buffer, size_t size);
    Next corrupt(uint64_t offset, std::string message);

    int m_fd = -1;
    uint64_t m_fileSize = 0;
    uint64_t m_offset = 0;
    uint32_t m_nextSequence = 0;
    uint64_t m_stopOffset = 0;
    format::FileHeader m_header{};
    std::string m_error;
    ZSTD_DCtx_s* m_dctx = nullptr;
};

}  // namespace memtrace::reader
