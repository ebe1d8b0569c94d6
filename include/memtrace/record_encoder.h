// Encodes records into a caller-owned byte buffer (one chunk's payload). Used by the shim's
// writer thread and by tests that build synthetic captures; the reader's RecordDecoder is its
// mirror. Layouts are listed in format.h's RecordType and in docs/FORMAT.md.
//
// Worked example: an Alloc of 48 bytes by malloc at 0x5555_5555_92a0 with stack 7, when the
// previous address in the chunk was 0x5555_5555_9260, the previous stack 6, and no allocation
// of stack 7 came before in the chunk (else the delta would be from that one's address:
// format.h, StackAddressBases):
//
//   records:    03 00 30 02    type Alloc, kind malloc, size 48, zigzag(+1) = 2
//   addresses:  80 01          zigzag(+0x40) = 0x80
//
// Address fields go to a second stream (format.h, hasAddressStream), and from version 4 those
// of Realloc and Mremap to a third (hasResizeStream): each stream fills its own region of the
// buffer, and payload() joins them behind their lengths. Built for version 1 or 2
// (PayloadLayout::OneStream), the address fields stay in place inside their records
// (03 00 80 01 30 02 above) and every delta is from the last address.
//
// Allocation-free, exception-free, lock-free: safe on the shim's writer thread. The caller
// checks fits() before each record; every method assumes the room is there.
#pragma once

#include <cstring>
#include <span>

#include "memtrace/format.h"
#include "memtrace/reuse_stacks.h"
#include "memtrace/varint.h"

namespace memtrace::format {

// The writer's side of recency coding (format.h, kRecencyWindow): two direct-mapped tables from
// an address to the number of the last Alloc and of the last Free record that carried it. A
// collision just forgets the older address (the record then carries an address delta), so the
// tables stay a fixed size however many blocks are live. Caller-owned memory (the shim maps it).
struct RecencyTables {
    static constexpr uint32_t kSlots = 1u << 15;
    struct Slot {
        uint64_t address;
        uint64_t number : 48;     // 1-based count of Alloc (or Free) records since the encoder started (2^48: years at 1 M/s)
        uint64_t sizeClass : 16;  // alloc table with reuse coding: the allocation's (reuse_stacks.h)
    };
    // The two tables interleaved: an event looks up one and notes into the other at the same
    // index, so one cache line serves both (the writer's most frequent cache miss otherwise).
    struct Pair {
        Slot alloc;
        Slot free;
    };
    Pair slots[kSlots];

    static uint32_t slotOf(uint64_t address) { return static_cast<uint32_t>(((address >> 4) * 0x9E3779B97F4A7C15ull) >> 49); }
};
static_assert(RecencyTables::kSlots == 1u << (64 - 49));

// Upper bound of any single core record except Stack (see stackRecordBound).
inline constexpr size_t kMaxCoreRecord = 2 + 6 * varint::kMaxBytes;

constexpr size_t stackRecordBound(size_t depth) { return 1 + 2 * varint::kMaxBytes + depth * varint::kMaxBytes; }

class RecordEncoder {
public:
    RecordEncoder(uint8_t* buffer, size_t capacity, PayloadLayout layout = payloadLayout(kFormatVersion))
        : m_split(layout != PayloadLayout::OneStream),
          m_resizeSplit(layout >= PayloadLayout::ResizeStream),
          m_reuseAllowed(layout >= PayloadLayout::ReuseStacks)
    {
        bind(buffer, capacity);
    }

    // Starts a new chunk in another buffer (the previous one may still be read: the shim
    // compresses it while this one fills). What spans chunks (the recency counts) carries on.
    void rebind(uint8_t* buffer, size_t capacity)
    {
        bind(buffer, capacity);
        reset();
    }

    // Starts a new chunk: empties the buffer and resets the delta state.
    void reset()
    {
        m_cur = m_recordsBegin;
        m_addr = m_addressesBegin;
        m_resize = m_resizesBegin;
        m_time = m_timesBegin;
        m_recordsSinceTime = 0;
        m_joined = false;
        m_state = DeltaState{};
        m_timeWritten = false;
        m_thread = ~0u;
        m_allocBase = m_allocs;  // recency distances never reach into an earlier chunk
        m_freeBase = m_frees;
        m_stackBases.reset();
        m_reuse.reset();
        m_sizeClassesWritten = false;
    }

private:
    // Each stream gets an equal region, in payload order: records, addresses, resizes, times.
    // A chunk ends when any of them is full (fits()).
    void bind(uint8_t* buffer, size_t capacity)
    {
        m_begin = buffer;
        if (m_resizeSplit) {
            const size_t quarter = (capacity - kLengthsBytes) / 4;
            m_recordsBegin = buffer + kLengthsBytes;
            m_recordsEnd = m_addressesBegin = m_recordsBegin + quarter;
            m_addressesEnd = m_resizesBegin = m_addressesBegin + quarter;
            m_resizesEnd = m_timesBegin = m_resizesBegin + quarter;
            m_timesEnd = buffer + capacity;
        } else if (m_split) {
            const size_t half = (capacity - kRecordsLengthBytes) / 2;
            m_recordsBegin = buffer + kRecordsLengthBytes;
            m_recordsEnd = m_recordsBegin + half;
            m_addressesBegin = m_recordsEnd;
            m_addressesEnd = m_resizesBegin = m_resizesEnd = m_timesBegin = m_timesEnd = buffer + capacity;
        } else {
            m_recordsBegin = buffer;
            m_recordsEnd = m_addressesBegin = m_addressesEnd = m_resizesBegin = m_resizesEnd = m_timesBegin = m_timesEnd =
                buffer + capacity;
        }
        m_cur = m_recordsBegin;
        m_addr = m_addressesBegin;
        m_resize = m_resizesBegin;
        m_time = m_timesBegin;
    }

public:

    // Turns recency coding on (AllocRecent / FreeRecent where they apply). `tables` must be
    // zeroed and outlive the encoder. Without it every Alloc and Free carries its address.
    void enableRecency(RecencyTables* tables) { m_recency = tables; }

    // Turns allocation-address prediction on (version 5, reuse_stacks.h): AllocReused where a
    // thread's allocation gets the block of its size class it freed last. Needs recency coding
    // and the version 5 layout (PayloadLayout::ReuseStacks); `scheme` is the program's allocator's.
    void enableReuse(SizeClasses scheme)
    {
        m_reuseOn = m_recency != nullptr && m_reuseAllowed;
        m_sizeClasses = scheme;
    }

    // A hint that an Alloc or Free of `address` follows soon: starts loading its recency slot
    // (1 MiB of table, a cache miss per event otherwise; PERFORMANCE.md, session 6).
    void prefetch(uint64_t address) const
    {
        if (m_recency) __builtin_prefetch(&m_recency->slots[RecencyTables::slotOf(address)], 1);
    }

    // Bytes of the chunk's payload so far (what payload() will return).
    size_t size() const
    {
        const size_t records = static_cast<size_t>(m_cur - m_recordsBegin);
        if (!m_split) return records;
        return lengthsBytes() + records + static_cast<size_t>(m_addr - m_addressesBegin) +
               static_cast<size_t>(m_resize - m_resizesBegin) + static_cast<size_t>(m_time - m_timesBegin);
    }
    // Room for a record of `bytes` (its address fields included) in every stream.
    bool fits(size_t bytes) const
    {
        return static_cast<size_t>(m_recordsEnd - m_cur) >= bytes &&
               (!m_split || static_cast<size_t>(m_addressesEnd - m_addr) >= kMaxAddressBytes) &&
               (!m_resizeSplit || (static_cast<size_t>(m_resizesEnd - m_resize) >= kMaxAddressBytes &&
                                   static_cast<size_t>(m_timesEnd - m_time) >= kMaxTimeBytes));
    }
    bool empty() const
    {
        return m_cur == m_recordsBegin && m_addr == m_addressesBegin && m_resize == m_resizesBegin && m_time == m_timesBegin;
    }
    // The largest record that fits in an empty chunk.
    size_t recordCapacity() const { return static_cast<size_t>(m_recordsEnd - m_recordsBegin); }

    // The chunk's payload, ready to compress: the streams' lengths, the records, then the
    // address, resize and time streams moved down behind them. Ends the chunk: reset() before
    // writing more.
    std::span<const uint8_t> payload()
    {
        if (m_split && !m_joined) {
            const size_t records = static_cast<size_t>(m_cur - m_recordsBegin);
            const size_t addresses = static_cast<size_t>(m_addr - m_addressesBegin);
            const size_t resizes = static_cast<size_t>(m_resize - m_resizesBegin);
            putLength(m_begin, records);
            std::memmove(m_cur, m_addressesBegin, addresses);
            if (m_resizeSplit) {
                putLength(m_begin + kRecordsLengthBytes, addresses);
                putLength(m_begin + kRecordsLengthBytes + kAddressesLengthBytes, resizes);
                std::memmove(m_cur + addresses, m_resizesBegin, resizes);
                std::memmove(m_cur + addresses + resizes, m_timesBegin, static_cast<size_t>(m_time - m_timesBegin));
            }
            m_joined = true;
        }
        return {m_begin, size()};
    }

    // Times are written rounded down to a multiple of this many µs (the capture's time
    // resolution, recorded in ProcessInfo). Coarser time means fewer Time records and, more
    // important, repeated patterns of records that zstd can match: record order, not time,
    // carries the order of events, so only the timeline's precision is lost (PERFORMANCE.md).
    void setTimeResolution(uint64_t us) { m_resolutionUs = us ? us : 1; }

    // Time moves to absUs (microseconds since capture start), rounded down to the resolution.
    // Writes nothing if unchanged. The first Time of a chunk carries the absolute value (the
    // delta from 0).
    void time(uint64_t absUs)
    {
        // Within the current time's tick (it is a multiple of the resolution): nothing to
        // write, and no 64-bit division (the writer calls this once per event).
        if (m_timeWritten && absUs < m_state.timeUs + m_resolutionUs) return;
        if (m_resolutionUs > 1) absUs -= absUs % m_resolutionUs;
        if (m_timeWritten && absUs <= m_state.timeUs) return;
        const uint64_t dt = absUs - (m_timeWritten ? m_state.timeUs : 0);
        if (m_resizeSplit) {  // version 4: to the time stream, with the records since the last change
            m_time = varint::put(m_time, m_recordsSinceTime);
            m_time = varint::put(m_time, dt);
            m_recordsSinceTime = 0;
        } else {
            type(RecordType::Time);
            put(dt);
        }
        m_state.timeUs = absUs;
        m_timeWritten = true;
    }

    // Following events belong to thread threadIndex. Writes nothing if it is the current one.
    void thread(uint32_t threadIndex)
    {
        if (threadIndex == m_thread) return;
        type(RecordType::Thread);
        put(threadIndex);
        m_thread = threadIndex;
    }

    void alloc(AllocatorKind kind, uint64_t address, uint64_t size, uint64_t stack)
    {
        RecencyTables::Pair* pair = recencyPair(address);
        const uint16_t sizeClass = reuseClass(size);
        uint64_t predicted;
        if (sizeClass != 0 && m_reuse.top(m_thread, sizeClass, predicted) && predicted == address) {
            m_reuse.pop(m_thread, sizeClass);
            type(RecordType::AllocReused);
            byte(static_cast<uint8_t>(kind));
        } else {
            typeKindAddress(RecordType::Alloc, RecordType::AllocRecent, kind, address, pair ? &pair->free : nullptr,
                            m_frees, m_freeBase, stack);
        }
        put(size);
        stack_(stack);
        noteAllocation(pair, address, sizeClass);
        if (m_split) m_stackBases.note(stack, address);
    }

    void allocWeighted(AllocatorKind kind, uint64_t address, uint64_t size, uint64_t stack, uint64_t weight)
    {
        type(RecordType::AllocWeighted);
        byte(static_cast<uint8_t>(kind));
        allocAddress(address, stack);
        put(size);
        stack_(stack);
        put(weight);
        if (m_split) m_stackBases.note(stack, address);
    }

    void free(AllocatorKind kind, uint64_t address)
    {
        RecencyTables::Pair* pair = recencyPair(address);
        const bool isRecent = typeKindAddress(RecordType::Free, RecordType::FreeRecent, kind, address,
                                              pair ? &pair->alloc : nullptr, m_allocs, m_allocBase);
        // A FreeRecent names an allocation of this chunk, after its SizeClasses record.
        if (isRecent && m_reuseOn && pair->alloc.sizeClass != 0)
            m_reuse.push(m_thread, static_cast<uint16_t>(pair->alloc.sizeClass), address);
        noteRelease(pair, address);
    }

    // A resize: oldAddress (0 = none) is released and newAddress holds size bytes. From
    // version 4 it also counts as a release of the old address and an allocation of the new
    // one, in the recency lists and in the per-stack bases (format.h, kRecencyWindow), so that
    // the Free of a block a realloc returned can be FreeRecent, not an address delta.
    void realloc(AllocatorKind kind, uint64_t oldAddress, uint64_t newAddress, uint64_t size, uint64_t stack)
    {
        const uint16_t sizeClass = reuseClass(size);  // before the record: it may write SizeClasses
        type(RecordType::Realloc);
        byte(static_cast<uint8_t>(kind));
        resizeAddresses(oldAddress, newAddress);
        put(size);
        stack_(stack);
        if (!m_resizeSplit) return;
        noteRelease(recencyPair(oldAddress), oldAddress);
        noteAllocation(recencyPair(newAddress), newAddress, sizeClass);
        m_stackBases.note(stack, newAddress);
    }

    void mmap(AllocatorKind kind, uint64_t address, uint64_t length, uint32_t prot, uint32_t flags, uint64_t stack)
    {
        type(RecordType::Mmap);
        byte(static_cast<uint8_t>(kind));
        address_(address);
        put(length);
        put(prot);
        put(flags);
        stack_(stack);
    }

    void munmap(uint64_t address, uint64_t length)
    {
        type(RecordType::Munmap);
        address_(address);
        put(length);
    }

    void mremap(uint64_t oldAddress, uint64_t oldLength, uint64_t newAddress, uint64_t newLength, uint64_t stack)
    {
        type(RecordType::Mremap);
        if (m_resizeSplit) {
            resizeAddresses(oldAddress, newAddress);
            put(oldLength);
        } else {
            address_(oldAddress);
            put(oldLength);
            signedAddressField(static_cast<int64_t>(newAddress - oldAddress));
            m_state.lastAddress = newAddress;
        }
        put(newLength);
        stack_(stack);
    }

    // frames[0] is the innermost return address. Stack ids are defined before their first use.
    void stack(uint64_t stackId, const uint64_t* frames, uint32_t depth)
    {
        type(RecordType::Stack);
        put(stackId);
        put(depth);
        uint64_t previous = 0;
        for (uint32_t i = 0; i < depth; ++i) {
            if (i == 0) put(frames[0]);
            else signed_(static_cast<int64_t>(frames[i] - previous));
            previous = frames[i];
        }
    }

    // ---- extension records: begin, write fields, end (which patches the length) ----
    void beginExtension(RecordType t)
    {
        type(t);
        m_lengthAt = m_cur;
        m_cur += 4;
    }
    void endExtension() { varint::putPadded4(m_lengthAt, static_cast<uint32_t>(m_cur - m_lengthAt - 4)); }

    void field(uint64_t v) { put(v); }
    void fieldByte(uint8_t v) { byte(v); }
    void fieldString(const char* s, size_t length)
    {
        put(length);
        std::memcpy(m_cur, s, length);
        m_cur += length;
    }
    void fieldString(const char* s) { fieldString(s, s ? std::strlen(s) : 0); }

private:
    void type(RecordType t)
    {
        *m_cur++ = static_cast<uint8_t>(t);
        ++m_recordsSinceTime;
    }
    void byte(uint8_t v) { *m_cur++ = v; }
    void put(uint64_t v) { m_cur = varint::put(m_cur, v); }
    void signed_(int64_t v) { m_cur = varint::putSigned(m_cur, v); }
    // Address fields (deltas and recency distances) go to the address stream, or in place.
    uint8_t*& addressCursor() { return m_split ? m_addr : m_cur; }
    void putAddressField(uint64_t v) { addressCursor() = varint::put(addressCursor(), v); }
    void signedAddressField(int64_t v) { addressCursor() = varint::putSigned(addressCursor(), v); }
    // An allocation's address in the delta form: against its stack's base (version 3).
    void allocAddress(uint64_t address, uint64_t stack)
    {
        const uint64_t base = m_split ? m_stackBases.baseFor(stack, m_state.lastAddress) : m_state.lastAddress;
        signedAddressField(static_cast<int64_t>(address - base));
        m_state.lastAddress = address;
    }
    void address_(uint64_t address)
    {
        signedAddressField(static_cast<int64_t>(address - m_state.lastAddress));
        m_state.lastAddress = address;
    }
    // A Realloc's or Mremap's two address fields: to the resize stream from version 4 (the old
    // address from the last resize's new address), else in the address stream or in place (the
    // old address from the last address, which becomes the new address).
    void resizeAddresses(uint64_t oldAddress, uint64_t newAddress)
    {
        if (m_resizeSplit) {
            m_resize = varint::putSigned(m_resize, static_cast<int64_t>(oldAddress - m_state.lastResizeAddress));
            m_resize = varint::putSigned(m_resize, static_cast<int64_t>(newAddress - oldAddress));
            m_state.lastResizeAddress = newAddress;
            return;
        }
        address_(oldAddress);
        signedAddressField(static_cast<int64_t>(newAddress - oldAddress));
        m_state.lastAddress = newAddress;
    }
    size_t lengthsBytes() const { return m_resizeSplit ? kLengthsBytes : kRecordsLengthBytes; }
    static void putLength(uint8_t* at, size_t length)
    {
        for (size_t i = 0; i < kRecordsLengthBytes; ++i) at[i] = static_cast<uint8_t>(length >> (8 * i));
    }
    void stack_(uint64_t stack)
    {
        signed_(static_cast<int64_t>(stack - m_state.lastStack));
        m_state.lastStack = stack;
    }
    // Whether `address` was carried by one of this chunk's last kRecencyWindow records counted
    // by `count` (numbers above `base`); if so, how many such records back (0 = the latest).
    RecencyTables::Pair* recencyPair(uint64_t address) const
    {
        return m_recency ? &m_recency->slots[RecencyTables::slotOf(address)] : nullptr;
    }
    // Counts an allocation (or a release) record of `address` in the recency lists; `pair` is
    // the address's slot pair (nullptr: no recency coding).
    void noteAllocation(RecencyTables::Pair* pair, uint64_t address, uint16_t sizeClass)
    {
        if (pair) pair->alloc = RecencyTables::Slot{address, ++m_allocs, sizeClass};
        else ++m_allocs;
    }
    void noteRelease(RecencyTables::Pair* pair, uint64_t address)
    {
        if (pair) pair->free = RecencyTables::Slot{address, ++m_frees, 0};
        else ++m_frees;
    }
    // With reuse coding, the size class of an allocation record about to be written (0: none),
    // after the chunk's SizeClasses record, which this writes before the chunk's first one.
    uint16_t reuseClass(uint64_t size)
    {
        if (!m_reuseOn) return 0;
        if (!m_sizeClassesWritten) {
            type(RecordType::SizeClasses);
            byte(static_cast<uint8_t>(m_sizeClasses));
            m_sizeClassesWritten = true;
        }
        return sizeClassOf(m_sizeClasses, size);
    }
    // `slot` is the address's slot of the other table (nullptr: no recency coding).
    static bool recent(const RecencyTables::Slot* slot, uint64_t address, uint64_t count, uint64_t base, uint64_t& distance)
    {
        if (!slot || slot->address != address || slot->number <= base) return false;
        distance = count - slot->number;
        return distance < kRecencyWindow;
    }
    // The type byte, the kind and the address: as a distance (recentType) if `table` says a
    // recent record carried it, else as an address delta (plainType).
    // Returns whether the recency form was used.
    bool typeKindAddress(RecordType plainType, RecordType recentType, AllocatorKind kind, uint64_t address,
                         const RecencyTables::Slot* slot, uint64_t count, uint64_t base, uint64_t stack = 0)
    {
        uint64_t distance;
        const bool isRecent = recent(slot, address, count, base, distance);
        type(isRecent ? recentType : plainType);
        byte(static_cast<uint8_t>(kind));
        if (isRecent) putAddressField(distance);
        else if (plainType == RecordType::Alloc) allocAddress(address, stack);
        else address_(address);
        return isRecent;
    }
    // Two varints: Realloc and Mremap carry two address fields.
    static constexpr size_t kMaxAddressBytes = 2 * varint::kMaxBytes;
    static constexpr size_t kLengthsBytes = kRecordsLengthBytes + kAddressesLengthBytes + kResizesLengthBytes;  // version 4
    static constexpr size_t kMaxTimeBytes = 2 * varint::kMaxBytes;

    uint8_t* m_begin;
    bool m_split;        // address fields in the address stream (version 3 on)
    bool m_resizeSplit;  // Realloc/Mremap address fields in the resize stream (version 4 on)
    bool m_reuseAllowed;  // SizeClasses / AllocReused records (version 5 on)
    bool m_joined = false;
    uint8_t* m_recordsBegin;
    uint8_t* m_cur;  // records
    uint8_t* m_recordsEnd;
    uint8_t* m_addressesBegin;
    uint8_t* m_addr;  // address fields (version 3)
    uint8_t* m_addressesEnd;
    uint8_t* m_resizesBegin;
    uint8_t* m_resize;  // Realloc/Mremap address fields (version 4)
    uint8_t* m_resizesEnd;
    uint8_t* m_timesBegin;
    uint8_t* m_time;  // time changes (version 4)
    uint8_t* m_timesEnd;
    uint64_t m_recordsSinceTime = 0;
    uint8_t* m_lengthAt = nullptr;
    DeltaState m_state;
    RecencyTables* m_recency = nullptr;
    StackAddressBases m_stackBases;  // version 3 (m_split)
    ReuseStacks m_reuse;             // version 5 (m_reuseOn)
    bool m_reuseOn = false;
    SizeClasses m_sizeClasses = SizeClasses::Exact;
    bool m_sizeClassesWritten = false;  // in this chunk
    uint64_t m_allocs = 0;  // Alloc/AllocRecent records so far (all chunks)
    uint64_t m_frees = 0;   // Free/FreeRecent records so far
    uint64_t m_allocBase = 0;  // their values when this chunk began
    uint64_t m_freeBase = 0;
    uint64_t m_resolutionUs = 1;
    bool m_timeWritten = false;
    uint32_t m_thread = ~0u;
};

}  // namespace memtrace::format
