// The per-thread reentrancy guard. While it is set, every hook calls straight through to the
// real function without recording: that is how the shim's own work (unwinding, zstd, the
// writer thread, dl_iterate_phdr, getenv, pthread_create...) is never recorded and never
// recurses, and how a signal handler that allocates while this thread is inside a hook passes
// through instead of re-entering the ring.
//
// initial-exec TLS: reading it is one %fs-relative load. The general-dynamic model would call
// __tls_get_addr, which may allocate on first use and would recurse into malloc.
#pragma once

namespace memtrace::shim {

extern __thread int t_inShim __attribute__((tls_model("initial-exec")));

// Sets the guard for a scope (no-op if it was already set). Safe anywhere.
class ShimScope {
public:
    ShimScope() : m_set(t_inShim == 0) { t_inShim = 1; }
    ~ShimScope()
    {
        if (m_set) t_inShim = 0;
    }
    ShimScope(const ShimScope&) = delete;
    ShimScope& operator=(const ShimScope&) = delete;

private:
    bool m_set;
};

}  // namespace memtrace::shim
