// Every function the shim interposes, declared once. The table generates the RealFunctions
// struct (one typed pointer per hook), its dlsym(RTLD_NEXT) resolution and, for the functions
// glibc declares with exactly that signature, a compile-time check that our type matches.
//
// X(field, "symbol", return type, (parameter types), Required|Optional)
//   Required: the shim stays inactive if dlsym does not find it (every glibc has them).
//   Optional: may be missing (C23 free_sized, jemalloc's *allocx, a libstdc++ variant); the
//             hook then falls back as its comment says.
#pragma once

#include <signal.h>
#include <spawn.h>
#include <sys/types.h>

#include <cstddef>
#include <pthread.h>

// Declared by glibc's headers with this exact signature (checked in real_functions.cpp).
#define MEMTRACE_DECLARED_HOOKS(X)                                                            \
    X(malloc, "malloc", void*, (size_t), Required)                                            \
    X(calloc, "calloc", void*, (size_t, size_t), Required)                                    \
    X(realloc, "realloc", void*, (void*, size_t), Required)                                   \
    X(reallocarray, "reallocarray", void*, (void*, size_t, size_t), Optional)                 \
    X(free, "free", void, (void*), Required)                                                  \
    X(posix_memalign, "posix_memalign", int, (void**, size_t, size_t), Required)              \
    X(aligned_alloc, "aligned_alloc", void*, (size_t, size_t), Required)                      \
    X(memalign, "memalign", void*, (size_t, size_t), Required)                                \
    X(valloc, "valloc", void*, (size_t), Required)                                            \
    X(pvalloc, "pvalloc", void*, (size_t), Optional)                                          \
    X(mmap, "mmap", void*, (void*, size_t, int, int, int, off_t), Required)                   \
    X(mmap64, "mmap64", void*, (void*, size_t, int, int, int, off64_t), Optional)             \
    X(munmap, "munmap", int, (void*, size_t), Required)                                       \
    X(dlclose, "dlclose", int, (void*), Required)                                             \
    X(pthread_setname_np, "pthread_setname_np", int, (pthread_t, const char*), Required)      \
    X(execve, "execve", int, (const char*, char* const*, char* const*), Required)             \
    X(execvpe, "execvpe", int, (const char*, char* const*, char* const*), Required)           \
    X(fexecve, "fexecve", int, (int, char* const*, char* const*), Required)                   \
    X(posix_spawn, "posix_spawn", int,                                                        \
      (pid_t*, const char*, const posix_spawn_file_actions_t*, const posix_spawnattr_t*,      \
       char* const*, char* const*), Required)                                                 \
    X(posix_spawnp, "posix_spawnp", int,                                                      \
      (pid_t*, const char*, const posix_spawn_file_actions_t*, const posix_spawnattr_t*,      \
       char* const*, char* const*), Required)                                                 \
    X(_exit, "_exit", void, (int), Required)                                                  \
    X(_Exit, "_Exit", void, (int), Required)                                                  \
    X(quick_exit, "quick_exit", void, (int), Required)                                        \
    X(close, "close", int, (int), Required)                                                   \
    X(close_range, "close_range", int, (unsigned, unsigned, int), Optional)                   \
    X(closefrom, "closefrom", void, (int), Optional)                                          \
    X(dup2, "dup2", int, (int, int), Required)                                                \
    X(dup3, "dup3", int, (int, int, int), Required)                                           \
    X(sigaction, "sigaction", int, (int, const struct sigaction*, struct sigaction*), Required) \
    X(signal, "signal", __sighandler_t, (int, __sighandler_t), Required)

// Variadic in glibc's headers, mangled C++ names, or not declared by this glibc.
#define MEMTRACE_UNDECLARED_HOOKS(X)                                                          \
    X(mremap, "mremap", void*, (void*, size_t, size_t, int, void*), Required)                 \
    X(libcStartMain, "__libc_start_main", int,                                                \
      (int (*)(int, char**, char**), int, char**, void (*)(), void (*)(), void (*)(), void*), Required) \
    X(sysvSignal, "sysv_signal", __sighandler_t, (int, __sighandler_t), Optional)             \
    X(prctl, "prctl", int, (int, unsigned long, unsigned long, unsigned long, unsigned long),  \
      Required)                                                                               \
    X(free_sized, "free_sized", void, (void*, size_t), Optional)                              \
    X(free_aligned_sized, "free_aligned_sized", void, (void*, size_t, size_t), Optional)      \
    X(throwBadAlloc, "_ZSt17__throw_bad_allocv", void, (), Optional)                          \
    X(opNew, "_Znwm", void*, (size_t), Optional)                                              \
    X(opNewArray, "_Znam", void*, (size_t), Optional)                                         \
    X(opNewNothrow, "_ZnwmRKSt9nothrow_t", void*, (size_t, const void*), Optional)            \
    X(opNewArrayNothrow, "_ZnamRKSt9nothrow_t", void*, (size_t, const void*), Optional)       \
    X(opNewAligned, "_ZnwmSt11align_val_t", void*, (size_t, size_t), Optional)                \
    X(opNewArrayAligned, "_ZnamSt11align_val_t", void*, (size_t, size_t), Optional)           \
    X(opNewAlignedNothrow, "_ZnwmSt11align_val_tRKSt9nothrow_t", void*,                       \
      (size_t, size_t, const void*), Optional)                                                \
    X(opNewArrayAlignedNothrow, "_ZnamSt11align_val_tRKSt9nothrow_t", void*,                  \
      (size_t, size_t, const void*), Optional)                                                \
    X(opDelete, "_ZdlPv", void, (void*), Optional)                                            \
    X(opDeleteArray, "_ZdaPv", void, (void*), Optional)                                       \
    X(opDeleteSized, "_ZdlPvm", void, (void*, size_t), Optional)                              \
    X(opDeleteArraySized, "_ZdaPvm", void, (void*, size_t), Optional)                         \
    X(opDeleteAligned, "_ZdlPvSt11align_val_t", void, (void*, size_t), Optional)              \
    X(opDeleteArrayAligned, "_ZdaPvSt11align_val_t", void, (void*, size_t), Optional)         \
    X(opDeleteSizedAligned, "_ZdlPvmSt11align_val_t", void, (void*, size_t, size_t), Optional) \
    X(opDeleteArraySizedAligned, "_ZdaPvmSt11align_val_t", void, (void*, size_t, size_t),     \
      Optional)                                                                               \
    X(opDeleteNothrow, "_ZdlPvRKSt9nothrow_t", void, (void*, const void*), Optional)          \
    X(opDeleteArrayNothrow, "_ZdaPvRKSt9nothrow_t", void, (void*, const void*), Optional)     \
    X(opDeleteAlignedNothrow, "_ZdlPvSt11align_val_tRKSt9nothrow_t", void,                    \
      (void*, size_t, const void*), Optional)                                                 \
    X(opDeleteArrayAlignedNothrow, "_ZdaPvSt11align_val_tRKSt9nothrow_t", void,               \
      (void*, size_t, const void*), Optional)                                                 \
    X(mallocx, "mallocx", void*, (size_t, int), Optional)                                     \
    X(rallocx, "rallocx", void*, (void*, size_t, int), Optional)                              \
    X(xallocx, "xallocx", size_t, (void*, size_t, size_t, int), Optional)                     \
    X(sdallocx, "sdallocx", void, (void*, size_t, int), Optional)                             \
    X(dallocx, "dallocx", void, (void*, int), Optional)

#define MEMTRACE_ALL_HOOKS(X) MEMTRACE_DECLARED_HOOKS(X) MEMTRACE_UNDECLARED_HOOKS(X)
