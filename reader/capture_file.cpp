#include "capture_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>

#include <cerrno>
#include <cstring>

namespace memtrace::reader {

namespace {

uint16_t le16(const unsigned char* p) { return static_cast<uint16_t>(p[0] | (p[1] << 8)); }
uint32_t le32(const unsigned char* p) { return p[0] | (p[1] << 8) | (p[2] << 16) | (static_cast<uint32_t>(p[3]) << 24); }

}  // namespace

CaptureFile::CaptureFile() = default;

CaptureFile::~CaptureFile()
{
    if (m_fd >= 0) ::close(m_fd);
    if (m_dctx) ZSTD_freeDCtx(m_dctx);
}

bool CaptureFile::readAt(uint64_t offset, void* buffer, size_t size)
{
    auto* out = static_cast<char*>(buffer);
    while (size > 0) {
        const ssize_t n = ::pread(m_fd, out, size, static_cast<off_t>(offset));
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            m_error = n < 0 ? std::strerror(errno) : "unexpected end of file";
            return false;
        }
        out += n;
        offset += static_cast<uint64_t>(n);
        size -= static_cast<size_t>(n);
    }
    return true;
}

bool CaptureFile::open(const std::string& path)
{
    m_fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (m_fd < 0) {
        m_error = std::strerror(errno);
        return false;
    }
    struct stat st;
    if (::fstat(m_fd, &st) != 0) {
        m_error = std::strerror(errno);
        return false;
    }
    if (S_ISDIR(st.st_mode)) {
        m_error = "is a directory";
        return false;
    }
    if (!S_ISREG(st.st_mode)) {
        m_error = "not a regular file";
        return false;
    }
    m_fileSize = static_cast<uint64_t>(st.st_size);
    if (m_fileSize == 0) {
        m_error = "empty file, not a memtrace capture";
        return false;
    }
    unsigned char raw[sizeof(format::FileHeader)];
    if (m_fileSize < sizeof raw) {
        m_error = "not a memtrace capture (file too short for a header)";
        return false;
    }
    if (!readAt(0, raw, sizeof raw)) return false;
    std::memcpy(m_header.magic, raw, 8);
    m_header.version = le16(raw + 8);
    m_header.flags = le16(raw + 10);
    m_header.headerSize = le32(raw + 12);
    if (std::memcmp(m_header.magic, format::kFileMagic, sizeof format::kFileMagic) != 0) {
        m_error = "not a memtrace capture (bad magic)";
        return false;
    }
    if (m_header.version > format::kFormatVersion) {
        m_error = "capture format version " + std::to_string(m_header.version) +
                  " is newer than this memtrace (reads up to " + std::to_string(format::kFormatVersion) + ")";
        return false;
    }
    if (m_header.version == 0) {
        m_error = "capture format version 0 is not valid";
        return false;
    }
    if (m_header.headerSize < sizeof raw || m_header.headerSize > m_fileSize) {
        m_error = "bad header size " + std::to_string(m_header.headerSize);
        return false;
    }
    m_offset = m_header.headerSize;
    m_dctx = ZSTD_createDCtx();
    if (!m_dctx) {
        m_error = "cannot create a zstd decompression context";
        return false;
    }
    return true;
}

CaptureFile::Next CaptureFile::corrupt(uint64_t offset, std::string message)
{
    m_stopOffset = offset;
    m_error = std::move(message);
    return Next::Corrupt;
}

CaptureFile::Next CaptureFile::nextChunk(ChunkBuffer& chunk)
{
    const uint64_t start = m_offset;
    const uint64_t left = m_fileSize - start;
    if (left == 0) {
        m_stopOffset = start;
        return Next::EndOfFile;
    }
    if (left < sizeof(format::ChunkHeader)) {
        m_stopOffset = start;
        m_error = "incomplete chunk header";
        return Next::Truncated;
    }
    unsigned char raw[sizeof(format::ChunkHeader)];
    if (!readAt(start, raw, sizeof raw)) {
        m_stopOffset = start;
        return Next::IoError;
    }
    format::ChunkHeader& h = chunk.header;
    h.magic = le32(raw);
    h.compressedSize = le32(raw + 4);
    h.payloadSize = le32(raw + 8);
    h.sequence = le32(raw + 12);
    const std::string where = "chunk " + std::to_string(m_nextSequence) + " at byte " + std::to_string(start);
    if (h.magic != format::kChunkMagic) return corrupt(start, "bad chunk magic (" + where + ")");
    if (h.sequence != m_nextSequence)
        return corrupt(start, "chunk sequence " + std::to_string(h.sequence) + ", expected " +
                                  std::to_string(m_nextSequence) + " (" + where + ")");
    if (h.compressedSize > format::kMaxChunkCompressed || h.payloadSize > format::kMaxChunkPayload)
        return corrupt(start, "chunk sizes over the format limits (" + where + ")");
    if (h.compressedSize > left - sizeof raw) {
        m_stopOffset = start;
        m_error = "incomplete chunk (" + where + ")";
        return Next::Truncated;
    }

    chunk.fileOffset = start;
    if (chunk.compressed.size() < h.compressedSize) chunk.compressed.resize(h.compressedSize);
    if (chunk.payload.size() < h.payloadSize) chunk.payload.resize(h.payloadSize);
    if (!readAt(start + sizeof raw, chunk.compressed.data(), h.compressedSize)) {
        m_stopOffset = start;
        return Next::IoError;
    }
    const unsigned long long contentSize = ZSTD_getFrameContentSize(chunk.compressed.data(), h.compressedSize);
    if (contentSize != h.payloadSize) return corrupt(start, "zstd frame size does not match the chunk header (" + where + ")");
    const size_t n = ZSTD_decompressDCtx(m_dctx, chunk.payload.data(), h.payloadSize, chunk.compressed.data(), h.compressedSize);
    if (ZSTD_isError(n)) return corrupt(start, std::string("decompression failed: ") + ZSTD_getErrorName(n) + " (" + where + ")");
    if (n != h.payloadSize) return corrupt(start, "decompressed size does not match the chunk header (" + where + ")");

    m_offset = start + sizeof raw + h.compressedSize;
    ++m_nextSequence;
    return Next::Chunk;
}

}  // namespace memtrace::reader
