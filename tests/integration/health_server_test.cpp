// The health endpoint's server on loopback: it must keep answering the kubelet's probes
// whatever else connects to it, and never read more of a request than it needs.
#include <sys/resource.h>

#include <cerrno>

#include <filesystem>
#include <memory>
#include <thread>
#include <vector>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <gtest/gtest.h>

#include "harness.hpp"
#include "loopback_http.hpp"
#include "incident_bot/net/http_server.hpp"

namespace incident_bot::testing {
namespace {

// The server on its own network thread, answering /healthz with "ok".
class health_server {
  public:
    health_server()
        : server_(std::make_unique<net::http_server>(
              ioc_.get_executor(),
              "127.0.0.1:0",
              [](const std::string& target) {
                  return target == "/healthz" ? net::http_reply{200, "text/plain", "ok\n"}
                                              : net::http_reply{404, "text/plain", "no\n"};
              },
              log_)),
          thread_([this] { ioc_.run(); }) {}
    ~health_server() {
        server_->stop();
        ioc_.stop();
        thread_.join();
    }
    unsigned short port() const { return server_->port(); }
    const log_capture& logs() const { return logs_; }

  private:
    log_capture logs_;
    logger log_ = logs_.make();
    boost::asio::io_context ioc_{1};
    boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_{
        ioc_.get_executor()};
    std::unique_ptr<net::http_server> server_;
    std::thread thread_;
};

// Lowers the soft limit on open files (the server's and the test's: one process) while it
// lives, as a container's limit would.
class fd_limit {
  public:
    explicit fd_limit(rlim_t soft) {
        ::getrlimit(RLIMIT_NOFILE, &saved_);
        rlimit lowered = saved_;
        lowered.rlim_cur = soft;
        EXPECT_EQ(::setrlimit(RLIMIT_NOFILE, &lowered), 0);
    }
    ~fd_limit() { ::setrlimit(RLIMIT_NOFILE, &saved_); }

  private:
    rlimit saved_{};
};

// One past the highest file descriptor open now; new ones take the lowest free number.
rlim_t fd_ceiling() {
    int top = 0;
    for (const auto& e : std::filesystem::directory_iterator("/proc/self/fd"))
        top = std::max(top, std::stoi(e.path().filename().string()));
    return static_cast<rlim_t>(top) + 1;
}

const std::string get_healthz = "GET /healthz HTTP/1.0\r\nHost: localhost\r\n\r\n";

// Idle connections (a scraper's, or an attacker's) beyond the cap take the place of the
// longest waiting ones, so a probe still gets in and the server holds at most 64 sockets:
// with room for 600 descriptors, 500 idle clients would leave it none if it kept them all.
TEST(HealthServer, AnswersWhileFiveHundredIdleConnectionsAreOpen) {
    health_server server;
    fd_limit limit(fd_ceiling() + 600);
    std::vector<loopback_socket> idle;
    for (int i = 0; i < 500; ++i) {
        idle.emplace_back(server.port());
        ASSERT_TRUE(idle.back().ok()) << "connection " << i;
    }
    const auto answer = http_exchange(server.port(), get_healthz);
    EXPECT_TRUE(answer.starts_with("HTTP/1.0 200 OK")) << answer;
    EXPECT_TRUE(answer.ends_with("\r\n\r\nok\n")) << answer;
    EXPECT_FALSE(server.logs().contains("accept failed"));
}

// Out of file descriptors, accept fails; once some are free again, the server accepts again
// instead of having stopped listening for good.
TEST(HealthServer, KeepsAcceptingAfterRunningOutOfFileDescriptors) {
    health_server server;
    // One request first: UBSan's vptr check opens a pipe the first time it meets an object,
    // which fails while descriptors are exhausted and reads as a false report.
    ASSERT_TRUE(http_exchange(server.port(), get_healthz).ends_with("ok\n"));
    std::vector<int> fillers;
    {
        fd_limit limit(fd_ceiling() + 16);
        for (int fd; (fd = ::dup(STDERR_FILENO)) >= 0;) fillers.push_back(fd);
        ASSERT_EQ(errno, EMFILE);
        ::close(fillers.back());
        fillers.pop_back();
        loopback_socket client(server.port());  // the last descriptor: none left to accept with
        ASSERT_TRUE(client.ok());
        ASSERT_TRUE(client.send(get_healthz));
        EXPECT_TRUE(server.logs().wait_for("accept failed", 10s));
        for (int fd : fillers) ::close(fd);
        const auto answer = client.read_all(10s);
        EXPECT_TRUE(answer.starts_with("HTTP/1.0 200 OK")) << answer;
    }
    EXPECT_TRUE(server.logs().contains("accepting again"));
}

// Only GET and HEAD are answered; a refusal comes as soon as the headers are in, the body
// is never read, and the connection is closed.
TEST(HealthServer, AnswersOnlyGetAndHeadAndNeverReadsABody) {
    health_server server;
    auto promptly = [&](const std::string& request) {
        loopback_socket s(server.port());
        EXPECT_TRUE(s.send(request));
        const auto t0 = std::chrono::steady_clock::now();
        auto answer = s.read_all(5s);
        // Closed by the server, not ended by the read timeout (the body never comes).
        EXPECT_LT(std::chrono::steady_clock::now() - t0, 4s) << request;
        return answer;
    };
    const auto post =
        promptly("POST /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 1048576\r\n\r\n");
    EXPECT_TRUE(post.starts_with("HTTP/1.1 405 Method Not Allowed")) << post;
    EXPECT_NE(post.find("Allow: GET, HEAD\r\n"), std::string::npos) << post;
    EXPECT_NE(post.find("Connection: close\r\n"), std::string::npos) << post;
    EXPECT_TRUE(
        promptly("DELETE /healthz HTTP/1.1\r\nHost: x\r\n\r\n").starts_with("HTTP/1.1 405"));

    const auto get_body =
        promptly("GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 1048576\r\n\r\n");
    EXPECT_TRUE(get_body.starts_with("HTTP/1.1 413")) << get_body;
    const auto chunked =
        promptly("GET /healthz HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n");
    EXPECT_TRUE(chunked.starts_with("HTTP/1.1 413")) << chunked;

    // Headers past 8 KB: closed without an answer.
    EXPECT_EQ(promptly("GET /healthz HTTP/1.1\r\nX-Pad: " + std::string(9000, 'a') + "\r\n\r\n"),
              "");

    const auto head = promptly("HEAD /healthz HTTP/1.0\r\n\r\n");
    EXPECT_TRUE(head.starts_with("HTTP/1.0 200 OK")) << head;
    EXPECT_TRUE(head.ends_with("\r\n\r\n")) << head;  // no body
    EXPECT_TRUE(promptly(get_healthz).ends_with("ok\n"));
}

}  // namespace
}  // namespace incident_bot::testing
