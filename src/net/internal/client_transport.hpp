// How HttpClient reaches its server: a byte stream over TCP, TLS over TCP, or a unix-domain
// socket, opened and driven on the client's private io_context with every step bounded by a
// deadline. Private to the client.
#pragma once

#include <asio.hpp>
#include <asio/ssl.hpp>
#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string_view>

#include "cairn/core/result.hpp"
#include "cairn/net/client.hpp"
#include "net/internal/client_url.hpp"

namespace cairn::net::internal {

using Clock = std::chrono::steady_clock;
using IoHandler = std::function<void(const asio::error_code&, std::size_t)>;

// One open connection, whatever carries it. Its operations complete on the io_context it was
// opened on.
class Transport {
 public:
  virtual ~Transport() = default;
  virtual void async_write(asio::const_buffer data, IoHandler handler) = 0;
  virtual void async_read_some(asio::mutable_buffer data, IoHandler handler) = 0;
  // Closes the socket; a pending operation completes with operation_aborted.
  virtual void close() noexcept = 0;
  // Cancels a pending operation (it completes with operation_aborted); the connection stays open.
  virtual void cancel() noexcept = 0;
  virtual int native_handle() = 0;
};

// Runs `io` until `done` is set or `deadline` passes. At the deadline calls `cancel` (which closes
// whatever the pending operation uses) and runs `io` until that operation has completed, so no
// handler is left pointing into the caller's stack. Returns whether `done` was reached in time.
bool run_until(asio::io_context& io, const bool& done, Clock::time_point deadline,
               const std::function<void()>& cancel);

// DEADLINE_EXCEEDED / NET_TIMEOUT: "<what> took longer than <limit> ms".
Unexpected<Error> timed_out(std::string_view what, std::chrono::milliseconds limit);

// The TLS client context for `options`: TLS 1.2 or later, peer verification against
// options.ca_file (or the system's store) unless options.verify_peer is false, and the client
// certificate and key of options.certificate_file / private_key_file when given.
// Errors: INVALID_ARGUMENT / NET_TLS_CONFIG_INVALID.
[[nodiscard]] Result<std::unique_ptr<asio::ssl::context>> make_tls_context(
    const ClientOptions& options);

// Opens a connection to `url` on `io` by `deadline`: resolves a host name (an IP literal needs no
// resolver), connects, and for https:// performs the handshake with `tls` (SNI for names, the
// certificate checked against the host name or IP address). `tls` is used only for https:// and
// must then outlive the transport. Errors: UNAVAILABLE / NET_CONNECT_FAILED, NET_TLS_FAILED;
// DEADLINE_EXCEEDED / NET_TIMEOUT (reported against options.connect_timeout).
[[nodiscard]] Result<std::unique_ptr<Transport>> open_transport(asio::io_context& io,
                                                                asio::ssl::context* tls,
                                                                const Url& url,
                                                                const ClientOptions& options,
                                                                Clock::time_point deadline);

// Whether a kept connection can carry another request, checked without blocking (see the .cpp).
[[nodiscard]] bool still_open(asio::io_context& io, Transport& transport, bool tls);

}  // namespace cairn::net::internal
