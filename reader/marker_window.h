// `--from MARK --to MARK`: a model of only the events between two markers (docs/CONTROL.md).
//
// The window opens at the first Marker labelled `from` and closes at the first Marker labelled
// `to` after it (an empty `from` = the start of the capture, an empty `to` = its end). Inside
// it every record is applied; outside it the heap and mapping events and RSS samples are
// dropped, everything else (stacks, modules, threads, markers, End) is kept. So:
//   allocations   the allocations made inside the window;
//   live / leaks  blocks allocated inside the window and not freed before it closed;
//   frees         frees inside the window of blocks allocated inside it (a free of an older
//                 block is an unmatched free, ignored like a free of a block never seen).
#pragma once

#include <string>

#include "capture_model.h"
#include "capture_stream.h"

namespace memtrace::reader {

struct MarkerWindow {
    std::string from;  // "" = capture start
    std::string to;    // "" = capture end
    bool active() const { return !from.empty() || !to.empty(); }
};

// Loads like loadCapture, keeping only the window's events. If a named marker is not in the
// capture, returns false with `error` set ("no marker 'x' in FILE"; for `to`: "after 'from'").
bool loadCaptureWindow(const std::string& path, const MarkerWindow& window, CaptureModel& model, StreamResult& result,
                       std::string& error);

}  // namespace memtrace::reader
