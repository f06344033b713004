// Routes for sign-in, organizations and members, the audit log and backups, plus the caller
// middleware and the helpers in api_util.hpp. Secrets, projects, environments, ACL rules and
// service accounts are in api_secrets.cpp.
#include "vault/api.hpp"

#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <iterator>

#include "cairn/auth/email.hpp"
#include "cairn/core/encoding.hpp"
#include "cairn/crypto/secure.hpp"
#include "vault/api_util.hpp"
#include "vault/login_mail.hpp"

namespace cairn::vault {

namespace internal {

namespace {

Error field_error(std::string_view name, std::string_view what) {
  return {ErrorCode::kInvalidArgument, "VAULT_FIELD_INVALID",
          "field \"" + std::string(name) + "\" " + std::string(what)};
}

}  // namespace

Result<Caller> caller_of(const net::Request& req) {
  std::string_view subject = req.subject;
  Caller c;
  if (subject.starts_with("user:")) {
    c.actor = std::string(subject.substr(5));
    return c;
  }
  if (subject.starts_with("sa:")) {
    std::string_view rest = subject.substr(3);
    std::size_t colon = rest.find(':');
    c.service_account = true;
    c.org_id = std::string(rest.substr(0, colon));
    c.name = std::string(rest.substr(colon + 1));
    c.actor = "sa:" + c.name;
    return c;
  }
  return fail(ErrorCode::kUnauthenticated, "AUTH_CREDENTIALS_MISSING",
              "sign in (Authorization: Bearer <token>) or send X-API-Key: cr_sa_...");
}

Status check_org_scope(VaultContext& ctx, const Caller& caller, std::string_view org) {
  if (!caller.service_account) return ok_status();
  // Another organization looks exactly like a missing one: its name does not leak.
  auto o = ctx.secrets.org(org);
  if (!o && o.error().code != ErrorCode::kNotFound) return fail(o.error());  // storage trouble
  if (!o || o->id != caller.org_id) {
    return fail(ErrorCode::kNotFound, "SECRETS_ORG_NOT_FOUND", "no such organization");
  }
  return ok_status();
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

net::Handler in_org(VaultContext& ctx, CallerHandler handler) {
  return with_caller([&ctx, handler = std::move(handler)](const net::Request& req,
                                                          net::Response& res,
                                                          const Caller& caller) -> Status {
    CAIRN_TRY(check_org_scope(ctx, caller, req.param("org")));
    return handler(req, res, caller);
  });
}

Status require_superadmin(VaultContext& ctx, const Caller& caller) {
  if (!caller.service_account) {
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

Result<nlohmann::json> body_of(const net::Request& req) { return net::json_body(req); }

Result<std::string> string_field(const nlohmann::json& body, std::string_view name) {
  auto it = body.find(name);
  if (it == body.end()) return fail(field_error(name, "is required"));
  if (!it->is_string() || it->get_ref<const std::string&>().empty()) {
    return fail(field_error(name, "must be a non-empty string"));
  }
  return it->get<std::string>();
}

Result<std::string> optional_string_field(const nlohmann::json& body, std::string_view name) {
  auto it = body.find(name);
  if (it == body.end() || it->is_null()) return std::string();
  if (!it->is_string()) return fail(field_error(name, "must be a string"));
  return it->get<std::string>();
}

auth::RequestInfo request_info(const net::Request& req) {
  auth::RequestInfo info;
  // The client's address as the server decided it (trusted proxies included), never a header the
  // client wrote itself.
  if (req.client_address != "unix" && req.client_address != "unknown") {
    info.ip = req.client_address;
  }
  if (auto agent = req.header("User-Agent")) info.user_agent = std::string(agent->substr(0, 512));
  return info;
}

std::string format_time(Timestamp t) {
  auto micros = to_unix_micros(t);
  auto secs = std::chrono::floor<std::chrono::seconds>(t);
  auto day = std::chrono::floor<std::chrono::days>(secs);
  std::chrono::year_month_day ymd(day);
  std::chrono::hh_mm_ss hms(secs - day);
  int64_t fraction = micros - to_unix_micros(secs);
  char text[40];
  std::snprintf(text, sizeof text, "%04d-%02u-%02uT%02d:%02d:%02d.%06lldZ",
                static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                static_cast<unsigned>(ymd.day()), static_cast<int>(hms.hours().count()),
                static_cast<int>(hms.minutes().count()), static_cast<int>(hms.seconds().count()),
                static_cast<long long>(fraction));
  return text;
}

Result<Timestamp> parse_time(std::string_view text, std::string_view field) {
  int y = 0;
  unsigned mo = 0;
  unsigned d = 0;
  int h = 0;
  int mi = 0;
  int s = 0;
  int consumed = 0;
  // YYYY-MM-DDTHH:MM:SS exactly: sscanf alone would take signs and spaces.
  constexpr std::string_view kShape = "dddd-dd-ddTdd:dd:dd";
  bool shaped = text.size() > kShape.size();
  for (std::size_t i = 0; shaped && i < kShape.size(); ++i) {
    shaped = kShape[i] == 'd' ? (text[i] >= '0' && text[i] <= '9') : text[i] == kShape[i];
  }
  if (!shaped) return fail(field_error(field, "must be a time like 2026-11-22T10:15:00Z"));
  std::string copy(text);
  if (std::sscanf(copy.c_str(), "%4d-%2u-%2uT%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &s, &consumed) !=
          6 ||
      consumed != 19) {
    return fail(field_error(field, "must be a time like 2026-11-22T10:15:00Z"));
  }
  std::chrono::year_month_day ymd{std::chrono::year(y), std::chrono::month(mo),
                                  std::chrono::day(d)};
  if (!ymd.ok() || h > 23 || mi > 59 || s > 60) {
    return fail(field_error(field, "is not a valid time"));
  }
  std::string_view rest = text.substr(19);
  int64_t micros = 0;
  if (rest.starts_with('.')) {
    rest.remove_prefix(1);
    int digits = 0;
    while (!rest.empty() && rest.front() >= '0' && rest.front() <= '9') {
      if (digits < 6) micros = micros * 10 + (rest.front() - '0');
      ++digits;
      rest.remove_prefix(1);
    }
    if (digits == 0) return fail(field_error(field, "has an empty fraction"));
    for (; digits < 6; ++digits) micros *= 10;
  }
  if (rest != "Z") return fail(field_error(field, "must be UTC, ending in Z"));
  auto t = std::chrono::sys_days(ymd) + std::chrono::hours(h) + std::chrono::minutes(mi) +
           std::chrono::seconds(s) + std::chrono::microseconds(micros);
  return Timestamp(t);
}

}  // namespace internal

namespace {

using internal::bearer_token;
using internal::body_of;
using internal::Caller;
using internal::format_time;
using internal::in_org;
using internal::require_superadmin;
using internal::string_field;
using internal::with_caller;
using nlohmann::json;

json org_json(const secrets::Organization& o) {
  return {{"id", o.id}, {"name", o.name}, {"created_at", format_time(o.created_at)}};
}

json entry_json(const audit::Entry& e) {
  json details = e.details.empty() ? json::object() : json::parse(e.details, nullptr, false);
  return {{"seq", e.seq},
          {"time", format_time(e.time)},
          {"actor_type", e.actor_type},
          {"actor_id", e.actor_id},
          {"action", e.action},
          {"resource_type", e.resource_type},
          {"resource_id", e.resource_id},
          {"outcome", e.outcome},
          {"details", details},
          {"ip", e.ip},
          {"user_agent", e.user_agent},
          {"request_id", e.request_id}};
}

// ---- Sign-in

// The "email" of a sign-in request, normalized (and refused when malformed) before anything is
// counted or looked up.
Result<std::string> sign_in_email(const json& body) {
  CAIRN_ASSIGN_OR_RETURN(std::string raw_email, string_field(body, "email"));
  CAIRN_ASSIGN_OR_RETURN(std::string email, auth::normalize_email(raw_email));
  if (email.starts_with("sa:")) {
    // "sa:" names service accounts in ACL rules and audit entries: no person may sign in so.
    return fail(ErrorCode::kInvalidArgument, "AUTH_EMAIL_INVALID",
                "an email may not start with \"sa:\"");
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
  if (caller.service_account || token.empty()) {
    return fail(ErrorCode::kInvalidArgument, "VAULT_NOT_A_SESSION",
                "only a session signs out; revoke a service account instead");
  }
  CAIRN_TRY(ctx.engine.auth().revoke_session(token));
  res.status = 204;
  return ok_status();
}

Status me(VaultContext& ctx, const net::Request& req, net::Response& res, const Caller& caller) {
  if (caller.service_account) {
    json out = {{"type", "service_account"}, {"name", caller.name}, {"org_id", caller.org_id}};
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

// ---- Organizations and members

Status create_org(VaultContext& ctx, const net::Request& req, net::Response& res,
                  const Caller& caller) {
  if (caller.service_account) {
    return fail(ErrorCode::kPermissionDenied, "SECRETS_ACCESS_DENIED",
                "service accounts cannot create organizations");
  }
  CAIRN_ASSIGN_OR_RETURN(json body, body_of(req));
  CAIRN_ASSIGN_OR_RETURN(std::string name, string_field(body, "name"));
  CAIRN_ASSIGN_OR_RETURN(secrets::Organization o, ctx.secrets.create_org(name, caller.actor));
  net::json(res, org_json(o), 201);
  return ok_status();
}

Status list_orgs(VaultContext& ctx, net::Response& res, const Caller& caller) {
  json out = json::array();
  // A service account is no member of any organization (GET /api/auth/me gives its org's id).
  if (!caller.service_account) {
    CAIRN_ASSIGN_OR_RETURN(auto orgs, ctx.secrets.orgs(caller.actor));
    for (const auto& o : orgs) out.push_back(org_json(o));
  }
  net::json(res, {{"orgs", out}});
  return ok_status();
}

Status get_org(VaultContext& ctx, const net::Request& req, net::Response& res,
               const Caller& caller) {
  // Members and superadmins only (service accounts passed in_org's scope check); anyone else
  // gets the answer a missing org gets.
  CAIRN_ASSIGN_OR_RETURN(secrets::Organization o,
                         caller.service_account
                             ? ctx.secrets.org(req.param("org"))
                             : ctx.secrets.visible_org(req.param("org"), caller.actor));
  net::json(res, org_json(o));
  return ok_status();
}

Status add_member(VaultContext& ctx, const net::Request& req, net::Response& res,
                  const Caller& caller, bool created) {
  CAIRN_ASSIGN_OR_RETURN(json body, body_of(req));
  std::string email;
  if (created) {
    CAIRN_ASSIGN_OR_RETURN(email, string_field(body, "email"));
  } else {
    email = std::string(req.param("member"));
  }
  CAIRN_ASSIGN_OR_RETURN(email, auth::normalize_email(email));
  CAIRN_ASSIGN_OR_RETURN(std::string role_name, string_field(body, "role"));
  CAIRN_ASSIGN_OR_RETURN(secrets::Role role, secrets::parse_role(role_name));
  CAIRN_TRY(ctx.secrets.add_member(req.param("org"), email, role, caller.actor));
  net::json(res, {{"email", email}, {"role", secrets::role_name(role)}}, created ? 201 : 200);
  return ok_status();
}

Status list_members(VaultContext& ctx, const net::Request& req, net::Response& res,
                    const Caller& caller) {
  CAIRN_ASSIGN_OR_RETURN(auto members, ctx.secrets.members(req.param("org"), caller.actor));
  json out = json::array();
  for (const auto& [email, role] : members) {
    out.push_back({{"email", email}, {"role", secrets::role_name(role)}});
  }
  net::json(res, {{"members", out}});
  return ok_status();
}

// ---- Audit

Status query_audit(VaultContext& ctx, const net::Request& req, net::Response& res,
                   const Caller& caller) {
  CAIRN_TRY(require_superadmin(ctx, caller));
  audit::EntryQuery q;
  if (auto v = req.query_param("actor")) q.actor_id = *v;
  if (auto v = req.query_param("action")) q.action = *v;
  if (auto v = req.query_param("resource")) q.resource_id = *v;
  if (auto v = req.query_param("since")) {
    CAIRN_ASSIGN_OR_RETURN(q.since, internal::parse_time(*v, "since"));
  }
  if (auto v = req.query_param("until")) {
    CAIRN_ASSIGN_OR_RETURN(q.until, internal::parse_time(*v, "until"));
  }
  if (auto v = req.query_param("limit")) {
    char* end = nullptr;
    long n = std::strtol(v->c_str(), &end, 10);
    if (v->empty() || *end != '\0' || n < 1 || n > 1000) {
      return fail(ErrorCode::kInvalidArgument, "VAULT_FIELD_INVALID",
                  "limit must be a number from 1 to 1000");
    }
    q.limit = static_cast<size_t>(n);
  }
  std::string cursor = req.query_param("cursor").value_or("");
  CAIRN_ASSIGN_OR_RETURN(audit::QueryPage page, ctx.engine.audit().query(q, cursor));
  json entries = json::array();
  for (const auto& e : page.entries) entries.push_back(entry_json(e));
  net::json(res, {{"entries", entries}, {"next_cursor", page.next_cursor}});
  return ok_status();
}

Status verify_audit(VaultContext& ctx, net::Response& res, const Caller& caller) {
  CAIRN_TRY(require_superadmin(ctx, caller));
  CAIRN_ASSIGN_OR_RETURN(audit::VerifyReport report, ctx.engine.audit().check());
  CAIRN_ASSIGN_OR_RETURN(audit::TreeHead head, ctx.engine.audit().tree_head());
  net::json(res, {{"intact", report.intact},
                  {"entries", report.entries},
                  {"damage", std::string(audit::damage_name(report.damage))},
                  {"first_bad_seq", report.intact ? json(nullptr) : json(report.first_bad_seq)},
                  {"detail", report.detail},
                  {"tree_head",
                   {{"size", head.size},
                    {"root", encoding::hex_encode(head.root)},
                    {"chain_head", encoding::hex_encode(head.chain_head)},
                    {"time", format_time(head.time)},
                    {"signature", encoding::hex_encode(head.signature)}}},
                  {"public_key", ctx.engine.audit().public_key_pem()}});
  return ok_status();
}

Status export_audit(VaultContext& ctx, const net::Request& req, net::Response& res,
                    const Caller& caller) {
  CAIRN_TRY(require_superadmin(ctx, caller));
  Bytes nonce(8);
  ctx.engine.env().random_bytes(nonce);
  std::string path = ctx.scratch_dir + "/audit-export-" + encoding::hex_encode(nonce) + ".jsonl";
  Status exported = ctx.engine.audit().export_jsonl(path);
  std::string text;
  if (exported) {
    std::ifstream in(path, std::ios::binary);
    text.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    if (!in.is_open() || in.bad()) {
      exported = fail(ErrorCode::kUnavailable, "AUDIT_EXPORT_FAILED", "cannot read the export");
    }
  }
  ::unlink(path.c_str());
  CAIRN_TRY(exported);
  // Who took the log away, and how much of it, is itself part of the log.
  audit::EntryInput taken;
  taken.actor_id = caller.actor;
  taken.action = "audit.export";
  taken.resource_type = "audit";
  taken.resource_id = "main";
  taken.details = nlohmann::json{{"bytes", text.size()}}.dump();
  taken.ip = internal::request_info(req).ip;
  taken.request_id = req.request_id;
  CAIRN_TRY(ctx.engine.audit().record(taken));
  res.status = 200;
  res.headers.set("Content-Type", "application/jsonl");
  res.headers.set("X-Audit-Public-Key",
                  encoding::hex_encode(as_bytes(ctx.engine.audit().public_key_pem())));
  res.body = std::move(text);
  return ok_status();
}

// ---- Backups

json backup_json(const BackupInfo& b) {
  return {{"id", b.id},
          {"created_at", format_time(b.created_at)},
          {"size", b.size},
          {"kind", backup_kind_name(b.kind)}};
}

Status create_backup(VaultContext& ctx, net::Response& res, const Caller& caller) {
  CAIRN_TRY(require_superadmin(ctx, caller));
  // A manual backup is never pruned by retention (only scheduled ones are); the scheduled ones
  // retention drops now are reported.
  CAIRN_ASSIGN_OR_RETURN(BackupInfo info, ctx.backups.create(BackupKind::kManual, caller.actor));
  CAIRN_ASSIGN_OR_RETURN(auto pruned, ctx.backups.prune(ctx.retention, caller.actor));
  json out = backup_json(info);
  out["pruned"] = pruned;
  net::json(res, out, 201);
  return ok_status();
}

Status list_backups(VaultContext& ctx, net::Response& res, const Caller& caller) {
  CAIRN_TRY(require_superadmin(ctx, caller));
  CAIRN_ASSIGN_OR_RETURN(auto all, ctx.backups.list());
  json out = json::array();
  for (const auto& b : all) out.push_back(backup_json(b));
  net::json(res, {{"backups", out}});
  return ok_status();
}

Status restore_backup(VaultContext& ctx, const net::Request& req, net::Response& res,
                      const Caller& caller) {
  CAIRN_TRY(require_superadmin(ctx, caller));
  CAIRN_ASSIGN_OR_RETURN(std::string staged,
                         ctx.backups.stage_restore(req.param("id"), caller.actor));
  net::json(res, {{"id", req.param("id")},
                  {"path", staged},
                  {"next", "stop the server, move " + staged +
                               " over vault.db (removing vault.db-wal and vault.db-shm), and "
                               "start it again"}});
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
      req.subject = "sa:" + account->org_id + ":" + account->name;
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
      req.subject = "user:" + user->email;
    }
    return true;
  };
}

Result<net::Router> make_router(VaultContext& ctx) {
  net::Router r;
  Status status = ok_status();
  auto add = [&](std::string_view method, std::string_view pattern, net::Handler h) {
    if (status) status = r.add(method, pattern, std::move(h));
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

  add("POST", "/api/orgs",
      with_caller([&ctx](const net::Request& req, net::Response& res, const Caller& c) -> Status {
        return create_org(ctx, req, res, c);
      }));
  add("GET", "/api/orgs",
      with_caller([&ctx](const net::Request&, net::Response& res, const Caller& c) -> Status {
        return list_orgs(ctx, res, c);
      }));
  add("GET", "/api/orgs/{org}",
      in_org(ctx, [&ctx](const net::Request& req, net::Response& res, const Caller& c) -> Status {
        return get_org(ctx, req, res, c);
      }));
  add("DELETE", "/api/orgs/{org}",
      in_org(ctx, [&ctx](const net::Request& req, net::Response& res, const Caller& c) -> Status {
        CAIRN_TRY(ctx.secrets.delete_org(req.param("org"), c.actor));
        res.status = 204;
        return ok_status();
      }));
  add("POST", "/api/orgs/{org}/members",
      in_org(ctx, [&ctx](const net::Request& req, net::Response& res, const Caller& c) -> Status {
        return add_member(ctx, req, res, c, true);
      }));
  add("GET", "/api/orgs/{org}/members",
      in_org(ctx, [&ctx](const net::Request& req, net::Response& res, const Caller& c) -> Status {
        return list_members(ctx, req, res, c);
      }));
  add("PATCH", "/api/orgs/{org}/members/{member}",
      in_org(ctx, [&ctx](const net::Request& req, net::Response& res, const Caller& c) -> Status {
        return add_member(ctx, req, res, c, false);
      }));
  add("DELETE", "/api/orgs/{org}/members/{member}",
      in_org(ctx, [&ctx](const net::Request& req, net::Response& res, const Caller& c) -> Status {
        CAIRN_ASSIGN_OR_RETURN(std::string member, auth::normalize_email(req.param("member")));
        CAIRN_TRY(ctx.secrets.remove_member(req.param("org"), member, c.actor));
        res.status = 204;
        return ok_status();
      }));

  internal::add_secret_routes(r, ctx, status);
  internal::add_user_routes(r, ctx, status);

  add("GET", "/api/audit",
      with_caller([&ctx](const net::Request& req, net::Response& res, const Caller& c) -> Status {
        return query_audit(ctx, req, res, c);
      }));
  add("GET", "/api/audit/verify",
      with_caller([&ctx](const net::Request&, net::Response& res, const Caller& c) -> Status {
        return verify_audit(ctx, res, c);
      }));
  add("GET", "/api/audit/export",
      with_caller([&ctx](const net::Request& req, net::Response& res, const Caller& c) -> Status {
        return export_audit(ctx, req, res, c);
      }));
  add("POST", "/api/backups",
      with_caller([&ctx](const net::Request&, net::Response& res, const Caller& c) -> Status {
        return create_backup(ctx, res, c);
      }));
  add("GET", "/api/backups",
      with_caller([&ctx](const net::Request&, net::Response& res, const Caller& c) -> Status {
        return list_backups(ctx, res, c);
      }));
  add("POST", "/api/backups/{id}/restore",
      with_caller([&ctx](const net::Request& req, net::Response& res, const Caller& c) -> Status {
        return restore_backup(ctx, req, res, c);
      }));
  CAIRN_TRY(status);
  return r;
}

}  // namespace cairn::vault
