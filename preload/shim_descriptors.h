// Descriptors the shim owns inside the traced process (the capture file, /proc/self/statm,
// /proc/stat, the control socket).
// Daemons close every descriptor, or dup2 /dev/null over them; the fd hooks (hooks_fd.cpp)
// keep such a program from taking ours: close() of one succeeds without closing it,
// close_range/closefrom skip them, and a dup2/dup3 onto one first moves ours to another
// number >= shimFdFloor().
//
// The owner registers the address of its `int fd` once; the descriptor in it is protected
// while it is >= 0. A move rewrites that int with the drain lock held, so the owner must only
// read it with the drain lock held (the writer side does) or before the shim is active.
#pragma once

namespace memtrace::shim {

constexpr int kLowestShimFd = 1000;

// The lowest number the shim moves its descriptors to: kLowestShimFd, or, under an
// RLIMIT_NOFILE soft limit too low for it (`ulimit -n 256`), 16 below the limit, so that the
// program's own descriptors, which the kernel hands out lowest first, still start at 3.
int shimFdFloor();

// Not hook-reachable (writer side, init, fork child). Idempotent; at most a handful of slots.
void protectDescriptor(int* fd);

// Closes the protected descriptor in *fd and sets *fd to -1 - in that order of visibility:
// *fd reads -1 (unprotected) before the number is free for the program to get again.
void closeProtectedDescriptor(int* fd);

// Moves fd to the lowest free number >= shimFdFloor() (close-on-exec) and closes the old one,
// out of the way of programs that dup2 over low numbers. Returns the new number, or fd itself
// if it cannot be moved (or is negative).
int moveAboveProgramFds(int fd);

// Pipes the shim's libraries create (libunwind's memory-validation pipe) are moved and
// protected like the shim's own descriptors: hooks_fd.cpp, pipe2.

}  // namespace memtrace::shim
