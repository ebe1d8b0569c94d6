/* memtrace's program-side control API (docs/CONTROL.md). Header-only, C and C++.
 *
 *   #include <memtrace/api.h>
 *   memtrace_mark("warm-up done");
 *   memtrace_pause();   ...   memtrace_resume();
 *
 * Under `memtrace run` these reach the shim (libmemtrace_preload.so); otherwise they do
 * nothing. Each function looks up the shim's exported entry point once with
 * dlsym(RTLD_DEFAULT, ...) and caches the answer (per translation unit), so a program built
 * with this header needs no memtrace library to link or run. With glibc older than 2.34, link
 * with -ldl.
 *
 * Semantics (docs/CONTROL.md):
 *   memtrace_pause()   allocations are no longer recorded; releases still are, so blocks
 *                      allocated before the pause are still seen to die.
 *   memtrace_resume()  allocations are recorded again.
 *   memtrace_mark(l)   a named point in time, in order with the events: shown on the report's
 *                      timeline, and usable as `--from l` / `--to l` bounds. Labels longer than
 *                      255 bytes are cut. The label is copied; it may be freed afterwards.
 * Thread-safe; each call drains the capture up to that point (a few microseconds to a
 * millisecond): meant for phase boundaries, not for hot loops.
 */
#ifndef MEMTRACE_API_H
#define MEMTRACE_API_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1 /* RTLD_DEFAULT */
#endif
#include <dlfcn.h>
#ifndef RTLD_DEFAULT /* a libc header came first without _GNU_SOURCE: glibc's value */
#define RTLD_DEFAULT ((void*)0)
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* Looks `name` up once; *slot caches it ((void*)1 = looked up, absent). The casts of the result
 * to function pointers are marked __extension__: POSIX allows them, ISO C calls them an
 * extension, and -pedantic builds must stay quiet. */
static inline void* memtrace_api_lookup_(void** slot, const char* name)
{
    void* fn = __atomic_load_n(slot, __ATOMIC_ACQUIRE);
    if (!fn) {
        fn = dlsym(RTLD_DEFAULT, name);
        if (!fn) fn = (void*)1;
        __atomic_store_n(slot, fn, __ATOMIC_RELEASE);
    }
    return fn == (void*)1 ? (void*)0 : fn;
}

static inline void memtrace_pause(void)
{
    static void* slot;
    void (*fn)(void) = __extension__(void (*)(void)) memtrace_api_lookup_(&slot, "memtrace_shim_pause");
    if (fn) fn();
}

static inline void memtrace_resume(void)
{
    static void* slot;
    void (*fn)(void) = __extension__(void (*)(void)) memtrace_api_lookup_(&slot, "memtrace_shim_resume");
    if (fn) fn();
}

static inline void memtrace_mark(const char* label)
{
    static void* slot;
    void (*fn)(const char*) = __extension__(void (*)(const char*)) memtrace_api_lookup_(&slot, "memtrace_shim_mark");
    if (fn) fn(label);
}

/* 1 when the program runs under memtrace (the shim is loaded), else 0. */
static inline int memtrace_active(void)
{
    static void* slot;
    return memtrace_api_lookup_(&slot, "memtrace_shim_pause") != (void*)0;
}

#ifdef __cplusplus
}
#endif

#endif /* MEMTRACE_API_H */
