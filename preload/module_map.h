// The loaded objects for the ModuleMap record: path, load bias, GNU build-id, PT_LOAD segments.
// Writer side only: dl_iterate_phdr takes the loader's lock, so a hook (which may run inside
// the loader, e.g. a constructor allocating during dlopen) must never call this.
#pragma once

#include <cstddef>
#include <cstdint>

#include "memtrace/record_encoder.h"

namespace memtrace::shim {

// True if objects were loaded or unloaded since the last collect() (dlpi_adds/dlpi_subs), or
// if collect() never ran. Cheap: stops at the first object.
bool modulesChanged();

// Snapshot of every object with a path; the main program is named by exePath; the vDSO and
// nameless objects are skipped. Fixed storage; extra objects beyond its capacity are dropped.
void collectModules(const char* exePath);

size_t moduleMapBound();
// Encodes the last snapshot. The caller checked that moduleMapBound() fits.
void encodeModuleMap(format::RecordEncoder& encoder, uint64_t generation);

// Forces the next modulesChanged() to answer true (new capture after fork).
void forgetModules();

// True while a thread is inside one of our dl_iterate_phdr calls, i.e. possibly waiting for
// the loader's lock. Hook-reachable (a relaxed load): a producer waiting on a full ring drops
// events only when the writer may be blocked there (event_recorder.cpp), never merely
// because the writer is slow or starved of CPU.
bool insideLoaderWalk();

}  // namespace memtrace::shim
