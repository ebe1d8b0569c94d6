#include "control_events.h"

namespace memtrace::reader {

void ControlEvents::apply(const Record& r)
{
    switch (r.type) {
    case format::RecordType::Marker: m_markers.push_back(MarkerEvent{r.timeUs, std::string(r.text)}); break;
    case format::RecordType::Pause:
        if (m_pauses.empty() || m_pauses.back().toUs) m_pauses.push_back(PauseInterval{r.timeUs, std::nullopt});
        break;
    case format::RecordType::Resume:
        if (!m_pauses.empty() && !m_pauses.back().toUs) m_pauses.back().toUs = r.timeUs;
        break;
    default: break;
    }
}

const MarkerEvent* ControlEvents::find(const std::string& label) const
{
    for (const MarkerEvent& m : m_markers)
        if (m.label == label) return &m;
    return nullptr;
}

}  // namespace memtrace::reader
