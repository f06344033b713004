// Routes for the audit log: query it, verify it (with the signed tree head), export it whole.
// Superadmins only.
#include <cstdlib>

#include "cairn/core/encoding.hpp"
#include "vault/api.hpp"
#include "vault/api_caller.hpp"
#include "vault/api_fields.hpp"
#include "vault/api_routes.hpp"

namespace cairn::vault {

namespace {

using internal::Caller;
using internal::format_time;
using internal::require_superadmin;
using nlohmann::json;

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
  std::string text;
  CAIRN_TRY(ctx.engine.audit().export_jsonl([&text](std::string_view chunk) -> Status {
    text.append(chunk);
    return ok_status();
  }));
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

}  // namespace

void internal::add_audit_routes(net::Router& router, VaultContext& ctx, Status& status) {
  auto add = [&](std::string_view method, std::string_view pattern, net::Handler h) {
    if (status) status = router.add(method, pattern, std::move(h));
  };
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
}

}  // namespace cairn::vault
