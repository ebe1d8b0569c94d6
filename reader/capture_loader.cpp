#include "capture_loader.h"

namespace memtrace::reader {

namespace {

class ModelSink final {
public:
    explicit ModelSink(CaptureModel& model) : m_model(model) {}
    void onHeader(const format::FileHeader& header) { m_model.setHeader(header); }
    void onChunk(const ChunkBuffer&) {}
    void onRecord(const Record& record) { m_model.apply(record); }
    CaptureModel::HotEvents hotEvents() { return m_model.hotEvents(); }

private:
    CaptureModel& m_model;
};

}  // namespace

StreamResult loadCapture(const std::string& path, CaptureModel& model)
{
    ModelSink sink(model);
    StreamResult result = streamCaptureTo(path, sink);
    model.finish();
    return result;
}

}  // namespace memtrace::reader
