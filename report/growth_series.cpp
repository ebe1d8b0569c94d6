#include "growth_series.h"

#include "reader/capture_model.h"

namespace memtrace::report {

void Trend::add(double t, uint64_t y)
{
    if (n > 0 && y > last) ++grew;
    if (n == 0) first = y;
    last = y;
    if (y > max) max = y;
    ++n;
    const double yd = static_cast<double>(y);
    const double dT = t - meanT;
    meanT += dT / static_cast<double>(n);
    const double dY = yd - meanY;
    meanY += dY / static_cast<double>(n);
    m2T += dT * (t - meanT);
    m2Y += dY * (yd - meanY);
    cTY += dT * (yd - meanY);
}

namespace {

class GrowthSink final : public reader::RecordSink {
public:
    GrowthSink(GrowthSamples& out, uint64_t durationUs, uint64_t skipUs, uint32_t points)
        : m_out(out), m_durationUs(durationUs), m_skipUs(skipUs), m_points(points < 2 ? 2 : points)
    {
    }

    void onHeader(const format::FileHeader& header) override
    {
        m_model.setHeader(header);
        m_out.soak = m_model.isSoak();
    }

    void onRecord(const reader::Record& r) override
    {
        if (!m_out.soak) {
            // The state before this record is the state at every sample time up to r.timeUs.
            while (m_next < m_points && pointUs(m_next) < r.timeUs) sample(pointUs(m_next++));
            m_model.apply(r);
            return;
        }
        const uint64_t before = m_model.snapshots().snapshots();
        m_model.apply(r);
        if (m_model.snapshots().snapshots() != before && r.timeUs >= m_skipUs) sample(r.timeUs);
    }

    void finish()
    {
        if (!m_out.soak)
            while (m_next < m_points) sample(pointUs(m_next++));
    }

private:
    uint64_t pointUs(uint32_t i) const
    {
        const uint64_t span = m_durationUs > m_skipUs ? m_durationUs - m_skipUs : 0;
        return m_skipUs + span * i / (m_points - 1);
    }

    void sample(uint64_t timeUs)
    {
        const double t = static_cast<double>(timeUs - m_skipUs) / 3.6e9;  // hours since the warm-up ended
        const auto& stats = m_model.heap().stacks();
        if (m_out.stacks.size() < stats.size()) {
            // Stacks first seen now held nothing at the earlier samples.
            const size_t from = m_out.stacks.size();
            m_out.stacks.resize(stats.size());
            for (size_t s = from; s < stats.size(); ++s)
                for (uint64_t earlier : m_out.timesUs) m_out.stacks[s].add(static_cast<double>(earlier - m_skipUs) / 3.6e9, 0);
        }
        for (size_t s = 0; s < stats.size(); ++s) m_out.stacks[s].add(t, stats[s].liveBytes);
        m_out.heap.add(t, m_model.heap().heapBytes());
        m_out.timesUs.push_back(timeUs);
    }

    GrowthSamples& m_out;
    reader::CaptureModel m_model;
    uint64_t m_durationUs;
    uint64_t m_skipUs;
    uint32_t m_points;
    uint32_t m_next = 0;
};

}  // namespace

GrowthSamples sampleGrowth(const std::string& path, uint64_t durationUs, uint64_t skipUs, uint32_t points)
{
    GrowthSamples out;
    GrowthSink sink(out, durationUs, skipUs, points);
    out.read = reader::streamCapture(path, sink);
    sink.finish();
    return out;
}

}  // namespace memtrace::report
