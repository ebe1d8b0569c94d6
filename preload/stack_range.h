// A range of stack memory the unwinders may read: the thread's stack, or the alternate signal
// stack a handler runs on (sigaltstack). Hook-reachable: plain arithmetic.
#pragma once

#include <cstdint>

namespace memtrace::shim {

// [low, high). Empty (0, 0) holds nothing.
struct StackRange {
    uintptr_t low = 0;
    uintptr_t high = 0;

    // `bytes` aligned bytes at `address` lie inside. Written so that nothing can wrap: a frame
    // pointer may hold any value (code without frame pointers uses rbp as it likes, e.g. -16).
    bool holds(uintptr_t address, uintptr_t bytes = sizeof(uintptr_t)) const
    {
        return address >= low && address < high && high - address >= bytes &&
               (address & (sizeof(uintptr_t) - 1)) == 0;
    }
};

// The alternate signal stack the calling thread is running on (a handler installed with
// SA_ONSTACK), or an empty range. One system call: the unwinders make it only for a walk that
// starts off the thread's stack.
StackRange alternateSignalStack();

}  // namespace memtrace::shim
