// Routes for signing in with an emailed code, signing out, and who the caller is; and the
// superadmin claim of a first sign-in.
#include "cairn/auth/email.hpp"
#include "cairn/crypto/secure.hpp"
#include "cairn/secrets/subject.hpp"
#include "vault/api.hpp"
#include "vault/api_caller.hpp"
#include "vault/api_fields.hpp"
#include "vault/api_routes.hpp"
#include "vault/login_mail.hpp"

namespace cairn::vault {

namespace {

using internal::bearer_token;
using internal::body_of;
using internal::Caller;
using internal::format_time;
using internal::string_field;
using nlohmann::json;

// ---- Sign-in

// The "email" of a sign-in request, normalized (and refused when malformed) before anything is
// counted or looked up.
Result<std::string> sign_in_email(const json& body) {
  CAIRN_ASSIGN_OR_RETURN(std::string raw_email, string_field(body, "email"));
  CAIRN_ASSIGN_OR_RETURN(std::string email, auth::normalize_email(raw_email));
  if (!secrets::Subject::user(email)) {
    // The address has the form of a service account (secrets/subject.hpp): no person signs in so.
    return fail(ErrorCode::kInvalidArgument, "AUTH_EMAIL_INVALID",
                "this address cannot name a user: it has the form of a service account (sa:...)");
  }
  return email;
}

Status login(VaultContext& ctx, const net::Request& req, net::Response& res) {
  CAIRN_ASSIGN_OR_RETURN(json body, body_of(req));
  CAIRN_ASSIGN_OR_RETURN(std::string email, sign_in_email(body));
  CAIRN_ASSIGN_OR_RETURN(std::string code,
                         ctx.engine.auth().request_login_code(email, internal::request_info(req)));
  // The mail leaves from the job queue, never from this I/O thread: a relay that hangs stalls a
  // mail worker, not the server.
  Status queued = queue_login_mail(ctx, email, code);
  crypto::secure_wipe({reinterpret_cast<uint8_t*>(code.data()), code.size()});
  CAIRN_TRY(queued);
  net::json(res, {{"message", "a sign-in code was sent to " + email}});
  return ok_status();
}

Status verify(VaultContext& ctx, const net::Request& req, net::Response& res) {
  CAIRN_ASSIGN_OR_RETURN(json body, body_of(req));
  CAIRN_ASSIGN_OR_RETURN(std::string email, sign_in_email(body));
  CAIRN_ASSIGN_OR_RETURN(std::string code, string_field(body, "code"));
  CAIRN_ASSIGN_OR_RETURN(auth::NewSession session, ctx.engine.auth().verify_login_code(
                                                       email, code, internal::request_info(req)));
  CAIRN_ASSIGN_OR_RETURN(auth::User user, ctx.engine.auth().user(session.session.user_id));
  CAIRN_ASSIGN_OR_RETURN(bool super, claim_superadmin(ctx, user.email));
  net::json(res, {{"token", session.token},
                  {"email", user.email},
                  {"superadmin", super},
                  {"expires_at", format_time(session.session.expires_at)}});
  return ok_status();
}

Status logout(VaultContext& ctx, const net::Request& req, net::Response& res,
              const Caller& caller) {
  std::string_view token = bearer_token(req);
  if (caller.service_account() || token.empty()) {
    return fail(ErrorCode::kInvalidArgument, "VAULT_NOT_A_SESSION",
                "only a session signs out; revoke a service account instead");
  }
  CAIRN_TRY(ctx.engine.auth().revoke_session(token));
  res.status = 204;
  return ok_status();
}

Status me(VaultContext& ctx, const net::Request& req, net::Response& res, const Caller& caller) {
  if (caller.service_account()) {
    json out = {{"type", "service_account"},
                {"name", caller.subject.name()},
                {"org_id", caller.subject.org_id()}};
    net::json(res, out);
    return ok_status();
  }
  CAIRN_ASSIGN_OR_RETURN(auth::Session session,
                         ctx.engine.auth().validate_session(bearer_token(req)));
  CAIRN_ASSIGN_OR_RETURN(bool super, ctx.secrets.is_superadmin(caller.actor));
  CAIRN_ASSIGN_OR_RETURN(auto orgs, ctx.secrets.orgs(caller.actor));
  json org_names = json::array();
  for (const auto& o : orgs) org_names.push_back(o.name);
  net::json(res,
            {{"type", "user"},
             {"email", caller.actor},
             {"user_id", session.user_id},
             {"superadmin", super},
             {"orgs", org_names},
             {"session", {{"id", session.id}, {"expires_at", format_time(session.expires_at)}}}});
  return ok_status();
}

}  // namespace

Result<bool> claim_superadmin(VaultContext& ctx, std::string_view email) {
  if (!ctx.admin_email.empty()) {
    if (email != ctx.admin_email) return ctx.secrets.is_superadmin(email);
    CAIRN_ASSIGN_OR_RETURN(bool already, ctx.secrets.is_superadmin(email));
    if (!already) {
      // Also closes the first-sign-in claim for good (SecretsService::set_superadmin).
      CAIRN_TRY(ctx.secrets.set_superadmin(email));
      if (ctx.log) ctx.log(std::string(email) + " is superadmin (CAIRN_VAULT_ADMIN_EMAIL)");
    }
    return true;
  }
  // The engine decides atomically, once per database: never while a superadmin exists, and never
  // again after a configured admin or an earlier claim.
  CAIRN_ASSIGN_OR_RETURN(bool claimed, ctx.secrets.claim_first_superadmin(email));
  if (claimed && ctx.log) ctx.log(std::string(email) + " is superadmin (first sign-in)");
  return ctx.secrets.is_superadmin(email);
}

void internal::add_auth_routes(net::Router& router, VaultContext& ctx, Status& status) {
  auto add = [&](std::string_view method, std::string_view pattern, net::Handler h) {
    if (status) status = router.add(method, pattern, std::move(h));
  };
  auto plain = [&ctx](Status (*f)(VaultContext&, const net::Request&, net::Response&)) {
    return [&ctx, f](const net::Request& req, net::Response& res) {
      if (Status s = f(ctx, req, res); !s) res.error(s.error());
    };
  };
  add("POST", "/api/auth/login", plain(login));
  add("POST", "/api/auth/verify", plain(verify));
  add("DELETE", "/api/auth/logout",
      with_caller([&ctx](const net::Request& req, net::Response& res, const Caller& c) -> Status {
        return logout(ctx, req, res, c);
      }));
  add("GET", "/api/auth/me",
      with_caller([&ctx](const net::Request& req, net::Response& res, const Caller& c) -> Status {
        return me(ctx, req, res, c);
      }));
}

}  // namespace cairn::vault
