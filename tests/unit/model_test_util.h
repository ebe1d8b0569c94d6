// Loads a CaptureBuilder's capture into a CaptureModel (through a real file and the real reader).
#pragma once

#include <string>

#include "capture_builder.h"
#include "reader/capture_loader.h"

namespace memtrace::test {

struct LoadedCapture {
    reader::CaptureModel model;
    reader::StreamResult result;
};

inline void load(CaptureBuilder& builder, const std::string& name, LoadedCapture& out)
{
    out.result = reader::loadCapture(builder.write(name), out.model);
}

inline const reader::StackStats& statsOf(const reader::CaptureModel& model, uint64_t fileStackId)
{
    // StackTable::lookup is non-const (it makes placeholders); scan instead.
    const auto& stacks = model.stacks();
    for (uint32_t i = 0; i < stacks.size(); ++i)
        if (stacks.fileId(reader::StackIndex{i}).value() == fileStackId) return model.heap().stacks().at(i);
    static const reader::StackStats none;
    return none;
}

}  // namespace memtrace::test
