// Markers, pauses and resumes of a capture (docs/CONTROL.md), in file order (= time order).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "record.h"

namespace memtrace::reader {

struct MarkerEvent {
    uint64_t timeUs = 0;
    std::string label;
};

struct PauseInterval {
    uint64_t fromUs = 0;
    std::optional<uint64_t> toUs;  // none: still paused at the end of the capture
};

class ControlEvents {
public:
    // Marker, Pause, Resume records; anything else is ignored.
    void apply(const Record& record);

    const std::vector<MarkerEvent>& markers() const { return m_markers; }
    const std::vector<PauseInterval>& pauses() const { return m_pauses; }
    // The first marker with this label, if any.
    const MarkerEvent* find(const std::string& label) const;

private:
    std::vector<MarkerEvent> m_markers;
    std::vector<PauseInterval> m_pauses;
};

}  // namespace memtrace::reader
