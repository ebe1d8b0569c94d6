// The shim's end of `memtrace ctl` (include/memtrace/control_socket.h). The writer thread
// polls the socket at each wake-up (every 10 ms by default), so there is no extra thread.
//
// Descriptor hygiene: the socket is close-on-exec and moved to fd >= 1000. A program that
// closes every descriptor (or dup2s over ours) must not have its own descriptor read by us:
// before each poll the descriptor is checked to still be our socket (device + inode), and the
// socket is recreated if it is not. A fork child closes its copy, so only the parent answers
// for the parent's pid; a followed child opens its own.
#pragma once

namespace memtrace::shim {

// Init and followed fork child (after g_pid is set). Failure is silent: ctl then reports the
// process as not controllable.
void openControlChannel();
// Writer thread, without the drain lock: serves the pending requests.
void pollControlChannel();
// Fork child: drop the parent's socket (the copy; the parent keeps its own).
void closeControlChannelInChild();
// The capture ended: stop answering (ctl then reports the process as not traced).
void closeControlChannel();

}  // namespace memtrace::shim
