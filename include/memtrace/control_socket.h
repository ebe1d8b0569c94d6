// The control channel between `memtrace ctl` and a traced process (docs/CONTROL.md): one
// datagram UNIX socket per traced process in the abstract namespace, named "memtrace-ctl.<pid>".
// Requests are one datagram each: "pause", "resume" or "mark <label>"; the shim answers each
// with "ok" or "error: <why>" to the sender's (autobound) address. The shim checks the
// sender's credentials (SCM_CREDENTIALS) and serves only its own user.
//
// Usable inside the shim: no allocation.
#pragma once

#include <sys/socket.h>
#include <sys/un.h>

#include <cstddef>
#include <cstdint>

namespace memtrace::control {

inline constexpr size_t kMaxRequest = 512;

// Fills an abstract address (sun_path[0] = 0) for `pid`; returns the address length to pass
// to bind/sendto.
inline socklen_t socketAddress(uint64_t pid, sockaddr_un& address)
{
    address = sockaddr_un{};
    address.sun_family = AF_UNIX;
    const char prefix[] = "memtrace-ctl.";
    size_t n = 1;  // sun_path[0] = '\0': abstract namespace
    for (size_t i = 0; prefix[i]; ++i) address.sun_path[n++] = prefix[i];
    char digits[24];
    size_t d = 0;
    do {
        digits[d++] = static_cast<char>('0' + pid % 10);
        pid /= 10;
    } while (pid);
    while (d) address.sun_path[n++] = digits[--d];
    return static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + n);
}

}  // namespace memtrace::control
