#include "control.h"

#include "clock.h"
#include "hook_support.h"
#include "reentrancy_guard.h"
#include "shim_state.h"
#include "writer_thread.h"

namespace memtrace::shim {

constinit std::atomic<bool> g_paused{false};

namespace {

size_t boundedLength(const char* label)
{
    size_t n = 0;
    if (label)
        while (n < kMaxMarkerLabel && label[n]) ++n;
    return n;
}

}  // namespace

bool applyControl(ControlRequest request, const char* label)
{
    ShimScope guard;
    DrainLockScope lock(g_drainLock);
    return applyControlLocked(request, label);
}

bool applyControlLocked(ControlRequest request, const char* label)
{
    if (!isActive()) return false;
    if (request == ControlRequest::Pause) {
        if (g_paused.exchange(true, std::memory_order_seq_cst)) return true;
    } else if (request == ControlRequest::Resume) {
        if (!g_paused.load(std::memory_order_relaxed)) return true;
    }
    const uint64_t now = eventTicks();
    g_writer.drain(DrainMode::Periodic, now);
    switch (request) {
    case ControlRequest::Pause: g_writer.writeControl(format::RecordType::Pause, nullptr, 0, now); break;
    case ControlRequest::Resume: g_writer.writeControl(format::RecordType::Resume, nullptr, 0, now); break;
    case ControlRequest::Mark:
        g_writer.writeControl(format::RecordType::Marker, label, boundedLength(label), now);
        break;
    }
    // Resumed after the record: an allocation recorded from here on is stamped after it.
    if (request == ControlRequest::Resume) g_paused.store(false, std::memory_order_seq_cst);
    return true;
}

void initControl(bool startPaused)
{
    if (!startPaused) return;
    g_paused.store(true, std::memory_order_relaxed);
    g_writer.writeControl(format::RecordType::Pause, nullptr, 0, eventTicks());
}

void announcePauseInChild()
{
    if (g_paused.load(std::memory_order_relaxed)) g_writer.writeControl(format::RecordType::Pause, nullptr, 0, eventTicks());
}

}  // namespace memtrace::shim

// The program-facing entry points, found by include/memtrace/api.h with dlsym. Safe to call
// from any thread, any time; before init or after the end of the capture they do nothing.
MEMTRACE_EXPORT void memtrace_shim_pause(void) { memtrace::shim::applyControl(memtrace::shim::ControlRequest::Pause, nullptr); }
MEMTRACE_EXPORT void memtrace_shim_resume(void) { memtrace::shim::applyControl(memtrace::shim::ControlRequest::Resume, nullptr); }
MEMTRACE_EXPORT void memtrace_shim_mark(const char* label)
{
    memtrace::shim::applyControl(memtrace::shim::ControlRequest::Mark, label);
}
