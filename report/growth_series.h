// Per-stack live-bytes trends for `memtrace growth` (docs/SOAK.md), collected in one
// streaming pass in O(stacks) memory, never O(events) or O(stacks x samples):
//
//   soak capture   one sample per complete Snapshot (what the shim wrote)
//   full capture   `points` samples at fixed, evenly spaced times over [skip, end]: the live
//                  bytes of every stack at that instant, replayed with the reader's own
//                  CaptureModel, so the accounting is exactly `memtrace summary`'s
//
// Each sample feeds a running least-squares fit (Welford's online covariance, stable for
// large byte counts) per stack, plus how many intervals grew.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "reader/capture_stream.h"

namespace memtrace::report {

// Running fit of y (bytes) over t (hours since the first sample).
struct Trend {
    uint64_t n = 0;
    double meanT = 0, meanY = 0, m2T = 0, m2Y = 0, cTY = 0;
    uint64_t first = 0, last = 0, max = 0;
    uint64_t grew = 0;  // intervals whose end value is above their start value

    void add(double tHours, uint64_t y);
    double slopePerHour() const { return m2T > 0 ? cTY / m2T : 0; }
    // Coefficient of determination of the linear fit: 1 = a straight line, 0 = no trend.
    double r2() const { return m2T > 0 && m2Y > 0 ? (cTY * cTY) / (m2T * m2Y) : 0; }
    double grewFraction() const { return n > 1 ? static_cast<double>(grew) / static_cast<double>(n - 1) : 0; }
};

struct GrowthSamples {
    bool soak = false;
    std::vector<uint64_t> timesUs;  // the sample times (for the report header only)
    std::vector<Trend> stacks;      // by StackIndex value
    Trend heap;                     // all stacks together
    reader::StreamResult read;
};

// durationUs: the capture's duration from a first pass (CaptureModel::durationUs()).
GrowthSamples sampleGrowth(const std::string& path, uint64_t durationUs, uint64_t skipUs, uint32_t points = 200);

}  // namespace memtrace::report
