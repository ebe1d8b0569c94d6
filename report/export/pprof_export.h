// `memtrace export --format pprof`: the capture's heap as a gzipped profile.proto, the format
// Go's pprof, Pyroscope, Parca and Grafana read
// (https://github.com/google/pprof/blob/main/proto/profile.proto).
//
// Sample types, as in Go heap profiles (the last is pprof's default):
//   alloc_objects/count  allocations over the run     = summary --json "allocations"
//   alloc_space/bytes    bytes allocated over the run = "allocated_bytes"
//   inuse_objects/count  blocks live at the end       = "leaked_blocks"
//   inuse_space/bytes    bytes live at the end        = "leaked_bytes"
// One sample per recorded stack with a nonzero value; locations are return addresses (one per
// address, its inlined calls as extra lines, innermost first), mappings carry the module's
// path and build-id. Stacks are trimmed as every report trims them (report_stack.h); a stack
// left empty gets the single frame "[no stack]" so the totals stay exact.
#pragma once

#include <string>

#include "reader/capture_model.h"
#include "reader/symbolizer.h"

namespace memtrace::report::exporter {

// The serialized profile.proto, not yet compressed.
std::string pprofProfile(const reader::CaptureModel& model, reader::Symbolizer& symbolizer);

// RFC 1952 gzip of `data` (zlib); throws std::runtime_error if zlib fails.
std::string gzip(const std::string& data);

}  // namespace memtrace::report::exporter
