// The caller of a request: resolve_caller() turns credentials into Request::subject (a
// secrets::Subject in text), caller_of() reads it back.
#include "vault/api_caller.hpp"

namespace cairn::vault {

namespace internal {

Result<Caller> caller_of(const net::Request& req) {
  if (req.subject.empty()) {
    return fail(ErrorCode::kUnauthenticated, "AUTH_CREDENTIALS_MISSING",
                "sign in (Authorization: Bearer <token>) or send X-API-Key: cr_sa_...");
  }
  CAIRN_ASSIGN_OR_RETURN(secrets::Subject subject, secrets::Subject::parse(req.subject));
  std::string actor = subject.to_string();
  return Caller{std::move(subject), std::move(actor)};
}

net::Handler with_caller(CallerHandler handler) {
  return [handler = std::move(handler)](const net::Request& req, net::Response& res) {
    auto caller = caller_of(req);
    if (!caller) {
      res.error(caller.error());
      res.headers.set("WWW-Authenticate", "Bearer");
      return;
    }
    if (Status s = handler(req, res, *caller); !s) res.error(s.error());
  };
}

Status require_superadmin(VaultContext& ctx, const Caller& caller) {
  if (!caller.service_account()) {
    CAIRN_ASSIGN_OR_RETURN(bool super, ctx.secrets.is_superadmin(caller.actor));
    if (super) return ok_status();
  }
  return fail(ErrorCode::kPermissionDenied, "VAULT_SUPERADMIN_REQUIRED",
              "only a superadmin may do this");
}

std::string_view bearer_token(const net::Request& req) {
  auto header = req.header("Authorization");
  if (!header || header->size() < 7 || !net::iequals(header->substr(0, 7), "Bearer ")) return {};
  return header->substr(7);
}

}  // namespace internal

using internal::bearer_token;

net::Middleware resolve_caller(VaultContext& ctx) {
  return [&ctx](net::Request& req, net::Response& res) {
    req.subject.clear();
    auto refuse = [&res](const Error& e) {
      res.error(e);
      res.headers.set("WWW-Authenticate", "Bearer");
      return false;
    };
    if (auto key = req.header("X-API-Key")) {
      auto account = ctx.secrets.authenticate_api_key(*key);
      if (!account) return refuse(account.error());
      req.subject = account->actor().to_string();
      return true;
    }
    if (req.header("Authorization")) {
      std::string_view token = bearer_token(req);
      if (token.empty()) {
        return refuse({ErrorCode::kUnauthenticated, "AUTH_TOKEN_INVALID",
                       "the Authorization header must be Bearer <token>"});
      }
      auto session = ctx.engine.auth().validate_session(token);
      if (!session) return refuse(session.error());
      auto user = ctx.engine.auth().user(session->user_id);
      if (!user) return refuse(user.error());
      req.subject = user->email;
    }
    return true;
  };
}

}  // namespace cairn::vault
