// The bytes of an HTTP/1.1 request as HttpClient sends it, checked before anything is sent.
// Private to the client.
#pragma once

#include <string>
#include <string_view>

#include "cairn/core/result.hpp"
#include "cairn/net/http.hpp"
#include "net/internal/client_url.hpp"

namespace cairn::net::internal {

// The request line, headers and body for `url`, with Host and User-Agent added unless `headers`
// has them and Content-Length computed (a Content-Length or Transfer-Encoding in `headers` is
// dropped). Errors: INVALID_ARGUMENT / NET_REQUEST_INVALID (a method or header name that is not
// an HTTP token, a target not starting with '/' (or "*" for OPTIONS) or holding spaces or control
// characters, a header value with CR, LF or NUL).
[[nodiscard]] Result<std::string> serialize_request(const Url& url, std::string_view method,
                                                    std::string_view target, const Headers& headers,
                                                    std::string_view body);

// Whether a request with `method` may be sent twice with the effect of once (RFC 9110 9.2.2).
[[nodiscard]] bool idempotent(std::string_view method);

}  // namespace cairn::net::internal
