// Shared by the fuzzers: the input as text, a logger that drops its lines (at debug, so log
// formatting is exercised too), and an in-memory store with a fixed clock and a few open
// incidents. Fuzzers run each input inside a transaction that is rolled back, so inputs do
// not see each other's writes and every crash reproduces from its input alone.
#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "incident_bot/log.hpp"
#include "incident_bot/store/store.hpp"

namespace incident_bot::fuzz {

inline std::string_view as_text(const std::uint8_t* data, std::size_t size) {
    return {reinterpret_cast<const char*>(data), size};
}

/// A harness's own check: throws, which the fuzzer reports as a crash and the regression
/// test as a failure (a plain assert would end the whole test binary).
inline void require(bool ok, const char* what) {
    if (!ok) throw std::logic_error(std::string("fuzz check failed: ") + what);
}

/// "Now" for every fuzzer: 2026-11-02 14:00 UTC, the day of the sample incidents.
inline std::chrono::system_clock::time_point fixed_now() {
    return std::chrono::sys_days{std::chrono::year{2026} / 11 / 2} + std::chrono::hours{14};
}

/// The store's clock: fixed_now() unless a fuzzer moves it (slash_command does, per input).
inline std::chrono::system_clock::time_point& store_now() {
    static std::chrono::system_clock::time_point now = fixed_now();
    return now;
}

/// True when `text` is well-formed UTF-8 (what nlohmann accepts in a JSON string).
inline bool valid_utf8(std::string_view text) {
    try {
        (void)nlohmann::json(std::string(text)).dump();
        return true;
    } catch (const nlohmann::json::type_error&) {
        return false;
    }
}

inline const logger& quiet_log() {
    static const logger log(log_level::debug, log_format::text, [](std::string_view) {});
    return log;
}

/// Channels of the checked-in Slack fixtures; each has an open incident in `shared_store`.
inline constexpr std::array<const char*, 4> watched_channels{
    "C111", "C123ABC456", "C0LAN2Q65", "G024BE91L"};

/// One in-memory store per fuzzer process, created on first use.
inline store& shared_store() {
    static store s = [] {
        store_options o;
        o.sync_every_commit = false;
        o.clock = [] { return store_now(); };
        return store(":memory:", open_mode::read_write, o);
    }();
    static const bool seeded = [] {
        for (const char* channel : watched_channels) {
            new_incident n;
            n.title = std::string("Checkout errors in ") + channel;
            n.severity = 2;
            n.channel = channel;
            s.create_incident(n);
        }
        return true;
    }();
    (void)seeded;
    return s;
}

}  // namespace incident_bot::fuzz
