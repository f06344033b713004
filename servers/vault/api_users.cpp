// Routes for sessions, users and superadmins: a user lists and ends their own sessions (one, or
// all of them: "log out everywhere"); superadmins list users, disable and re-enable them (which
// ends their sessions), list and end anyone's sessions, and make or unmake other superadmins.
// Coldrune has none of these; they are what offboarding someone needs.
#include "vault/api.hpp"
#include "vault/api_caller.hpp"
#include "vault/api_fields.hpp"
#include "vault/api_routes.hpp"

namespace cairn::vault {

namespace {

using internal::body_of;
using internal::Caller;
using internal::format_time;
using internal::require_superadmin;
using nlohmann::json;

json session_json(const auth::Session& s, std::string_view current_id) {
  return {{"id", s.id},
          {"created_at", format_time(s.created_at)},
          {"last_seen_at", format_time(s.last_seen)},
          {"expires_at", format_time(s.expires_at)},
          {"ip", s.ip},
          {"user_agent", s.user_agent},
          {"current", s.id == current_id}};
}

Status sessions_of(VaultContext& ctx, std::string_view user_id, std::string_view current_id,
                   net::Response& res) {
  CAIRN_ASSIGN_OR_RETURN(std::vector<auth::Session> sessions, ctx.engine.auth().sessions(user_id));
  json out = json::array();
  for (const auto& s : sessions) out.push_back(session_json(s, current_id));
  net::json(res, {{"sessions", out}});
  return ok_status();
}

// The signed-in user behind the request's session. Errors: VAULT_NOT_A_SESSION (service
// accounts have no sessions); those of validate_session.
Result<auth::Session> own_session(VaultContext& ctx, const net::Request& req,
                                  const Caller& caller) {
  std::string_view token = internal::bearer_token(req);
  if (caller.service_account() || token.empty()) {
    return fail(ErrorCode::kInvalidArgument, "VAULT_NOT_A_SESSION",
                "only a signed-in user has sessions; service accounts are revoked instead");
  }
  return ctx.engine.auth().validate_session(token);
}

// The user named by the {email} of a superadmin route.
Result<auth::User> named_user(VaultContext& ctx, const net::Request& req) {
  CAIRN_ASSIGN_OR_RETURN(std::string email, auth::normalize_email(req.param("email")));
  return ctx.engine.auth().user_by_email(email);
}

std::string_view status_word(auth::UserStatus status) {
  return status == auth::UserStatus::kActive ? "active" : "disabled";
}

using Route = Status (*)(VaultContext&, const net::Request&, net::Response&, const Caller&);

Status list_own_sessions(VaultContext& ctx, const net::Request& req, net::Response& res,
                         const Caller& caller) {
  CAIRN_ASSIGN_OR_RETURN(auth::Session current, own_session(ctx, req, caller));
  return sessions_of(ctx, current.user_id, current.id, res);
}

Status revoke_own_session(VaultContext& ctx, const net::Request& req, net::Response& res,
                          const Caller& caller) {
  CAIRN_ASSIGN_OR_RETURN(auth::Session current, own_session(ctx, req, caller));
  CAIRN_TRY(ctx.engine.auth().revoke_session_id(current.user_id, req.param("id")));
  res.status = 204;
  return ok_status();
}

Status revoke_own_sessions(VaultContext& ctx, const net::Request& req, net::Response& res,
                           const Caller& caller) {
  CAIRN_ASSIGN_OR_RETURN(auth::Session current, own_session(ctx, req, caller));
  CAIRN_ASSIGN_OR_RETURN(int64_t n, ctx.engine.auth().revoke_all_sessions(current.user_id));
  net::json(res, {{"revoked", n}});
  return ok_status();
}

Status list_users(VaultContext& ctx, const net::Request& /*req*/, net::Response& res,
                  const Caller& caller) {
  CAIRN_TRY(require_superadmin(ctx, caller));
  CAIRN_ASSIGN_OR_RETURN(std::vector<auth::User> users, ctx.engine.auth().users());
  json out = json::array();
  for (const auto& u : users) {
    CAIRN_ASSIGN_OR_RETURN(bool super, ctx.secrets.is_superadmin(u.email));
    out.push_back({{"email", u.email},
                   {"user_id", u.id},
                   {"status", status_word(u.status)},
                   {"superadmin", super},
                   {"created_at", format_time(u.created_at)}});
  }
  net::json(res, {{"users", out}});
  return ok_status();
}

Status set_user_disabled(VaultContext& ctx, const net::Request& req, net::Response& res,
                         const Caller& caller) {
  CAIRN_TRY(require_superadmin(ctx, caller));
  CAIRN_ASSIGN_OR_RETURN(json body, body_of(req));
  auto it = body.find("disabled");
  if (it == body.end() || !it->is_boolean()) {
    return fail(ErrorCode::kInvalidArgument, "VAULT_FIELD_INVALID",
                "field \"disabled\" must be true or false");
  }
  CAIRN_ASSIGN_OR_RETURN(auth::User user, named_user(ctx, req));
  if (user.email == caller.actor && it->get<bool>()) {
    return fail(ErrorCode::kFailedPrecondition, "VAULT_CANNOT_DISABLE_SELF",
                "you cannot disable yourself; ask another superadmin");
  }
  // Suspending also ends every session of the user (AuthService::set_status).
  auth::UserStatus status =
      it->get<bool>() ? auth::UserStatus::kSuspended : auth::UserStatus::kActive;
  CAIRN_TRY(ctx.engine.auth().set_status(user.id, status, caller.actor));
  net::json(res, {{"email", user.email}, {"status", status_word(status)}});
  return ok_status();
}

Status list_user_sessions(VaultContext& ctx, const net::Request& req, net::Response& res,
                          const Caller& caller) {
  CAIRN_TRY(require_superadmin(ctx, caller));
  CAIRN_ASSIGN_OR_RETURN(auth::User user, named_user(ctx, req));
  std::string current;
  if (auto own = ctx.engine.auth().validate_session(internal::bearer_token(req))) {
    current = own->id;
  }
  return sessions_of(ctx, user.id, current, res);
}

Status revoke_user_sessions(VaultContext& ctx, const net::Request& req, net::Response& res,
                            const Caller& caller) {
  CAIRN_TRY(require_superadmin(ctx, caller));
  CAIRN_ASSIGN_OR_RETURN(auth::User user, named_user(ctx, req));
  CAIRN_ASSIGN_OR_RETURN(int64_t n, ctx.engine.auth().revoke_all_sessions(user.id));
  net::json(res, {{"revoked", n}});
  return ok_status();
}

Status revoke_user_session(VaultContext& ctx, const net::Request& req, net::Response& res,
                           const Caller& caller) {
  CAIRN_TRY(require_superadmin(ctx, caller));
  CAIRN_ASSIGN_OR_RETURN(auth::User user, named_user(ctx, req));
  CAIRN_TRY(ctx.engine.auth().revoke_session_id(user.id, req.param("id")));
  res.status = 204;
  return ok_status();
}

Status grant_superadmin(VaultContext& ctx, const net::Request& req, net::Response& res,
                        const Caller& caller) {
  CAIRN_TRY(require_superadmin(ctx, caller));  // service accounts never are
  CAIRN_ASSIGN_OR_RETURN(std::string email, auth::normalize_email(req.param("email")));
  CAIRN_TRY(ctx.secrets.grant_superadmin(email, caller.actor));
  net::json(res, {{"email", email}, {"superadmin", true}});
  return ok_status();
}

Status revoke_superadmin(VaultContext& ctx, const net::Request& req, net::Response& res,
                         const Caller& caller) {
  CAIRN_TRY(require_superadmin(ctx, caller));
  CAIRN_ASSIGN_OR_RETURN(std::string email, auth::normalize_email(req.param("email")));
  if (email == ctx.admin_email) {
    // Configured admins are made superadmin again at every start: removing the role here would
    // only look like it worked.
    return fail(ErrorCode::kFailedPrecondition, "VAULT_SUPERADMIN_CONFIGURED",
                "this superadmin is CAIRN_VAULT_ADMIN_EMAIL: change the server's configuration "
                "instead");
  }
  CAIRN_TRY(ctx.secrets.revoke_superadmin(email, caller.actor));
  res.status = 204;
  return ok_status();
}

}  // namespace

void internal::add_user_routes(net::Router& router, VaultContext& ctx, Status& status) {
  auto add = [&](std::string_view method, std::string_view pattern, Route route) {
    if (!status) return;
    status = router.add(
        method, pattern,
        with_caller([&ctx, route](const net::Request& req, net::Response& res,
                                  const Caller& c) -> Status { return route(ctx, req, res, c); }));
  };
  add("GET", "/api/auth/sessions", list_own_sessions);
  add("DELETE", "/api/auth/sessions", revoke_own_sessions);
  add("DELETE", "/api/auth/sessions/{id}", revoke_own_session);
  add("GET", "/api/users", list_users);
  add("PATCH", "/api/users/{email}", set_user_disabled);
  add("GET", "/api/users/{email}/sessions", list_user_sessions);
  add("DELETE", "/api/users/{email}/sessions", revoke_user_sessions);
  add("DELETE", "/api/users/{email}/sessions/{id}", revoke_user_session);
  add("PUT", "/api/superadmins/{email}", grant_superadmin);
  add("DELETE", "/api/superadmins/{email}", revoke_superadmin);
}

}  // namespace cairn::vault
