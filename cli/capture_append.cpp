#include "capture_append.h"

#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>
#include <zstd.h>

#include "memtrace/format.h"
#include "memtrace/record_encoder.h"

namespace memtrace::cli {
namespace {

bool readExact(int fd, void* out, size_t size, off_t offset)
{
    return pread(fd, out, size, offset) == static_cast<ssize_t>(size);
}

// Walks chunk headers from the file header to the end. Returns the next sequence number, or
// -1 if the chain does not end exactly at fileSize.
long nextSequence(int fd, off_t fileSize, format::FileHeader& header)
{
    if (!readExact(fd, &header, sizeof(header), 0)) return -1;
    if (std::memcmp(header.magic, format::kFileMagic, sizeof(header.magic)) != 0) return -1;
    off_t offset = header.headerSize;
    long sequence = 0;
    while (offset < fileSize) {
        format::ChunkHeader chunk{};
        if (!readExact(fd, &chunk, sizeof(chunk), offset)) return -1;
        if (chunk.magic != format::kChunkMagic || chunk.sequence != static_cast<uint32_t>(sequence)) return -1;
        offset += static_cast<off_t>(sizeof(chunk)) + chunk.compressedSize;
        ++sequence;
    }
    return offset == fileSize ? sequence : -1;
}

}  // namespace

AppendOutcome appendExitStatus(const std::string& capturePath, int waitStatus)
{
    const int fd = open(capturePath.c_str(), O_RDWR | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) return AppendOutcome::NoCapture;
    struct stat st {};
    format::FileHeader header{};
    const long sequence = fstat(fd, &st) == 0 ? nextSequence(fd, st.st_size, header) : -1;
    if (sequence < 0) {
        close(fd);
        return AppendOutcome::CaptureCut;
    }

    uint8_t payload[192];  // split in up to three stream regions (record_encoder.h)
    // The chunk's layout must be the file's (an older shim may have written it).
    format::RecordEncoder encoder(payload, sizeof(payload), format::payloadLayout(header.version));
    encoder.beginExtension(format::RecordType::ExitStatus);
    if (WIFSIGNALED(waitStatus)) {
        encoder.fieldByte(static_cast<uint8_t>(format::ExitKind::Signaled));
        encoder.field(static_cast<uint64_t>(WTERMSIG(waitStatus)));
    } else {
        encoder.fieldByte(static_cast<uint8_t>(format::ExitKind::Exited));
        encoder.field(static_cast<uint64_t>(WEXITSTATUS(waitStatus)));
    }
    encoder.endExtension();

    const std::span<const uint8_t> records = encoder.payload();
    std::vector<uint8_t> frame(ZSTD_compressBound(records.size()) + sizeof(format::ChunkHeader));
    ZSTD_CCtx* context = ZSTD_createCCtx();
    ZSTD_CCtx_setParameter(context, ZSTD_c_checksumFlag, 1);
    ZSTD_CCtx_setParameter(context, ZSTD_c_contentSizeFlag, 1);
    const size_t compressed = ZSTD_compress2(context, frame.data() + sizeof(format::ChunkHeader),
                                             frame.size() - sizeof(format::ChunkHeader), records.data(), records.size());
    ZSTD_freeCCtx(context);
    if (ZSTD_isError(compressed)) {
        close(fd);
        return AppendOutcome::Failed;
    }
    const format::ChunkHeader chunk{format::kChunkMagic, static_cast<uint32_t>(compressed),
                                    static_cast<uint32_t>(records.size()), static_cast<uint32_t>(sequence)};
    std::memcpy(frame.data(), &chunk, sizeof(chunk));
    const size_t total = sizeof(chunk) + compressed;
    const bool ok = pwrite(fd, frame.data(), total, st.st_size) == static_cast<ssize_t>(total);
    close(fd);
    return ok ? AppendOutcome::Appended : AppendOutcome::Failed;
}

}  // namespace memtrace::cli
