// Over 600 lines on purpose: one fake of two protocols (the Socket Mode WebSocket server and the
// Web API over HTTP) around one shared state, which a split would have to expose in a header.
#include "incident_bot/demo/fake_slack.hpp"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <set>
#include <thread>
#include <unordered_map>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>

#include "incident_bot/commands/home.hpp"
#include "demo/throwaway_ca.hpp"

namespace incident_bot::demo {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using asio::ip::tcp;
using asio::use_awaitable;
using json = nlohmann::json;
using steady = std::chrono::steady_clock;
constexpr auto tuple_awaitable = asio::as_tuple(use_awaitable);

namespace {

std::string url_decode(std::string_view s) {
    std::string out;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '+') {
            out.push_back(' ');
        } else if (s[i] == '%' && i + 2 < s.size()) {
            out.push_back(static_cast<char>(std::stoi(std::string(s.substr(i + 1, 2)), nullptr, 16)));
            i += 2;
        } else {
            out.push_back(s[i]);
        }
    }
    return out;
}

void merge_form(json& args, std::string_view form) {
    while (!form.empty()) {
        auto amp = form.find('&');
        auto pair = form.substr(0, amp);
        auto eq = pair.find('=');
        if (eq != std::string_view::npos)
            args[url_decode(pair.substr(0, eq))] = url_decode(pair.substr(eq + 1));
        form = amp == std::string_view::npos ? std::string_view{} : form.substr(amp + 1);
    }
}

std::string query_param(std::string_view target, std::string_view key) {
    json args = json::object();
    if (auto q = target.find('?'); q != std::string_view::npos) merge_form(args, target.substr(q + 1));
    return args.value(std::string(key), std::string());
}

std::string new_id(std::size_t n) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "fake-%08zx-%04x", n, static_cast<unsigned>(n * 2654435761u) & 0xffff);
    return buf;
}

}  // namespace

// A server-side Socket Mode connection, type-erased over TLS and plain TCP.
struct ws_peer {
    virtual ~ws_peer() = default;
    virtual void send(std::string data, bool binary) = 0;
    virtual void drop() = 0;
    int id = 0;
    std::atomic<bool> alive{true};
};

// A byte pipe between the client and our WebSocket listener; blackhole() stops it without
// closing anything, which is what a dead NAT mapping looks like to both ends.
struct proxy_link {
    explicit proxy_link(asio::any_io_executor ex) : client(ex), server(ex) {}
    tcp::socket client;
    tcp::socket server;
    std::atomic<bool> muted{false};
};

namespace {

// Slack refuses views and message updates that break Block Kit's limits (issue 18): the
// fake does the same, so a test fails where Slack would.
std::optional<json> check_blocks(const recorded_request& r) {
    const bool view = r.method.starts_with("views.");
    if (!view && r.method != "chat.update") return std::nullopt;
    if (r.method == "views.open" && r.args.value("trigger_id", "").empty())
        return json{{"ok", false}, {"error", "invalid_trigger_id"}};
    const json& subject = view ? r.args.value("view", json()) : r.args;
    if (view && !subject.is_object()) return json{{"ok", false}, {"error", "invalid_arguments"}};
    if (!view && !subject.contains("blocks")) return std::nullopt;
    const auto problems = incident_bot::block_kit_problems(subject);
    if (problems.empty()) return std::nullopt;
    return json{{"ok", false},
                {"error", "invalid_blocks"},
                {"response_metadata", {{"messages", problems}}}};
}

}  // namespace

struct fake_slack::impl : std::enable_shared_from_this<impl> {
    explicit impl(fake_slack_options o)
        : opts(std::move(o)), acceptor(ioc), proxy_acceptor(ioc), tls(asio::ssl::context::tls_server) {}

    void start();
    asio::awaitable<void> accept_loop();
    bool is_proxy_peer(const tcp::socket& s);
    asio::awaitable<void> proxy_accept_loop();
    asio::awaitable<void> pump(std::shared_ptr<proxy_link> link, bool upstream);
    asio::awaitable<void> session(tcp::socket socket);
    template <class Stream>
    asio::awaitable<void> serve(Stream stream);
    template <class Stream>
    asio::awaitable<void> serve_ws(Stream stream, http::request<http::string_body> req);
    http::response<http::string_body> handle_api(const http::request<http::string_body>& req);
    void on_client_text(int peer_id, const std::string& text);
    void peer_gone(int peer_id);
    asio::awaitable<void> redeliver_loop();
    std::shared_ptr<ws_peer> pick(int conn);  // requires mu
    prepared_envelope prepare_locked(const std::string& type, json payload, int retry);
    void send_locked(prepared_envelope e, int conn);

    fake_slack_options opts;
    asio::io_context ioc;
    std::thread thread;
    tcp::acceptor acceptor;
    tcp::acceptor proxy_acceptor;
    asio::ssl::context tls;
    std::string ca_path;
    unsigned short port = 0;
    unsigned short proxy_port = 0;

    mutable std::mutex mu;
    mutable std::condition_variable cv;
    std::map<std::string, method_handler> handlers;
    struct failure {
        int status;
        int retry_after;
    };
    std::map<std::string, std::deque<failure>> failures;
    std::vector<recorded_request> requests;
    std::set<std::string> tickets;
    std::size_t open_count = 0;
    std::vector<steady::time_point> accept_times;  // of Web API connections, in order
    std::size_t id_counter = 0;
    int next_peer_id = 0;
    std::size_t round_robin = 0;
    std::vector<std::shared_ptr<ws_peer>> peers;
    struct pending_envelope {
        std::string type;
        json payload;
        int retry_attempt;
        steady::time_point sent;
    };
    std::unordered_map<std::string, pending_envelope> pending;
    std::vector<recorded_ack> acks;
    // What ack waiters wait for: an ack wakes them only when it can satisfy one, so a
    // waiter is not woken once per ack while thousands stream in (bench_net_socket_mode).
    std::multiset<std::size_t> ack_count_goals;
    int ack_id_waiters = 0;
    std::size_t close_frames = 0;
    std::vector<std::weak_ptr<proxy_link>> links;
};

template <class Stream>
struct ws_peer_impl final : ws_peer, std::enable_shared_from_this<ws_peer_impl<Stream>> {
    explicit ws_peer_impl(Stream&& s) : ws(std::move(s)), cv(ws.get_executor()) {}

    void send(std::string data, bool binary) override {
        queue.emplace_back(std::move(data), binary);
        cv.cancel();
    }
    void drop() override {
        boost::system::error_code ignored;
        beast::get_lowest_layer(ws).socket().close(ignored);
        alive = false;
        cv.cancel();
    }
    asio::awaitable<void> write_loop() {
        auto self = this->shared_from_this();
        while (alive) {
            if (queue.empty()) {
                cv.expires_at(steady::time_point::max());
                co_await cv.async_wait(tuple_awaitable);
                continue;
            }
            auto [data, binary] = std::move(queue.front());
            queue.pop_front();
            ws.binary(binary);
            auto [ec, n] = co_await ws.async_write(asio::buffer(data), tuple_awaitable);
            if (ec) alive = false;
        }
    }

    websocket::stream<Stream> ws;
    asio::steady_timer cv;
    std::deque<std::pair<std::string, bool>> queue;
};

void fake_slack::impl::start() {
    if (opts.tls) {
        throwaway_ca ca;
        pem_pair server;
        if (opts.cert == fake_cert::untrusted) {
            throwaway_ca other("some other CA");
            server = other.issue({"localhost"}, {"127.0.0.1"});
        } else if (opts.cert == fake_cert::wrong_host) {
            server = ca.issue({"other.example"}, {"10.9.9.9"});
        } else {
            server = ca.issue({"localhost"}, {"127.0.0.1"});
        }
        ca_path = write_temp_file("fake-slack-ca", ca.cert_pem());
        tls.use_certificate_chain(asio::buffer(server.cert));
        tls.use_private_key(asio::buffer(server.key), asio::ssl::context::pem);
    }
    const tcp::endpoint any(asio::ip::make_address("127.0.0.1"), 0);
    for (auto* a : {&acceptor, &proxy_acceptor}) {
        a->open(any.protocol());
        a->set_option(tcp::acceptor::reuse_address(true));
        a->bind(any);
        a->listen();
    }
    port = acceptor.local_endpoint().port();
    proxy_port = proxy_acceptor.local_endpoint().port();
    asio::co_spawn(ioc, accept_loop(), asio::detached);
    asio::co_spawn(ioc, proxy_accept_loop(), asio::detached);
    if (opts.redeliver_after.count()) asio::co_spawn(ioc, redeliver_loop(), asio::detached);
    thread = std::thread([this] { ioc.run(); });
}

asio::awaitable<void> fake_slack::impl::accept_loop() {
    for (;;) {
        auto [ec, socket] = co_await acceptor.async_accept(tuple_awaitable);
        if (ec) co_return;
        socket.set_option(tcp::no_delay(true), ec);  // like Slack's edge: no Nagle on small frames
        // The proxy's own connections are Socket Mode links, not Web API clients.
        if (!is_proxy_peer(socket)) {
            std::lock_guard lock(mu);
            accept_times.push_back(steady::now());
            cv.notify_all();
        }
        asio::co_spawn(ioc, session(std::move(socket)), asio::detached);
    }
}

bool fake_slack::impl::is_proxy_peer(const tcp::socket& s) {
    boost::system::error_code ec;
    const auto remote = s.remote_endpoint(ec);
    std::lock_guard lock(mu);
    for (auto& weak : links)
        if (auto link = weak.lock(); link && link->server.local_endpoint(ec) == remote) return true;
    return false;
}

asio::awaitable<void> fake_slack::impl::proxy_accept_loop() {
    for (;;) {
        auto link = std::make_shared<proxy_link>(ioc.get_executor());
        auto [ec] = co_await proxy_acceptor.async_accept(link->client, tuple_awaitable);
        if (ec) co_return;
        // Bind first and register, so the accept loop can tell this connection is ours.
        link->server.open(tcp::v4());
        link->server.bind(tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
        {
            std::lock_guard lock(mu);
            links.push_back(link);
        }
        auto [cec] = co_await link->server.async_connect(acceptor.local_endpoint(), tuple_awaitable);
        if (cec) continue;
        link->client.set_option(tcp::no_delay(true), cec);
        link->server.set_option(tcp::no_delay(true), cec);
        asio::co_spawn(ioc, pump(link, true), asio::detached);
        asio::co_spawn(ioc, pump(link, false), asio::detached);
    }
}

asio::awaitable<void> fake_slack::impl::pump(std::shared_ptr<proxy_link> link, bool upstream) {
    auto& from = upstream ? link->client : link->server;
    auto& to = upstream ? link->server : link->client;
    std::array<char, 16384> buf;
    for (;;) {
        auto [ec, n] = co_await from.async_read_some(asio::buffer(buf), tuple_awaitable);
        if (link->muted) co_return;  // swallow and stop: the link is blackholed
        if (ec) break;
        auto [wec, w] = co_await asio::async_write(to, asio::buffer(buf.data(), n), tuple_awaitable);
        if (wec) break;
    }
    boost::system::error_code ignored;
    link->client.close(ignored);
    link->server.close(ignored);
}

asio::awaitable<void> fake_slack::impl::session(tcp::socket socket) {
    if (!opts.tls) {
        co_await serve(beast::tcp_stream(std::move(socket)));
        co_return;
    }
    beast::ssl_stream<beast::tcp_stream> stream(std::move(socket), tls);
    beast::get_lowest_layer(stream).expires_after(std::chrono::seconds(10));
    auto [ec] = co_await stream.async_handshake(asio::ssl::stream_base::server, tuple_awaitable);
    if (ec) co_return;  // e.g. the client refused our certificate
    beast::get_lowest_layer(stream).expires_never();
    co_await serve(std::move(stream));
}

template <class Stream>
asio::awaitable<void> fake_slack::impl::serve(Stream stream) {
    beast::flat_buffer buffer;
    for (;;) {
        http::request<http::string_body> req;
        auto [ec, n] = co_await http::async_read(stream, buffer, req, tuple_awaitable);
        if (ec) co_return;
        if (websocket::is_upgrade(req)) {
            co_await serve_ws(std::move(stream), std::move(req));
            co_return;
        }
        auto res = handle_api(req);
        const bool keep = res.keep_alive();
        auto [wec, w] = co_await http::async_write(stream, res, tuple_awaitable);
        if (wec || !keep) co_return;
    }
}

template <class Stream>
asio::awaitable<void> fake_slack::impl::serve_ws(Stream stream, http::request<http::string_body> req) {
    const std::string ticket = query_param(req.target(), "ticket");
    bool valid = false;
    {
        std::lock_guard lock(mu);
        valid = tickets.erase(ticket) == 1;  // a ticket works once, like Slack's
    }
    if (!valid) {
        http::response<http::string_body> res{http::status::conflict, req.version()};
        res.body() = "ticket already used or unknown";
        res.prepare_payload();
        co_await http::async_write(stream, res, tuple_awaitable);
        co_return;
    }
    auto peer = std::make_shared<ws_peer_impl<Stream>>(std::move(stream));
    auto [aec] = co_await peer->ws.async_accept(req, tuple_awaitable);
    if (aec) co_return;
    int live = 0;
    {
        std::lock_guard lock(mu);
        peer->id = next_peer_id++;
        peers.push_back(peer);
        live = static_cast<int>(peers.size());
        cv.notify_all();
    }
    asio::co_spawn(ioc, peer->write_loop(), asio::detached);
    peer->send(json{{"type", "hello"},
                    {"num_connections", live},
                    {"debug_info", {{"host", "fake-slack"}, {"approximate_connection_time", 18060}}},
                    {"connection_info", {{"app_id", "A0001"}}}}
                   .dump(),
               false);
    if (live > opts.max_connections)
        peer->send(R"({"type":"disconnect","reason":"too_many_websockets"})", false);

    beast::flat_buffer buffer;
    for (;;) {
        auto [ec, n] = co_await peer->ws.async_read(buffer, tuple_awaitable);
        if (ec) {
            if (ec == websocket::error::closed) {
                // Not live once it said goodbye: a waiter for the close frame must not
                // still count (or send to) this connection.
                std::lock_guard lock(mu);
                peer->alive = false;
                ++close_frames;
                cv.notify_all();
            }
            break;
        }
        on_client_text(peer->id, beast::buffers_to_string(buffer.data()));
        buffer.consume(n);
    }
    peer->alive = false;
    peer->cv.cancel();
    peer_gone(peer->id);
}

void fake_slack::impl::on_client_text(int peer_id, const std::string& text) {
    json ack = json::parse(text, nullptr, false);
    std::lock_guard lock(mu);
    if (!ack.is_object() || !ack.contains("envelope_id")) return;
    recorded_ack r;
    r.envelope_id = ack.value("envelope_id", "");
    r.payload = ack.contains("payload") ? ack["payload"] : json();
    r.connection = peer_id;
    if (auto it = pending.find(r.envelope_id); it != pending.end()) {
        r.latency_ms = std::chrono::duration<double, std::milli>(steady::now() - it->second.sent).count();
        const auto& sent = it->second.payload;
        if (sent.is_object() && sent.contains("event_id") && sent["event_id"].is_string())
            r.event_id = sent["event_id"];
        pending.erase(it);
    }
    acks.push_back(std::move(r));
    if (ack_id_waiters > 0 || (!ack_count_goals.empty() && acks.size() >= *ack_count_goals.begin()))
        cv.notify_all();
}

void fake_slack::impl::peer_gone(int peer_id) {
    std::lock_guard lock(mu);
    std::erase_if(peers, [&](const auto& p) { return p->id == peer_id; });
    cv.notify_all();
}

std::shared_ptr<ws_peer> fake_slack::impl::pick(int conn) {
    std::vector<std::shared_ptr<ws_peer>> alive;
    for (auto& p : peers)
        if (p->alive) alive.push_back(p);
    if (alive.empty()) return nullptr;
    if (conn < 0) return alive[round_robin++ % alive.size()];
    return conn < static_cast<int>(alive.size()) ? alive[conn] : nullptr;
}

fake_slack::prepared_envelope fake_slack::impl::prepare_locked(const std::string& type, json payload, int retry) {
    prepared_envelope e{new_id(++id_counter), type, {}, {}, retry};
    json env = {{"type", type},
                {"envelope_id", e.id},
                {"payload", std::move(payload)},
                {"accepts_response_payload", type != "events_api"}};
    if (type == "events_api") {
        env["retry_attempt"] = retry;
        env["retry_reason"] = retry ? "timeout" : "";
    }
    e.text = env.dump();
    e.payload = std::move(env["payload"]);
    return e;
}

void fake_slack::impl::send_locked(prepared_envelope e, int conn) {
    auto peer = pick(conn);
    pending[e.id] = {e.type, std::move(e.payload), e.retry_attempt, steady::now()};
    if (peer)
        asio::post(ioc, [peer, text = std::move(e.text)]() mutable { peer->send(std::move(text), false); });
}

asio::awaitable<void> fake_slack::impl::redeliver_loop() {
    asio::steady_timer timer(ioc);
    for (;;) {
        timer.expires_after(std::chrono::milliseconds(20));
        auto [ec] = co_await timer.async_wait(tuple_awaitable);
        if (ec) co_return;
        std::lock_guard lock(mu);
        const auto now = steady::now();
        std::vector<std::string> due;
        for (auto& [id, p] : pending)
            if (p.type == "events_api" && now - p.sent >= opts.redeliver_after) due.push_back(id);
        std::sort(due.begin(), due.end());  // ids are fixed-width: redeliver in send order
        for (const auto& id : due) {
            auto p = std::move(pending[id]);
            pending.erase(id);
            // Slack gives up after the third retry; slash commands are never retried.
            if (p.retry_attempt >= 3) continue;
            send_locked(prepare_locked(p.type, std::move(p.payload), p.retry_attempt + 1), -1);
        }
    }
}

http::response<http::string_body> fake_slack::impl::handle_api(const http::request<http::string_body>& req) {
    http::response<http::string_body> res{http::status::ok, req.version()};
    res.keep_alive(req.keep_alive());
    res.set(http::field::content_type, "application/json; charset=utf-8");
    std::string_view target = req.target();
    const std::string path(target.substr(0, target.find('?')));
    if (!path.starts_with("/api/")) {
        res.result(http::status::not_found);
        res.body() = R"({"ok":false,"error":"unknown_method"})";
        res.prepare_payload();
        return res;
    }
    recorded_request r;
    r.method = path.substr(5);
    r.verb = std::string(req.method_string());
    r.authorization = std::string(req[http::field::authorization]);
    r.content_type = std::string(req[http::field::content_type]);
    r.args = json::object();
    if (auto q = target.find('?'); q != std::string_view::npos) merge_form(r.args, target.substr(q + 1));
    if (r.content_type.starts_with("application/json")) {
        json body = json::parse(req.body(), nullptr, false);
        if (body.is_object()) r.args.update(body);
    } else if (r.content_type.starts_with("application/x-www-form-urlencoded")) {
        merge_form(r.args, req.body());
    }

    method_handler handler;
    std::optional<failure> fail;
    {
        std::lock_guard lock(mu);
        requests.push_back(r);
        cv.notify_all();
        if (auto it = failures.find(r.method); it != failures.end() && !it->second.empty()) {
            fail = it->second.front();
            it->second.pop_front();
        }
        if (auto it = handlers.find(r.method); it != handlers.end()) handler = it->second;
    }
    auto reply = [&](json body) {
        res.body() = body.dump();
        res.prepare_payload();
        return res;
    };
    if (fail) {
        res.result(static_cast<http::status>(fail->status));
        if (fail->retry_after >= 0) res.set(http::field::retry_after, std::to_string(fail->retry_after));
        return reply(fail->status == 429 ? json{{"ok", false}, {"error", "ratelimited"}}
                                         : json{{"ok", false}, {"error", "fake_upstream_failure"}});
    }
    const std::string bearer_app = "Bearer " + opts.app_token;
    const std::string bearer_bot = "Bearer " + opts.bot_token;
    if (r.authorization.empty()) return reply({{"ok", false}, {"error", "not_authed"}});
    if (r.method == "apps.connections.open") {
        if (r.authorization == bearer_bot) return reply({{"ok", false}, {"error", "not_allowed_token_type"}});
        if (r.authorization != bearer_app) return reply({{"ok", false}, {"error", "invalid_auth"}});
        std::lock_guard lock(mu);
        const std::string ticket = new_id(++id_counter);
        tickets.insert(ticket);
        ++open_count;
        return reply({{"ok", true},
                      {"url",
                       (opts.socket_scheme.empty() ? std::string(opts.tls ? "wss" : "ws")
                                                   : opts.socket_scheme) +
                           "://127.0.0.1:" + std::to_string(proxy_port) +
                           "/link/?ticket=" + ticket + "&app_id=A0001"}});
    }
    if (r.authorization != bearer_bot) return reply({{"ok", false}, {"error", "invalid_auth"}});
    if (handler) return reply(handler(r));
    if (auto refused = check_blocks(r)) return reply(*refused);
    if (r.method == "auth.test") {
        // Slack's answer for a bot token (https://api.slack.com/methods/auth.test): the bot
        // reads user_id to never nudge itself; Bolt reads user_id and bot_id to ignore its own
        // messages (bench/bolt-baseline).
        return reply({{"ok", true},
                      {"url", "https://fake-slack.invalid/"},
                      {"team", "Fake Slack"},
                      {"user", "incident-bot"},
                      {"team_id", "T111"},
                      {"user_id", "U0BOT"},
                      {"bot_id", "B0INCBOT"},
                      {"is_enterprise_install", false}});
    }
    if (r.method == "chat.postMessage") {
        // As Slack answers: where the message went and its ts, unique per fake.
        std::lock_guard lock(mu);
        const auto n = ++id_counter;
        return reply({{"ok", true},
                      {"channel", r.args.value("channel", "")},
                      {"ts", "1795100000." + std::to_string(100000 + n)}});
    }
    return reply({{"ok", true}});
}

fake_slack::fake_slack(fake_slack_options opts) : impl_(std::make_shared<impl>(std::move(opts))) {
    impl_->start();
}

fake_slack::~fake_slack() {
    impl_->ioc.stop();
    if (impl_->thread.joinable()) impl_->thread.join();
    if (!impl_->ca_path.empty()) std::remove(impl_->ca_path.c_str());
}

std::string fake_slack::api_url() const {
    return std::string(impl_->opts.tls ? "https" : "http") + "://127.0.0.1:" +
           std::to_string(impl_->port) + "/api/";
}

std::string fake_slack::ca_file() const { return impl_->ca_path; }

void fake_slack::on(const std::string& method, method_handler h) {
    std::lock_guard lock(impl_->mu);
    impl_->handlers[method] = std::move(h);
}

void fake_slack::fail_next(const std::string& method, int status, int count, int retry_after_s) {
    std::lock_guard lock(impl_->mu);
    for (int i = 0; i < count; ++i) impl_->failures[method].push_back({status, retry_after_s});
}

std::vector<recorded_request> fake_slack::requests(const std::string& method) const {
    std::lock_guard lock(impl_->mu);
    std::vector<recorded_request> out;
    for (const auto& r : impl_->requests)
        if (method.empty() || r.method == method) out.push_back(r);
    return out;
}

bool fake_slack::wait_for_requests(const std::string& method, std::size_t n, milliseconds timeout) const {
    std::unique_lock lock(impl_->mu);
    return impl_->cv.wait_for(lock, timeout, [&] {
        return static_cast<std::size_t>(std::ranges::count_if(
                   impl_->requests, [&](const auto& r) { return r.method == method; })) >= n;
    });
}

int fake_slack::live_connections() const {
    std::lock_guard lock(impl_->mu);
    return static_cast<int>(std::ranges::count_if(impl_->peers, [](const auto& p) { return p->alive.load(); }));
}

std::size_t fake_slack::tcp_accepts() const {
    std::lock_guard lock(impl_->mu);
    return impl_->accept_times.size();
}

std::vector<std::chrono::steady_clock::time_point> fake_slack::tcp_accept_times() const {
    std::lock_guard lock(impl_->mu);
    return impl_->accept_times;
}

bool fake_slack::wait_for_tcp_accepts(std::size_t n, milliseconds timeout) const {
    std::unique_lock lock(impl_->mu);
    return impl_->cv.wait_for(lock, timeout, [&] { return impl_->accept_times.size() >= n; });
}

std::size_t fake_slack::opens() const {
    std::lock_guard lock(impl_->mu);
    return impl_->open_count;
}

bool fake_slack::wait_for_connections(int n, milliseconds timeout) const {
    std::unique_lock lock(impl_->mu);
    return impl_->cv.wait_for(lock, timeout, [&] {
        return std::ranges::count_if(impl_->peers, [](const auto& p) { return p->alive.load(); }) >= n;
    });
}

std::string fake_slack::send_envelope(const std::string& type, json payload, int conn, int retry_attempt) {
    std::lock_guard lock(impl_->mu);
    auto e = impl_->prepare_locked(type, std::move(payload), retry_attempt);
    auto id = e.id;
    impl_->send_locked(std::move(e), conn);
    return id;
}

fake_slack::prepared_envelope fake_slack::prepare_envelope(const std::string& type, json payload) {
    std::lock_guard lock(impl_->mu);
    return impl_->prepare_locked(type, std::move(payload), 0);
}

void fake_slack::send_prepared(prepared_envelope e, int conn) {
    std::lock_guard lock(impl_->mu);
    impl_->send_locked(std::move(e), conn);
}

void fake_slack::send_raw(const std::string& data, bool binary, int conn) {
    std::lock_guard lock(impl_->mu);
    if (auto peer = impl_->pick(conn))
        asio::post(impl_->ioc, [peer, data, binary] { peer->send(data, binary); });
}

void fake_slack::send_disconnect(const std::string& reason, int conn) {
    send_raw(json{{"type", "disconnect"}, {"reason", reason}, {"debug_info", {{"host", "fake-slack"}}}}.dump(),
             false,
             conn);
}

void fake_slack::drop(int conn) {
    std::lock_guard lock(impl_->mu);
    if (auto peer = impl_->pick(conn)) asio::post(impl_->ioc, [peer] { peer->drop(); });
}

void fake_slack::blackhole() {
    std::lock_guard lock(impl_->mu);
    for (auto& weak : impl_->links)
        if (auto link = weak.lock()) link->muted = true;
    // The muted links' peers no longer count as live: nothing reaches them.
    for (auto& p : impl_->peers) p->alive = false;
    impl_->peers.clear();
}

std::vector<recorded_ack> fake_slack::acks() const {
    std::lock_guard lock(impl_->mu);
    return impl_->acks;
}

bool fake_slack::wait_for_acks(std::size_t n, milliseconds timeout) const {
    std::unique_lock lock(impl_->mu);
    const auto goal = impl_->ack_count_goals.insert(n);
    const bool reached = impl_->cv.wait_for(lock, timeout, [&] { return impl_->acks.size() >= n; });
    impl_->ack_count_goals.erase(goal);
    return reached;
}

std::optional<recorded_ack> fake_slack::wait_for_ack(const std::string& envelope_id, milliseconds timeout) const {
    std::unique_lock lock(impl_->mu);
    std::optional<recorded_ack> found;
    ++impl_->ack_id_waiters;
    impl_->cv.wait_for(lock, timeout, [&] {
        for (const auto& a : impl_->acks)
            if (a.envelope_id == envelope_id) found = a;
        return found.has_value();
    });
    --impl_->ack_id_waiters;
    return found;
}

std::size_t fake_slack::unacked() const {
    std::lock_guard lock(impl_->mu);
    return impl_->pending.size();
}

std::size_t fake_slack::close_frames() const {
    std::lock_guard lock(impl_->mu);
    return impl_->close_frames;
}

bool fake_slack::wait_for_close_frames(std::size_t n, milliseconds timeout) const {
    std::unique_lock lock(impl_->mu);
    return impl_->cv.wait_for(lock, timeout, [&] { return impl_->close_frames >= n; });
}

}  // namespace incident_bot::demo
