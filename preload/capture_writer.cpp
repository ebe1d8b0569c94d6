#include "capture_writer.h"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cstring>

#include "clock.h"
#include "module_map.h"
#include "raw_event.h"
#include "real_functions.h"
#include "resize_ordering.h"
#include "shim_descriptors.h"
#include "shim_state.h"
#include "sys_memory.h"
#include "thread_ring.h"

namespace memtrace::shim {
namespace {

constexpr size_t kPayloadFlushAt = size_t{1} << 20;           // write a chunk past 1 MiB
constexpr size_t kRecordsCapacity = kPayloadFlushAt + (256u << 10);  // room for one big record
// The encoder's buffer holds the records, the address, resize and time streams
// (record_encoder.h), each up to kRecordsCapacity. Pages are touched only as streams fill.
constexpr size_t kPayloadCapacity =
    format::kRecordsLengthBytes + format::kAddressesLengthBytes + format::kResizesLengthBytes + 4 * kRecordsCapacity;
constexpr size_t kEventRoom = format::kMaxCoreRecord + 32 + 2 * varint::kMaxBytes;

static_assert(kPayloadCapacity <= format::kMaxChunkPayload);

}  // namespace

bool CaptureWriter::init()
{
    if (m_payload[0]) return true;
    for (uint8_t*& payload : m_payload) payload = static_cast<uint8_t*>(mapAnonymous(kPayloadCapacity));
    if (!m_payload[0] || !m_payload[1] || !m_file.initCompressor(kPayloadCapacity) || !growPending(256)) return false;
    m_filling = 0;
    m_enc.emplace(m_payload[m_filling], kPayloadCapacity);
    // Recency coding (format.h): 1 MiB of zero pages, touched as addresses come.
    if (auto* recency = static_cast<format::RecencyTables*>(mapAnonymous(sizeof(format::RecencyTables))))
        m_enc->enableRecency(recency);
    m_enc->enableReuse(realMallocSizeClasses());  // allocation-address prediction (reuse_stacks.h)
    return g_config.soakIntervalMs == 0 || m_soak.init();
}

bool CaptureWriter::growPending(size_t needed)
{
    if (needed <= m_pendingCapacity) return true;
    size_t capacity = m_pendingCapacity ? m_pendingCapacity : 256;
    while (capacity < needed) capacity *= 2;
    auto* pending = static_cast<Pending*>(mapAnonymous(capacity * sizeof(Pending)));
    auto* heap = static_cast<uint32_t*>(mapAnonymous(capacity * sizeof(uint32_t)));
    if (!pending || !heap) {
        unmapAnonymous(pending, capacity * sizeof(Pending));
        unmapAnonymous(heap, capacity * sizeof(uint32_t));
        return false;
    }
    if (m_pending) std::memcpy(pending, m_pending, m_pendingCapacity * sizeof(Pending));  // mid-snapshot
    unmapAnonymous(m_pending, m_pendingCapacity * sizeof(Pending));
    unmapAnonymous(m_heap, m_pendingCapacity * sizeof(uint32_t));
    m_pending = pending;
    m_heap = heap;
    m_pendingCapacity = capacity;
    return true;
}

bool CaptureWriter::startCapture(const char* path, const ProcessFacts& facts, uint64_t startNs, uint64_t startTicks,
                                 const char** error)
{
    const bool soak = g_config.soakIntervalMs > 0;
    const uint16_t flags = (soak ? format::kFlagSoak : format::kFlagNone) |
                           (g_config.sampleRate > 0 ? format::kFlagSampled : format::kFlagNone);  // sampling.h
    if (!m_file.create(path, error, flags)) return false;
    if (soak) m_soak.reset();  // a followed fork child starts from nothing, as a full capture does
    m_lastSnapshotNs = startNs;
    m_clock.start(startNs, startTicks);
    m_sequence = 0;
    m_lastFlushNs = startNs;
    m_lastRssNs = 0;
    m_currentUs = 0;
    m_writtenUpToUs = 0;
    m_moduleGeneration = 0;
    m_eventsWritten = 0;
    m_eventsAtFlush = 0;
    m_programDrains = 0;
    g_eventsLost.store(0, std::memory_order_relaxed);  // a followed fork child counts its own
    g_ringFullWaits.store(0, std::memory_order_relaxed);
    m_pausedFromKey = UINT64_MAX;
    m_exePath = facts.exePath;
    if (m_statmFd >= 0) ::close(m_statmFd);  // a fork child must read its own /proc/self
    m_statmFd = moveAboveProgramFds(::open("/proc/self/statm", O_RDONLY | O_CLOEXEC));
    protectDescriptor(&m_statmFd);  // hooks_fd.cpp: the program cannot close or replace it
    m_sealedUpToUs = 0;
    m_enc->reset();
    m_enc->setTimeResolution(g_config.timeResolutionUs);
    encodeProcessInfo(*m_enc, facts);
    forgetModules();
    return true;
}

void CaptureWriter::ensureRoom(size_t bytes)
{
    if (m_enc->fits(bytes)) return;
    publishConsumed();  // producers waiting for room go on
    seal();
}

// The events encoded so far are copied out of the rings: their slots may be reused. Only the
// merge reads the rings, and only from `next` on, so this is safe in the middle of a merge.
void CaptureWriter::publishConsumed()
{
    if (m_merging == 0) return;
    for (size_t i = 0; i < m_merging; ++i) {
        ThreadRing& ring = *m_pending[i].ring;
        ring.consumed.store(m_pending[i].next, std::memory_order_release);
        announceRoom(ring);
    }
}

void CaptureWriter::publishRoomForWaiters()
{
    for (size_t i = 0; i < m_merging; ++i) {
        ThreadRing& ring = *m_pending[i].ring;
        if (ring.roomWaiters.load(std::memory_order_relaxed) == 0) continue;  // publishConsumed at the end does it
        if (m_pending[i].next - ring.consumed.load(std::memory_order_relaxed) < kPublishEvery) continue;
        ring.consumed.store(m_pending[i].next, std::memory_order_release);
        announceRoom(ring);
    }
}

// The chunk being filled is handed to the compressor, and the next one fills the other
// buffer. Compressing the one before must be finished first: a wait, but only when a whole
// chunk was encoded during one chunk's compression.
bool CaptureWriter::seal()
{
    if (m_enc->empty()) return true;
    bool ok = m_file.isOpen() && finishCompression();  // a failure closes the capture (said once)
    if (ok) {
        const char* error = nullptr;
        const std::span<const uint8_t> payload = m_enc->payload();
        ok = m_file.beginChunk(payload.data(), payload.size(), m_eventsWritten - m_eventsAtFlush, m_sequence, &error) ||
             failed(error);
    }
    // Even after a failure the encoder is emptied: ensureRoom's caller writes next.
    m_eventsAtFlush = m_eventsWritten;
    m_filling ^= 1;
    m_enc->rebind(m_payload[m_filling], kPayloadCapacity);
    m_lastFlushNs = nowNs();
    if (!ok) return false;
    ++m_sequence;
    m_sealedUpToUs = m_currentUs;
    return true;
}

bool CaptureWriter::compressSlice(size_t bytes)
{
    if (!m_file.chunkInProgress()) return true;
    const char* error = nullptr;
    switch (m_file.continueChunk(bytes, &error)) {
    case CaptureFile::Progress::More: return true;
    case CaptureFile::Progress::Done:
        // The buffer stays resident (+1.4 MiB of VmHWM on alloc_bench): giving its pages back
        // after each chunk kept that to +0.4 MiB but cost ~280 page faults per chunk, ~1% of
        // the traced program's CPU time (PERFORMANCE.md, session 6).
        m_writtenUpToUs = m_sealedUpToUs;
        return true;
    case CaptureFile::Progress::Failed: break;
    }
    return failed(error);
}

bool CaptureWriter::failed(const char* error)
{
    m_file.close();
    onCaptureFailed(error, m_writtenUpToUs);
    return false;
}

bool CaptureWriter::flush() { return seal() && finishCompression(); }

void CaptureWriter::maybeFlush(uint64_t now)
{
    if (m_enc->size() >= kPayloadFlushAt ||
        (!m_enc->empty() && now - m_lastFlushNs >= uint64_t{g_config.flushIntervalMs} * 1000000ull))
        seal();
}

size_t CaptureWriter::snapshotRings(uint64_t& cut, DrainMode mode)
{
    size_t count = 0;
    for (ThreadRing* r = g_rings.first(); r; r = r->next) {
        if (r->state.load(std::memory_order_acquire) == RingState::Free) continue;
        // In-flight before committed: if the in-flight call finished in between, its event
        // is in `committed` (it commits before clearing the flag).
        const uint64_t inFlight = r->inFlightSince.load(std::memory_order_acquire);
        if (inFlight != 0 && mode == DrainMode::Periodic && inFlight < cut) cut = inFlight;
        const uint64_t end = r->committed.load(std::memory_order_acquire);
        const uint64_t next = r->consumed.load(std::memory_order_relaxed);
        if (end == next) continue;
        if (count == m_pendingCapacity && !growPending(count + 1)) break;
        m_pending[count++] = Pending{r, next, end, initialMergeKey(r->eventAt(next))};
    }
    return count;
}

void CaptureWriter::emitModuleMapIfChanged()
{
    if (!modulesChanged()) return;
    collectModules(m_exePath);
    const size_t bound = moduleMapBound();
    if (bound > m_enc->recordCapacity()) return;  // thousands of huge paths: keep the previous map
    ensureRoom(bound);
    encodeModuleMap(*m_enc, m_moduleGeneration++);
}

void CaptureWriter::emitNewStacks(uint32_t limit)
{
    g_stacks.emitNew(limit, [&](uint32_t id, const uint64_t* frames, uint32_t depth) {
        ensureRoom(format::stackRecordBound(depth));
        m_enc->stack(id, frames, depth);
    });
}

void CaptureWriter::emitEvent(const RawEvent& ev, uint64_t key)
{
    ensureRoom(kEventRoom);
    const uint64_t us = toUs(key);
    if (us > m_currentUs) m_currentUs = us;
    m_enc->time(us);
    switch (ev.type) {
    case EventType::AllocationUnrecorded:
        m_enc->beginExtension(format::RecordType::AllocationUnrecorded);
        m_enc->field(ev.thread);
        m_enc->endExtension();
        return;
    case EventType::ThreadStart:
    case EventType::ThreadName: {
        char name[kThreadNameBytes + 1] = {};
        std::memcpy(name, &ev.addr, 8);
        std::memcpy(name + 8, &ev.oldAddr, 8);
        const bool start = ev.type == EventType::ThreadStart;
        m_enc->beginExtension(start ? format::RecordType::ThreadStart : format::RecordType::ThreadName);
        m_enc->field(start ? ev.thread : ev.stack);
        if (start) m_enc->field(ev.size);
        m_enc->fieldString(name, strnlen(name, kThreadNameBytes));
        m_enc->endExtension();
        return;
    }
    default: break;
    }
    m_enc->thread(ev.thread);
    switch (ev.type) {
    case EventType::Alloc:
        if (ev.aux) m_enc->allocWeighted(ev.kind, ev.addr, ev.size, ev.stack, ev.aux);  // sampled: aux = weight
        else m_enc->alloc(ev.kind, ev.addr, ev.size, ev.stack);
        break;
    case EventType::Free: m_enc->free(ev.kind, ev.addr); break;
    case EventType::Realloc: m_enc->realloc(ev.kind, ev.oldAddr, ev.addr, ev.size, ev.stack); break;
    case EventType::Mmap:
        m_enc->mmap(ev.kind, ev.addr, ev.size, static_cast<uint32_t>(ev.aux), static_cast<uint32_t>(ev.aux >> 32),
                    ev.stack);
        break;
    case EventType::Munmap: m_enc->munmap(ev.addr, ev.size); break;
    case EventType::Mremap: m_enc->mremap(ev.oldAddr, ev.aux, ev.addr, ev.size, ev.stack); break;
    default: break;
    }
    ++m_eventsWritten;
}

// The earliest pending release, on another ring, of memory the moving resize obtains, inside
// the resize's window (ts, ts2); 0 if none (resize_ordering.h).
uint64_t CaptureWriter::conflictingReleaseTime(const RawEvent& resize, size_t self, size_t count) const
{
    uint64_t earliest = 0;
    for (size_t i = 0; i < count; ++i) {
        if (i == self) continue;
        const Pending& p = m_pending[i];
        for (uint64_t at = p.next; at < p.end; at = p.ring->nextIndex(at)) {
            const RawEvent other = p.ring->eventAt(at);
            if (other.ts >= resize.ts2) break;
            if (other.ts > resize.ts && releasesObtained(other, resize) && (earliest == 0 || other.ts < earliest))
                earliest = other.ts;
        }
    }
    return earliest;
}

void CaptureWriter::emitOrFold(const RawEvent& ev, uint64_t key)
{
    // Stamped after a Pause record: the hook checked the pause flag just before it was set
    // (control.cpp). It is recorded as a paused hook would have: no allocation, the release
    // of a realloc's old block kept.
    if (key >= m_pausedFromKey) [[unlikely]] {
        if (ev.type == EventType::Alloc || ev.type == EventType::Mmap) return;
        if (ev.type == EventType::Realloc) {
            if (ev.oldAddr == 0) return;
            RawEvent release = ev;
            release.type = EventType::Free;
            release.kind = format::AllocatorKind::Free;
            release.addr = ev.oldAddr;
            return emitOrFold(release, key);
        }
    }
    if (g_config.soakIntervalMs == 0 || !m_soak.take(ev)) emitEvent(ev, key);
    else ++m_eventsWritten;  // folded into the next snapshot
}

// The first key of the time tick after the one `key` is in: the events of that tick are the
// keys in [.., tickEnd). Computed once per tick, so that a run compares keys, not times (the
// resolution is a run-time divisor). The inverse of the tick-to-µs conversion is an estimate,
// settled exactly by stepping on the monotonic forward conversion.
uint64_t CaptureWriter::tickEndKey(uint64_t key) const
{
    const uint64_t resolutionNs = uint64_t{g_config.timeResolutionUs} * 1000;
    const uint64_t endNs = (m_clock.toNsSinceStart(key) / resolutionNs + 1) * resolutionNs;
    uint64_t end = m_clock.ticksEstimateForNs(endNs);
    if (end <= key) end = key + 1;
    // A few steps settle it; should the estimate ever be far off, key + 1 (a run of one key)
    // is still correct, only shorter: the runs and the ownership scan share the limit.
    for (int step = 0; m_clock.toNsSinceStart(end) < endNs; ++end)
        if (++step > 64) return key + 1;
    for (int step = 0; end - 1 > key && m_clock.toNsSinceStart(end - 1) >= endNs; --end)
        if (++step > 64) return key + 1;
    return end;
}

// Heap events whose addresses the ownership table can vouch for. A moving resize has its own
// ordering rules (resize_ordering.h) and mappings cover ranges: those go through the merge.
static bool runnable(const RawEvent& ev)
{
    return ev.type == EventType::Alloc || ev.type == EventType::Free ||
           (ev.type == EventType::Realloc && !isMovingResize(ev));
}

// Notes every address that any ring's events below `limit` (the end of the current tick, or
// the cut) touch. The rings' pending events are in key order, and every event of an earlier
// tick has been emitted, so each ring's events of the tick are a prefix of what it has left.
void CaptureWriter::noteOwnersOfTick(size_t count, uint64_t limit)
{
    m_ownership.begin();
    m_ownershipNoted = true;
    for (size_t i = 0; i < count; ++i) {
        const Pending& p = m_pending[i];
        for (uint64_t at = p.next; at < p.end; at = p.ring->nextIndex(at)) {
            const RawEvent ev = p.ring->eventAt(at);
            if ((at == p.next ? p.key : initialMergeKey(ev)) >= limit) break;
            m_ownership.note(ev.addr, static_cast<uint8_t>(i));
            m_enc->prefetch(ev.addr);  // emitted soon, in this tick
            if (ev.type == EventType::Realloc || ev.type == EventType::Mremap) m_ownership.note(ev.oldAddr, static_cast<uint8_t>(i));
        }
    }
}

// After the merge emitted an event of `top` (the ring at position `owner`), goes on with that
// ring's next events of the same time tick while no other ring has an event of that tick on
// their addresses. Every event of an earlier tick has been emitted (the merge is in key order),
// so the events jumped over are of this tick: the file's time stays as it was, and the thread
// switches - a Thread record each, and an address delta from another thread's arena - become
// one per run instead of one every two or three events when threads allocate side by side.
void CaptureWriter::emitRunOfSameTick(Pending& top, uint8_t owner, size_t count, uint64_t cut)
{
    if (top.next == top.end || !runnable(top.ring->eventAt(top.next))) return;
    if (top.key >= m_tickEnd) {  // a new tick (keys leave the merge in order)
        m_tickEnd = tickEndKey(top.key);
        m_ownershipNoted = false;
    }
    const uint64_t limit = m_tickEnd < cut ? m_tickEnd : cut;
    while (top.next != top.end) {
        const RawEvent ev = top.ring->eventAt(top.next);
        if (!runnable(ev)) return;
        const uint64_t key = initialMergeKey(ev);
        if (key >= limit) return;
        if (!m_ownershipNoted) noteOwnersOfTick(count, limit);
        if (!m_ownership.ownedBy(ev.addr, owner)) return;
        if (ev.type == EventType::Realloc && !m_ownership.ownedBy(ev.oldAddr, owner)) return;
        emitOrFold(ev, key);
        top.next = top.ring->nextIndex(top.next);
        noteTaken();
    }
}

// k-way merge of the rings' pending events by key (a binary min-heap of ring heads). Each
// ring is already in key order; the merge stops at the first head that may not be emitted yet.
void CaptureWriter::mergeEvents(size_t count, uint64_t cut, uint64_t drainStart)
{
    size_t heapSize = 0;
    auto key = [&](size_t heapIndex) { return m_pending[m_heap[heapIndex]].key; };
    auto siftDown = [&](size_t at) {
        for (;;) {
            size_t smallest = at;
            const size_t l = 2 * at + 1, r = l + 1;
            if (l < heapSize && key(l) < key(smallest)) smallest = l;
            if (r < heapSize && key(r) < key(smallest)) smallest = r;
            if (smallest == at) return;
            const uint32_t t = m_heap[at];
            m_heap[at] = m_heap[smallest];
            m_heap[smallest] = t;
            at = smallest;
        }
    };
    m_merging = count;
    // Runs of one thread's events need two rings at least, and owners that fit a byte.
    const bool batching = count >= 2 && count <= TickOwnership::kMaxOwners && m_ownership.init();
    m_tickEnd = 0;  // no tick yet in this merge
    m_ownershipNoted = false;
    for (size_t i = 0; i < count; ++i) m_heap[heapSize++] = static_cast<uint32_t>(i);
    for (size_t i = heapSize / 2; i-- > 0;) siftDown(i);
    while (heapSize > 0) {
        const size_t index = m_heap[0];
        Pending& top = m_pending[index];
        const RawEvent ev = top.ring->eventAt(top.next);
        if (top.key >= cut) break;
        if (isMovingResize(ev)) {
            // A release it depends on may not be in this snapshot yet. Compared with S, not with
            // the in-flight cut: a producer waiting for room in a full ring keeps its in-flight
            // mark, and its ring must still drain below that mark (else: deadlock).
            if (ev.ts2 >= drainStart) break;
            const uint64_t release = conflictingReleaseTime(ev, index, count);
            if (release != 0 && release >= top.key) {
                top.key = release + 1;  // right after the release of the block it obtained
                siftDown(0);
                continue;
            }
        }
        emitOrFold(ev, top.key);
        top.next = top.ring->nextIndex(top.next);
        noteTaken();
        if (batching) emitRunOfSameTick(top, static_cast<uint8_t>(index), count, cut);
        if (top.next == top.end) {
            m_heap[0] = m_heap[--heapSize];
        } else {
            top.key = initialMergeKey(top.ring->eventAt(top.next));
        }
        siftDown(0);
    }
    publishConsumed();
    m_merging = 0;
}

uint64_t CaptureWriter::readRss()
{
    if (m_statmFd < 0) return 0;
    char buf[128];
    const ssize_t n = pread(m_statmFd, buf, sizeof buf - 1, 0);
    if (n <= 0) return 0;
    buf[n] = '\0';
    const char* p = buf;
    while (*p && *p != ' ') ++p;  // skip "size"
    while (*p == ' ') ++p;
    uint64_t pages = 0;
    while (*p >= '0' && *p <= '9') pages = pages * 10 + static_cast<uint64_t>(*p++ - '0');
    return pages * g_facts.pageSize;
}

void CaptureWriter::emitRss(uint64_t atTicks, uint64_t bytes)
{
    ensureRoom(32);
    m_enc->time(toUs(atTicks));
    m_enc->beginExtension(format::RecordType::Rss);
    m_enc->field(bytes);
    m_enc->endExtension();
}

void CaptureWriter::recycleExitedRings(uint64_t atTicks)
{
    for (ThreadRing* r = g_rings.first(); r; r = r->next) {
        const uint32_t index = r->threadIndex;
        if (!RingRegistry::tryRecycle(*r, g_pid)) continue;
        ensureRoom(32);
        m_enc->time(toUs(atTicks));
        m_enc->beginExtension(format::RecordType::ThreadExit);
        m_enc->field(index);
        m_enc->endExtension();
    }
}

void CaptureWriter::drain(DrainMode mode, uint64_t cutLimit)
{
    if (!m_file.isOpen()) return;
    const uint64_t sNs = nowNs();
    const uint64_t s = eventTicks();  // S, in the events' clock
    m_clock.refine(sNs, s);
    const bool rssDue = sNs - m_lastRssNs >= uint64_t{g_config.rssIntervalMs} * 1000000ull;
    const uint64_t rss = rssDue ? readRss() : 0;  // sampled at S
    std::atomic_thread_fence(std::memory_order_seq_cst);

    uint64_t cut = mode == DrainMode::Final ? UINT64_MAX : s;
    if (cutLimit < cut) cut = cutLimit;
    const size_t count = snapshotRings(cut, mode);
    // Read after every ring's `committed`: each event taken in this drain references an id
    // that was Ready before its commit, so below this limit.
    const uint32_t stackLimit = g_stacks.idLimit();
    emitModuleMapIfChanged();
    emitNewStacks(stackLimit);
    mergeEvents(count, cut, mode == DrainMode::Final ? UINT64_MAX : (s < cutLimit ? s : cutLimit));
    if (rssDue && rss) {
        m_lastRssNs = sNs;
        if (toUs(s) > m_currentUs) m_currentUs = toUs(s);
        emitRss(s, rss);
    }
    recycleExitedRings(s);
    if (g_config.soakIntervalMs > 0 && sNs - m_lastSnapshotNs >= uint64_t{g_config.soakIntervalMs} * 1000000ull) {
        m_lastSnapshotNs = sNs;
        emitSnapshot(s);
    }
}

bool CaptureWriter::drainEventsOnly()
{
    if (!m_file.isOpen()) return false;
    const uint64_t s = eventTicks();  // S, as in drain()
    std::atomic_thread_fence(std::memory_order_seq_cst);
    uint64_t cut = s;
    const size_t count = snapshotRings(cut, DrainMode::Periodic);
    if (!g_stacks.allEmittedBelow(g_stacks.idLimit())) return false;  // read after the rings, as drain() does
    mergeEvents(count, cut, s);
    ++m_programDrains;
    return true;
}

void CaptureWriter::emitSnapshot(uint64_t atTicks)
{
    if (!m_file.isOpen()) return;
    if (m_soak.failed()) {
        requestStop("soak mode: out of memory for the per-stack tables");
        return;
    }
    const uint64_t us = toUs(atTicks);
    if (us > m_currentUs) m_currentUs = us;
    m_soak.beginSnapshot();
    while (!m_soak.snapshotDone() && m_file.isOpen()) {  // a failed write closes the file
        ensureRoom(m_soak.partBound() + 16);
        m_enc->time(us);
        m_soak.encodePart(*m_enc);
    }
    flush();  // a SIGKILL later loses nothing up to this snapshot
}

void CaptureWriter::writeEnd(format::EndReason reason)
{
    if (g_config.soakIntervalMs > 0) emitSnapshot(eventTicks());  // the state at the end
    ensureRoom(64);
    m_enc->beginExtension(format::RecordType::End);
    m_enc->fieldByte(static_cast<uint8_t>(reason));
    m_enc->field(m_eventsWritten);
    m_enc->field(g_eventsLost.load(std::memory_order_relaxed));
    m_enc->field(g_ringFullWaits.load(std::memory_order_relaxed));
    m_enc->field(m_programDrains);
    m_enc->endExtension();
}

void CaptureWriter::writeExitStatus(format::ExitKind kind, uint64_t code)
{
    ensureRoom(32);
    m_enc->beginExtension(format::RecordType::ExitStatus);
    m_enc->fieldByte(static_cast<uint8_t>(kind));
    m_enc->field(code);
    m_enc->endExtension();
}

void CaptureWriter::writeTrackingStopped(const char* reason)
{
    ensureRoom(64 + std::strlen(reason));
    m_enc->beginExtension(format::RecordType::TrackingStopped);
    m_enc->fieldString(reason);
    m_enc->endExtension();
}

void CaptureWriter::writeControl(format::RecordType type, const char* label, size_t length, uint64_t atTicks)
{
    if (type == format::RecordType::Pause) m_pausedFromKey = atTicks;
    if (type == format::RecordType::Resume) m_pausedFromKey = UINT64_MAX;
    if (!m_file.isOpen()) return;
    ensureRoom(32 + length);
    const uint64_t us = toUs(atTicks);
    if (us > m_currentUs) m_currentUs = us;
    m_enc->time(us);
    m_enc->beginExtension(type);
    if (type == format::RecordType::Marker) m_enc->fieldString(label, length);
    m_enc->endExtension();
}

void CaptureWriter::close()
{
    m_file.close();
    if (m_statmFd >= 0) ::close(m_statmFd);
    m_statmFd = -1;
}

void CaptureWriter::abandonInChild()
{
    close();  // the chunk being compressed, if any, is the parent's: dropped with the file
    m_enc->reset();
}

}  // namespace memtrace::shim
