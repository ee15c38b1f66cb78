// Plain HTTP over blocking loopback sockets, for tests of the health endpoint: raw enough to
// send what no HTTP client would (no request at all, a body after a refusal, huge headers).
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <utility>

namespace incident_bot::testing {

/// A TCP connection to 127.0.0.1:`port`, closed on destruction. ok() is false when the
/// socket could not be made or connected.
class loopback_socket {
  public:
    explicit loopback_socket(unsigned short port)
        : fd_(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) {
        if (fd_ < 0) return;
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_port = htons(port);
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) reset();
    }
    ~loopback_socket() { reset(); }
    loopback_socket(loopback_socket&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
    loopback_socket& operator=(loopback_socket&&) = delete;

    bool ok() const { return fd_ >= 0; }

    bool send(const std::string& data) const {
        return ok() && ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL) ==
                           static_cast<ssize_t>(data.size());
    }

    /// Reads until the server closes the connection; a read that waits longer than `timeout`
    /// for data ends it too. Returns what arrived.
    std::string read_all(std::chrono::milliseconds timeout) const {
        std::string out;
        if (!ok()) return out;
        timeval tv{};
        tv.tv_sec = static_cast<time_t>(timeout.count() / 1000);
        tv.tv_usec = static_cast<suseconds_t>(timeout.count() % 1000 * 1000);
        ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        char buf[4096];
        ssize_t n;
        while ((n = ::recv(fd_, buf, sizeof buf, 0)) > 0)
            out.append(buf, static_cast<std::size_t>(n));
        return out;
    }

  private:
    void reset() {
        if (fd_ >= 0) ::close(fd_);
        fd_ = -1;
    }
    int fd_;
};

/// Sends `request` on a new connection and returns the whole answer (status line, headers,
/// body); "" when connecting failed or nothing came within `timeout`.
inline std::string http_exchange(unsigned short port,
                                 const std::string& request,
                                 std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    loopback_socket s(port);
    if (!s.send(request)) return {};
    return s.read_all(timeout);
}

}  // namespace incident_bot::testing
