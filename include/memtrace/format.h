// The capture file contract shared by the shim (writer) and the reader.
// docs/FORMAT.md is the byte-level description of everything here; change both together.
//
// A capture is:
//
//   FileHeader (16 bytes, uncompressed)
//   Chunk*     each: ChunkHeader (16 bytes) + one zstd frame (with content size and checksum)
//
// A chunk's decompressed payload is a sequence of records. Every chunk starts from a fresh
// delta state (see DeltaState), so any chunk decodes on its own once the stack and module
// definitions before it are known. A capture that ends without an End record was cut short
// (killed process); the reader reads it up to its last complete chunk.
//
// This header must stay usable inside the shim: no allocation, no exceptions, no iostreams.
#pragma once

#include <cstddef>
#include <cstdint>

namespace memtrace::format {

// "\x89MTRACE\n": the high byte catches 7-bit transfers, the newline catches text-mode
// conversions (the PNG trick). 8 bytes.
inline constexpr unsigned char kFileMagic[8] = {0x89, 'M', 'T', 'R', 'A', 'C', 'E', '\n'};
// 2: AllocRecent / FreeRecent (recency coding) and ProcessInfo.time_resolution_us.
// 3: the address stream and per-stack address bases (hasAddressStream, hasStackAddressBases).
// 4: the resize stream (hasResizeStream); a Realloc counts as a release and an allocation for
// recency coding and for the per-stack bases.
// 5: allocation-address prediction: SizeClasses and AllocReused records (reuse_stacks.h).
// A reader of version N reads every version up to N.
inline constexpr uint16_t kFormatVersion = 5;

// From version 3 a chunk's payload is `u32 records_length, records, addresses`: every field
// that names an address (an address delta or a recency distance) is taken out of its record and
// appended, in record order, to a second stream after the records. Addresses are the most
// random bytes of a capture; apart from the rest, zstd compresses both better (docs/FORMAT.md).
// Before version 3 the address fields sit inside their records.
constexpr bool hasAddressStream(uint16_t version) { return version >= 3; }
inline constexpr size_t kRecordsLengthBytes = 4;

// From version 4 the address fields of Realloc and Mremap go to a third stream of their own,
// the resize stream, and time changes to a fourth, the time stream: `u32 records_length,
// u32 addresses_length, u32 resizes_length, records, addresses, resizes, times`.
// Their old address is a delta from the previous resize's new address, not from the last
// address. A program that grows buffers reallocs the block it got from its last realloc, so
// apart from the other addresses those fields repeat (sqlite3: 0.153 -> 0.133 B/event,
// docs/FORMAT.md).
// The time stream replaces Time records: pairs `varint records_before, varint dt_us`, time
// advancing by dt_us before the record that follows records_before more records (of any type)
// since the previous change (or the chunk's start). A Time record interleaved with the events
// breaks the repeats zstd finds in them (sqlite3 -12%, docs/FORMAT.md); a reader hands the
// changes out as Time records, so what it decodes is the same as from an older layout.
constexpr bool hasResizeStream(uint16_t version) { return version >= 4; }
constexpr bool hasReuseStacks(uint16_t version) { return version >= 5; }
inline constexpr size_t kAddressesLengthBytes = 4;
inline constexpr size_t kResizesLengthBytes = 4;

// A chunk payload's layout, by file version.
enum class PayloadLayout : uint8_t {
    OneStream,      // versions 1-2: address fields inside their records
    AddressStream,  // version 3
    ResizeStream,   // version 4
    ReuseStacks,    // version 5: as version 4, and SizeClasses / AllocReused records may appear
};
constexpr PayloadLayout payloadLayout(uint16_t version)
{
    return hasReuseStacks(version)    ? PayloadLayout::ReuseStacks
           : hasResizeStream(version) ? PayloadLayout::ResizeStream
           : hasAddressStream(version) ? PayloadLayout::AddressStream
                                       : PayloadLayout::OneStream;
}

// Also from version 3, per-stack address bases: an Alloc or AllocWeighted in the delta form
// codes its address against the address of the latest allocation record (Alloc, AllocRecent,
// AllocWeighted; from version 4 Realloc too, with its new address) of the same stack id in
// this chunk, when StackAddressBases remembers one, and against the last address otherwise. Allocators hand out fresh blocks of one size class one
// after another, and one call site mostly asks for one size: the per-stack delta is small and
// repeats where the delta from the previous record jumps between size classes.
constexpr bool hasStackAddressBases(uint16_t version) { return version >= 3; }

// The table both sides keep, exactly alike: kSlots direct-mapped slots by stack id, the latest
// allocation wins a slot; reset per chunk (a generation count, so a reset costs nothing).
struct StackAddressBases {
    static constexpr uint32_t kSlots = 4096;
    struct Slot {
        uint64_t stack;
        uint64_t address;
        uint64_t generation;  // the chunk it was written in (0: never)
    };

    void reset() { ++m_generation; }
    uint64_t baseFor(uint64_t stack, uint64_t fallback) const
    {
        const Slot& slot = m_slots[stack & (kSlots - 1)];
        return slot.generation == m_generation && slot.stack == stack ? slot.address : fallback;
    }
    void note(uint64_t stack, uint64_t address) { m_slots[stack & (kSlots - 1)] = Slot{stack, address, m_generation}; }

private:
    Slot m_slots[kSlots] = {};
    uint64_t m_generation = 1;
};
inline constexpr uint32_t kChunkMagic = 0x4b43544du;  // "MTCK" little-endian

// Limits a reader enforces before trusting sizes found in a file (a corrupt size must never
// make the reader reserve unbounded memory).
inline constexpr uint32_t kMaxChunkPayload = 16u << 20;     // decompressed bytes per chunk
inline constexpr uint32_t kMaxChunkCompressed = 17u << 20;  // compressed bytes per chunk
inline constexpr uint32_t kMaxStackDepth = 1024;
inline constexpr uint32_t kMaxStringLength = 1u << 20;

//  offset  size  field
//  0       8     magic  = kFileMagic
//  8       2     format version (u16 LE)
//  10      2     flags (u16 LE, FileFlags)
//  12      4     header size in bytes (u32 LE, >= 16; a reader skips what it does not know)
struct FileHeader {
    unsigned char magic[8];
    uint16_t version;
    uint16_t flags;
    uint32_t headerSize;
};
static_assert(sizeof(FileHeader) == 16);

enum FileFlags : uint16_t {
    kFlagNone = 0,
    kFlagSoak = 1u << 0,     // Snapshot records instead of allocation events (docs/SOAK.md)
    kFlagSampled = 1u << 1,  // allocations are byte-sampled and carry weights (docs/SAMPLING.md)
};

//  offset  size  field
//  0       4     magic = kChunkMagic
//  4       4     compressed size of the zstd frame that follows (u32 LE)
//  8       4     decompressed size (u32 LE, <= kMaxChunkPayload)
//  12      4     chunk sequence number, 0-based (u32 LE; a gap means a lost chunk)
struct ChunkHeader {
    uint32_t magic;
    uint32_t compressedSize;
    uint32_t payloadSize;
    uint32_t sequence;
};
static_assert(sizeof(ChunkHeader) == 16);

// Record types. The first byte of every record.
//
// Core records (0x01..0x3f) have a fixed layout known to every reader of this format
// version; they are the hot events and carry no length, to stay a few bytes each. A reader
// that meets an unknown core type stops with "capture needs a newer memtrace".
// Extension records (0x40..0xff) are followed by a varint payload length, so a reader
// skips the ones it does not know. New record types should be extension records.
enum class RecordType : uint8_t {
    // ---- core ----
    Time = 0x01,     // varint dt_us: time advances by dt microseconds (first in chunk: absolute)
    Thread = 0x02,   // varint thread_index: the following events happen on this thread
    Alloc = 0x03,    // u8 kind, zz addr_delta, varint size, zz stack_delta
    Free = 0x04,     // u8 kind, zz addr_delta
    Realloc = 0x05,  // u8 kind, zz old_addr_delta, zz new_minus_old, varint size, zz stack_delta
    Mmap = 0x06,     // u8 kind, zz addr_delta, varint length, varint prot, varint flags, zz stack_delta
    Munmap = 0x07,   // zz addr_delta, varint length
    Mremap = 0x08,   // zz old_addr_delta, varint old_length, zz new_minus_old, varint new_length,
                     // zz stack_delta
    Stack = 0x09,    // varint stack_id, varint depth, depth x frame (first varint ip, then zz deltas)
    AllocWeighted = 0x0a,  // as Alloc, then varint weight: bytes it stands for (docs/SAMPLING.md)
    // Recency-coded addresses (see kRecencyWindow): an Alloc whose address is the one released
    // by the Free/FreeRecent record `distance` such records back in this chunk (0 = the latest),
    // and a Free of the address of the Alloc/AllocRecent record `distance` back (0 = the latest).
    AllocRecent = 0x0b,  // u8 kind, varint free_distance, varint size, zz stack_delta
    FreeRecent = 0x0c,   // u8 kind, varint alloc_distance
    // Version 5, allocation-address prediction (reuse_stacks.h): the size classes that the
    // reuse stacks of the rest of the chunk use, and an Alloc whose address is the top of the
    // reuse stack of (its thread, its size's class), which it pops.
    SizeClasses = 0x0d,  // u8 scheme (format::SizeClasses)
    AllocReused = 0x0e,  // u8 kind, varint size, zz stack_delta

    // ---- extension (varint payload length follows the type byte) ----
    ProcessInfo = 0x40,
    ThreadStart = 0x41,
    ThreadName = 0x42,
    ModuleMap = 0x43,
    Rss = 0x44,
    End = 0x45,
    ExitStatus = 0x46,
    Marker = 0x47,        // string label (docs/CONTROL.md)
    Pause = 0x48,         // empty: allocations not recorded from here
    Resume = 0x49,        // empty
    Snapshot = 0x4a,      // soak: cumulative totals + changed stacks (docs/FORMAT.md "Snapshot")
    TrackingStopped = 0x4b,
    ThreadExit = 0x4c,
    // varint thread_index: that thread made an allocation the capture does not hold (byte
    // sampling) while its latest recorded allocation was still live, so a free of that block
    // from here on is not of a temporary block (docs/SAMPLING.md)
    AllocationUnrecorded = 0x4d,
};

inline constexpr uint8_t kFirstExtensionType = 0x40;

constexpr bool isExtension(uint8_t type) { return type >= kFirstExtensionType; }

// Who allocated or released a block. Stored as one byte per event. Values are part of the
// format: append, never renumber.
enum class AllocatorKind : uint8_t {
    Malloc = 0,
    Calloc = 1,
    Realloc = 2,
    Reallocarray = 3,
    PosixMemalign = 4,
    AlignedAlloc = 5,
    Memalign = 6,
    Valloc = 7,
    Pvalloc = 8,
    New = 9,
    NewArray = 10,
    NewNothrow = 11,
    NewArrayNothrow = 12,
    NewAligned = 13,
    NewArrayAligned = 14,
    NewAlignedNothrow = 15,
    NewArrayAlignedNothrow = 16,
    Mallocx = 17,
    Rallocx = 18,
    Xallocx = 19,
    MmapAnonymous = 20,
    MmapFile = 21,
    Mremap = 22,

    Free = 32,
    FreeSized = 33,
    FreeAlignedSized = 34,
    Delete = 35,
    DeleteArray = 36,
    DeleteSized = 37,
    DeleteArraySized = 38,
    DeleteAligned = 39,
    DeleteArrayAligned = 40,
    DeleteSizedAligned = 41,
    DeleteArraySizedAligned = 42,
    Sdallocx = 43,
    Dallocx = 44,
    Munmap = 45,

    Count = 46,
};

// Stable names, used in reports and JSON ("malloc", "operator new[]", ...).
// Returns "unknown" for values not listed.
constexpr const char* allocatorKindName(AllocatorKind kind)
{
    switch (kind) {
    case AllocatorKind::Malloc: return "malloc";
    case AllocatorKind::Calloc: return "calloc";
    case AllocatorKind::Realloc: return "realloc";
    case AllocatorKind::Reallocarray: return "reallocarray";
    case AllocatorKind::PosixMemalign: return "posix_memalign";
    case AllocatorKind::AlignedAlloc: return "aligned_alloc";
    case AllocatorKind::Memalign: return "memalign";
    case AllocatorKind::Valloc: return "valloc";
    case AllocatorKind::Pvalloc: return "pvalloc";
    case AllocatorKind::New: return "operator new";
    case AllocatorKind::NewArray: return "operator new[]";
    case AllocatorKind::NewNothrow: return "operator new(nothrow)";
    case AllocatorKind::NewArrayNothrow: return "operator new[](nothrow)";
    case AllocatorKind::NewAligned: return "operator new(align)";
    case AllocatorKind::NewArrayAligned: return "operator new[](align)";
    case AllocatorKind::NewAlignedNothrow: return "operator new(align, nothrow)";
    case AllocatorKind::NewArrayAlignedNothrow: return "operator new[](align, nothrow)";
    case AllocatorKind::Mallocx: return "mallocx";
    case AllocatorKind::Rallocx: return "rallocx";
    case AllocatorKind::Xallocx: return "xallocx";
    case AllocatorKind::MmapAnonymous: return "mmap(anonymous)";
    case AllocatorKind::MmapFile: return "mmap(file)";
    case AllocatorKind::Mremap: return "mremap";
    case AllocatorKind::Free: return "free";
    case AllocatorKind::FreeSized: return "free_sized";
    case AllocatorKind::FreeAlignedSized: return "free_aligned_sized";
    case AllocatorKind::Delete: return "operator delete";
    case AllocatorKind::DeleteArray: return "operator delete[]";
    case AllocatorKind::DeleteSized: return "operator delete(sized)";
    case AllocatorKind::DeleteArraySized: return "operator delete[](sized)";
    case AllocatorKind::DeleteAligned: return "operator delete(align)";
    case AllocatorKind::DeleteArrayAligned: return "operator delete[](align)";
    case AllocatorKind::DeleteSizedAligned: return "operator delete(sized, align)";
    case AllocatorKind::DeleteArraySizedAligned: return "operator delete[](sized, align)";
    case AllocatorKind::Sdallocx: return "sdallocx";
    case AllocatorKind::Dallocx: return "dallocx";
    case AllocatorKind::Munmap: return "munmap";
    case AllocatorKind::Count: break;
    }
    return "unknown";
}

constexpr bool isMmapKind(AllocatorKind kind)
{
    return kind == AllocatorKind::MmapAnonymous || kind == AllocatorKind::MmapFile ||
           kind == AllocatorKind::Mremap || kind == AllocatorKind::Munmap;
}

// Why the shim wrote its End record.
enum class EndReason : uint8_t {
    Exit = 0,        // normal process exit (destructor / exit())
    Exec = 1,        // the image was replaced by exec*()
    QuickExit = 2,   // _exit / _Exit
    Stopped = 3,     // tracking stopped after an error
    FatalSignal = 4, // a signal about to kill the process (the launcher's ExitStatus names it)
};

// How the launcher saw the process end (appended by `memtrace run` after the process died).
enum class ExitKind : uint8_t {
    Exited = 0,    // code = exit status
    Signaled = 1,  // code = signal number
};

// The per-chunk delta state. Both the encoder and the decoder reset it at each chunk start.
// Recency coding: a reader keeps the addresses of a chunk's last kRecencyWindow Alloc/AllocRecent
// records and of its last kRecencyWindow Free/FreeRecent records (AllocWeighted and the mmap
// family do not count; from version 4 a Realloc counts in both, its old address as a release
// and its new address as an allocation), and resolves the distances of AllocRecent and
// FreeRecent against them. Blocks are mostly freed soon after they were allocated, and allocators hand out the
// block freed last: a distance is a byte or two where an address delta is three, and the
// same pattern of distances repeats where addresses never do, so zstd finds it.
inline constexpr uint32_t kRecencyWindow = 1u << 16;

struct DeltaState {
    uint64_t lastAddress = 0;
    uint64_t lastResizeAddress = 0;  // version 4: the new address of the chunk's last Realloc/Mremap
    uint64_t lastStack = 0;
    uint64_t timeUs = 0;
};

}  // namespace memtrace::format
