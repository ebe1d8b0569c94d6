// `memtrace ctl PID pause|resume|mark LABEL`: controls a running traced process from outside
// (docs/CONTROL.md) through its control socket (include/memtrace/control_socket.h).
//
// Exit status: 0 when the process confirmed the request, 2 when there is no such process, it is
// not traced (no control socket), it refused (another user) or did not answer within 3 s.
#include <CLI/CLI.hpp>

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <memory>
#include <string>

#include "command.h"
#include "memtrace/control_socket.h"

namespace memtrace::cli {

namespace {

constexpr size_t kMaxLabel = 255;  // the shim keeps at most this much (preload/control.h)
constexpr int kAnswerTimeoutMs = 3000;

struct CtlOptions {
    std::string pid;
    std::string action;
    std::string label;
};

class Socket {
public:
    Socket() : m_fd(socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) {}
    ~Socket()
    {
        if (m_fd >= 0) close(m_fd);
    }
    int fd() const { return m_fd; }

private:
    int m_fd;
};

int fail(const std::string& message)
{
    std::fprintf(stderr, "memtrace ctl: %s\n", message.c_str());
    return kExitBadInput;
}

int runCtl(const CtlOptions& o)
{
    if (o.pid.empty() || o.pid.size() > 9 || o.pid.find_first_not_of("0123456789") != std::string::npos || std::stol(o.pid) <= 0)
        return fail("bad PID '" + o.pid + "'");
    const pid_t pid = static_cast<pid_t>(std::stol(o.pid));
    std::string request;
    if (o.action == "pause" || o.action == "resume") {
        if (!o.label.empty()) return fail(o.action + " takes no label");
        request = o.action;
    } else if (o.action == "mark") {
        if (o.label.empty()) return fail("mark needs a LABEL");
        if (o.label.size() > kMaxLabel) return fail("the label is longer than 255 bytes");
        request = "mark " + o.label;
    } else {
        return fail("unknown action '" + o.action + "' (pause, resume or mark LABEL)");
    }
    if (kill(pid, 0) != 0 && errno == ESRCH) return fail("no process with pid " + o.pid);

    Socket sock;
    if (sock.fd() < 0) return fail(std::string("cannot create a socket: ") + std::strerror(errno));
    sockaddr_un self{};
    self.sun_family = AF_UNIX;
    // Autobind: a unique abstract address, so the process can answer.
    if (bind(sock.fd(), reinterpret_cast<const sockaddr*>(&self), sizeof(sa_family_t)) != 0)
        return fail(std::string("cannot bind a socket: ") + std::strerror(errno));
    sockaddr_un target;
    const socklen_t length = control::socketAddress(static_cast<uint64_t>(pid), target);
    if (sendto(sock.fd(), request.data(), request.size(), 0, reinterpret_cast<const sockaddr*>(&target), length) < 0) {
        if (errno == ECONNREFUSED || errno == ENOENT)
            return fail("process " + o.pid + " is not traced by memtrace (no control socket; tracking may have ended)");
        return fail("cannot reach process " + o.pid + ": " + std::strerror(errno));
    }
    pollfd p{sock.fd(), POLLIN, 0};
    if (poll(&p, 1, kAnswerTimeoutMs) <= 0) return fail("process " + o.pid + " did not answer within 3 s");
    char answer[256];
    const ssize_t n = recv(sock.fd(), answer, sizeof answer - 1, 0);
    if (n <= 0) return fail("process " + o.pid + " did not answer");
    answer[n] = '\0';
    if (std::strcmp(answer, "ok") != 0) return fail("process " + o.pid + ": " + answer);
    return 0;
}

}  // namespace

CommandAction addCtlCommand(CLI::App& app)
{
    auto options = std::make_shared<CtlOptions>();
    CLI::App* sub = app.add_subcommand("ctl", "Pause, resume or mark a running traced process (docs/CONTROL.md)");
    sub->add_option("PID", options->pid, "Process id of the traced program")->required();
    sub->add_option("ACTION", options->action, "pause, resume or mark")->required();
    sub->add_option("LABEL", options->label, "Marker label (mark only)");
    return [options]() -> int { return runCtl(*options); };
}

}  // namespace memtrace::cli
