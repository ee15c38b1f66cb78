// Awaiting work on the store's writer thread from a coroutine on the network thread.
#pragma once

#include <exception>
#include <memory>
#include <optional>
#include <stdexcept>
#include <type_traits>

#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "incident_bot/store/store_executor.hpp"

namespace incident_bot {

/// Runs `fn(store&)` on `executor`'s writer thread (ordered with the events queued before it)
/// and resumes the awaiting coroutine on its own executor with the result; what `fn` throws
/// is rethrown there. Throws std::runtime_error when the executor is stopping.
template <class F, class R = std::invoke_result_t<F&, store&>>
boost::asio::awaitable<R> async_submit(store_executor& executor, F fn) {
    namespace asio = boost::asio;
    auto initiate = [&executor, &fn](auto handler) {
        using handler_t = decltype(handler);
        // The executor's jobs are copyable std::functions; the handler is move-only.
        auto shared = std::make_shared<handler_t>(std::move(handler));
        const bool queued = executor.post([shared, fn = std::move(fn)](store& s) mutable {
            std::exception_ptr error;
            std::optional<R> result;
            try {
                result.emplace(fn(s));
            } catch (...) {
                error = std::current_exception();
            }
            auto ex = asio::get_associated_executor(*shared);
            asio::dispatch(ex, [shared, error, result = std::move(result)]() mutable {
                (*shared)(error, result ? std::move(*result) : R{});
            });
        });
        if (!queued) {
            auto ex = asio::get_associated_executor(*shared);
            asio::dispatch(ex, [shared] {
                (*shared)(std::make_exception_ptr(std::runtime_error("the store is stopping")),
                          R{});
            });
        }
    };
    co_return co_await asio::async_initiate<decltype(asio::use_awaitable),
                                            void(std::exception_ptr, R)>(initiate,
                                                                         asio::use_awaitable);
}

}  // namespace incident_bot
