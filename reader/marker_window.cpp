#include "marker_window.h"

#include "capture_loader.h"

namespace memtrace::reader {

namespace {

bool isWindowedEvent(format::RecordType type)
{
    switch (type) {
    case format::RecordType::Alloc:
    case format::RecordType::AllocWeighted:
    case format::RecordType::Free:
    case format::RecordType::Realloc:
    case format::RecordType::Mmap:
    case format::RecordType::Munmap:
    case format::RecordType::Mremap:
    case format::RecordType::Rss:
    case format::RecordType::Snapshot: return true;
    default: return false;
    }
}

class WindowSink final {
public:
    WindowSink(CaptureModel& model, const MarkerWindow& window)
        : m_model(model), m_window(window), m_state(window.from.empty() ? State::Inside : State::Before)
    {
    }
    void onHeader(const format::FileHeader& header) { m_model.setHeader(header); }
    void onChunk(const ChunkBuffer&) {}
    void onRecord(const Record& r)
    {
        if (r.type == format::RecordType::Marker) {
            if (m_state == State::Before && r.text == m_window.from) {
                m_state = State::Inside;
                m_sawFrom = true;
            } else if (m_state == State::Inside && !m_window.to.empty() && r.text == m_window.to) {
                m_state = State::After;
                m_sawTo = true;
            }
        }
        if (m_state != State::Inside && isWindowedEvent(r.type)) return;
        m_model.apply(r);
    }
    bool sawFrom() const { return m_window.from.empty() || m_sawFrom; }
    bool sawTo() const { return m_window.to.empty() || m_sawTo; }

private:
    enum class State { Before, Inside, After };
    CaptureModel& m_model;
    const MarkerWindow& m_window;
    State m_state;
    bool m_sawFrom = false;
    bool m_sawTo = false;
};

}  // namespace

bool loadCaptureWindow(const std::string& path, const MarkerWindow& window, CaptureModel& model, StreamResult& result,
                       std::string& error)
{
    if (!window.active()) {
        result = loadCapture(path, model);
        return true;
    }
    WindowSink sink(model, window);
    result = streamCaptureTo(path, sink);
    model.finish();
    if (!result.usable()) return true;  // the caller reports the read error
    if (!sink.sawFrom()) {
        error = "no marker '" + window.from + "' in " + path;
        return false;
    }
    if (!sink.sawTo()) {
        error = "no marker '" + window.to + "' in " + path + (window.from.empty() ? "" : " after '" + window.from + "'");
        return false;
    }
    return true;
}

}  // namespace memtrace::reader
