// Who is calling cairn-vault: the caller resolve_caller() found (a user or a service account,
// as a secrets::Subject), and the handler wrappers that need one.
//
// Thread-safety: pure functions; the wrappers' handlers run on many server threads at once.
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "cairn/net/http.hpp"
#include "cairn/net/router.hpp"
#include "cairn/secrets/subject.hpp"
#include "vault/api.hpp"

namespace cairn::vault::internal {

// The authenticated caller of a request.
struct Caller {
  // A user (by email) or a service account bound to its organization.
  secrets::Subject subject;
  // What the secrets service is called with: subject.to_string(). The secrets service keeps a
  // service account inside its organization and project itself (secrets/subject.hpp).
  std::string actor;
  bool service_account() const noexcept { return subject.is_service_account(); }
};

// The caller resolve_caller() found. Errors: UNAUTHENTICATED / AUTH_CREDENTIALS_MISSING.
Result<Caller> caller_of(const net::Request& req);

// A handler that needs a caller; an error it returns becomes the error response.
using CallerHandler = std::function<Status(const net::Request&, net::Response&, const Caller&)>;
net::Handler with_caller(CallerHandler handler);

// The bearer token of the request, or "".
std::string_view bearer_token(const net::Request& req);
// OK for a superadmin. Errors: PERMISSION_DENIED / VAULT_SUPERADMIN_REQUIRED.
Status require_superadmin(VaultContext& ctx, const Caller& caller);

}  // namespace cairn::vault::internal
