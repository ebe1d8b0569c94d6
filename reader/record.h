// One decoded record: the tagged event struct RecordDecoder fills (record_decoder.h).
//
// Plain data, reused for every record of a chunk: no allocation per event. Strings and the
// ModuleMap body point into the chunk's payload buffer and are valid until the next chunk.
// Which fields are set depends on `type`; the table below is the single description.
//
//   type            fields
//   Time            value = dt_us (timeUs is already advanced)
//   Thread          thread = the new thread index
//   Alloc           kind, address, size, stack
//   AllocWeighted   kind, address, size, stack, weight
//   Free            kind, address
//   Realloc         kind, address (old, 0 = none), newAddress, size, stack
//   Mmap            kind, address, size (length), prot, flags, stack
//   Munmap          address, size (length)
//   Mremap          address (old), oldSize, newAddress, size (new length), stack
//   Stack           stack (its id), frames[0..depth) innermost first
//   ProcessInfo     process
//   ThreadStart     value = thread index, value2 = tid, text = name
//   ThreadName      value = thread index, text = name
//   ModuleMap       value = generation, value2 = module count, body = the encoded modules
//                   (walk them with ModuleMapCursor)
//   Rss             value = rss bytes
//   End             code = reason, value = events written, value2 = events lost, value3 = times a
//                   thread found its ring full, value4 = drains run by program threads (0, 0: absent)
//   ExitStatus      code = ExitKind, value = exit code or signal
//   Marker          text = label
//   Snapshot        body = the payload (walk it with SnapshotCursor, snapshot_record.h)
//   TrackingStopped text = reason
//   ThreadExit      value = thread index
//   AllocationUnrecorded  value = thread index
//   other extension (unknown or reserved without fields): body = payload, known = false
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "memtrace/format.h"

namespace memtrace::reader {

struct ProcessInfoView {
    uint64_t pid = 0;
    uint64_t ppid = 0;
    uint64_t startUnixNs = 0;
    uint64_t pageSize = 0;
    uint64_t maxDepth = 0;
    uint64_t options = 0;
    std::string_view exePath;
    std::string_view cmdline;  // arguments separated by NUL
    std::string_view hostname;
    std::string_view version;
    uint64_t sampleRate = 0;  // appended field; 0 when absent (not sampled)
    uint64_t timeResolutionUs = 1;  // appended field; 1 when absent (older captures)
    std::string_view foreignMalloc;  // appended field: the program's own malloc's object; "" when absent
};

struct Record {
    format::RecordType type{};
    uint8_t rawType = 0;
    bool known = true;            // false: an extension type this reader does not interpret
    uint32_t offset = 0;          // of the type byte within the chunk payload
    uint32_t length = 0;          // bytes, including the type byte (and an extension's length)

    // Delta state after this record.
    uint64_t timeUs = 0;
    uint32_t thread = ~0u;        // ~0u: no Thread record yet in this chunk

    format::AllocatorKind kind{};
    uint8_t code = 0;
    uint64_t address = 0;
    uint64_t newAddress = 0;
    uint64_t size = 0;
    uint64_t oldSize = 0;
    uint64_t prot = 0;
    uint64_t flags = 0;
    uint64_t stack = 0;
    uint64_t weight = 0;
    uint64_t value = 0;
    uint64_t value2 = 0;
    uint64_t value3 = 0;
    uint64_t value4 = 0;
    std::span<const uint64_t> frames;
    std::string_view text;
    std::span<const uint8_t> body;
    ProcessInfoView process;
};

}  // namespace memtrace::reader
