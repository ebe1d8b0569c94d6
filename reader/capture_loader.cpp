#include "capture_loader.h"

namespace memtrace::reader {

namespace {

class ModelSink final : public RecordSink {
public:
    explicit ModelSink(CaptureModel& model) : m_model(model) {}
    void onHeader(const format::FileHeader& header) override { m_model.setHeader(header); }
    void onRecord(const Record& record) override { m_model.apply(record); }

private:
    CaptureModel& m_model;
};

}  // namespace

StreamResult loadCapture(const std::string& path, CaptureModel& model)
{
    ModelSink sink(model);
    StreamResult result = streamCapture(path, sink);
    model.finish();
    return result;
}

}  // namespace memtrace::reader
