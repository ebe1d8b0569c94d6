// Decodes one chunk's payload into Records: the mirror of format::RecordEncoder.
//
//   RecordDecoder decoder;
//   decoder.reset(payload, timeUsAtChunkStart);
//   Record r;
//   while (decoder.next(r) == RecordDecoder::Step::Record) { ... }
//
// The delta state starts fresh at every reset() (docs/FORMAT.md, "Delta state"). Events before
// the chunk's first Time record keep the time passed to reset() (the previous chunk's last
// time). Core records are decoded field by field; extension records are cut by their length,
// the known ones decoded from the front of their payload (extra trailing bytes are ignored),
// unknown ones handed out with known = false. An unknown core type, a varint running past the
// end or a field out of its limits stops the chunk with Step::Error and a message.
//
// The loop allocates nothing: Records point into the payload and into a frame buffer owned by
// the decoder (valid until the next call).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "record.h"

namespace memtrace::reader {

class RecordDecoder {
public:
    enum class Step { Record, End, Error };

    RecordDecoder();

    void reset(std::span<const uint8_t> payload, uint64_t startTimeUs = 0);
    Step next(Record& out);

    // Set when next() returned Error: what was wrong, and where in the payload.
    const std::string& error() const { return m_error; }
    size_t errorOffset() const { return m_errorOffset; }

private:
    bool decodeCore(uint8_t type, Record& out);
    bool decodeExtension(uint8_t type, std::span<const uint8_t> payload, Record& out);
    Step fail(size_t offset, const char* what, uint8_t type);

    const uint8_t* m_begin = nullptr;
    const uint8_t* m_p = nullptr;
    const uint8_t* m_end = nullptr;
    uint64_t m_lastAddress = 0;
    uint64_t m_lastStack = 0;
    uint64_t m_timeUs = 0;
    bool m_timeSet = false;
    uint32_t m_thread = ~0u;
    std::vector<uint64_t> m_frames;
    std::string m_error;
    size_t m_errorOffset = 0;
};

// "Alloc", "ThreadStart", ... ; "ext(0x5a)" style names are built by callers for unknown types.
const char* recordTypeName(uint8_t type);

}  // namespace memtrace::reader
