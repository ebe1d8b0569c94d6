#include "control_channel.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>

#include "control.h"
#include "memtrace/control_socket.h"
#include "shim_descriptors.h"
#include "shim_state.h"
#include "writer_thread.h"

namespace memtrace::shim {
namespace {

constinit int g_fd = -1;
constinit dev_t g_dev = 0;
constinit ino_t g_ino = 0;

bool stillOurs()
{
    struct stat st;
    return g_fd >= 0 && fstat(g_fd, &st) == 0 && S_ISSOCK(st.st_mode) && st.st_dev == g_dev && st.st_ino == g_ino;
}

void reply(const sockaddr_un& to, socklen_t toLength, const char* text)
{
    if (toLength <= offsetof(sockaddr_un, sun_path)) return;  // unnamed sender: nowhere to answer
    sendto(g_fd, text, std::strlen(text), MSG_DONTWAIT | MSG_NOSIGNAL, reinterpret_cast<const sockaddr*>(&to), toLength);
}

bool senderIsUs(msghdr& message)
{
    for (cmsghdr* c = CMSG_FIRSTHDR(&message); c; c = CMSG_NXTHDR(&message, c)) {
        if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_CREDENTIALS) continue;
        ucred cred;
        std::memcpy(&cred, CMSG_DATA(c), sizeof cred);
        return cred.uid == getuid() || cred.uid == geteuid();
    }
    return false;
}

void serve(char* request, size_t length, const sockaddr_un& from, socklen_t fromLength)
{
    request[length] = '\0';
    ControlRequest kind;
    const char* label = nullptr;
    if (std::strcmp(request, "pause") == 0) {
        kind = ControlRequest::Pause;
    } else if (std::strcmp(request, "resume") == 0) {
        kind = ControlRequest::Resume;
    } else if (std::strncmp(request, "mark ", 5) == 0) {
        kind = ControlRequest::Mark;
        label = request + 5;
    } else {
        return reply(from, fromLength, "error: unknown request");
    }
    reply(from, fromLength, applyControlLocked(kind, label) ? "ok" : "error: the capture is not active");
}

}  // namespace

void openControlChannel()
{
    const int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0) return;
    const int high = moveAboveProgramFds(fd);
    const int on = 1;
    sockaddr_un address;
    const socklen_t length = control::socketAddress(static_cast<uint64_t>(g_pid), address);
    struct stat st;
    if (setsockopt(high, SOL_SOCKET, SO_PASSCRED, &on, sizeof on) != 0 ||
        bind(high, reinterpret_cast<const sockaddr*>(&address), length) != 0 || fstat(high, &st) != 0) {
        close(high);
        return;
    }
    g_fd = high;
    g_dev = st.st_dev;
    g_ino = st.st_ino;
    protectDescriptor(&g_fd);  // hooks_fd.cpp: close-everything loops and dup2 leave it alone
}

// g_fd is read under the drain lock: the fd hooks move a protected descriptor with it held.
void pollControlChannel()
{
    DrainLockScope lock(g_drainLock);
    if (g_fd < 0) return;
    if (!stillOurs()) {
        // The program closed or replaced our descriptor; the number may be its own now.
        g_fd = -1;
        openControlChannel();
        if (g_fd < 0) return;
    }
    for (int served = 0; served < 16; ++served) {
        char request[control::kMaxRequest + 1];
        sockaddr_un from{};
        alignas(cmsghdr) char ancillary[CMSG_SPACE(sizeof(ucred))];
        iovec io{request, control::kMaxRequest};
        msghdr message{};
        message.msg_name = &from;
        message.msg_namelen = sizeof from;
        message.msg_iov = &io;
        message.msg_iovlen = 1;
        message.msg_control = ancillary;
        message.msg_controllen = sizeof ancillary;
        const ssize_t n = recvmsg(g_fd, &message, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
        if (n < 0) return;  // EAGAIN: nothing more
        if (!senderIsUs(message)) {
            reply(from, message.msg_namelen, "error: permission denied (another user)");
            continue;
        }
        serve(request, static_cast<size_t>(n), from, message.msg_namelen);
    }
}

void closeControlChannelInChild()
{
    if (g_fd >= 0 && stillOurs()) close(g_fd);
    g_fd = -1;
}

void closeControlChannel() { closeControlChannelInChild(); }

}  // namespace memtrace::shim
