// cairn-vault's client: the superadmins' audit log and backups.
#include <cstdio>

#include "vault/client_internal.hpp"

namespace cairn::vault::cli {

namespace {

struct AuditFilter {
  std::string actor;
  std::string action;
  std::string resource;
  std::string since;
  std::string until;
  int64_t limit = 0;
  std::string cursor;
};

void add_audit(CLI::App& app, ClientSettings& s) {
  CLI::App* audit =
      app.add_subcommand("audit", "the audit log (superadmins)")->require_subcommand(1);
  auto filter = std::make_shared<AuditFilter>();
  CLI::App* list = audit->add_subcommand("list", "entries in sequence order, one page");
  list->add_option("--actor", filter->actor, "an email or sa:<name>");
  list->add_option("--action", filter->action, "secrets.get, auth.login, ...");
  list->add_option("--resource", filter->resource, "org/project/env/KEY, ...");
  list->add_option("--since", filter->since, "from this time (UTC, 2026-11-22T10:15:00Z)");
  list->add_option("--until", filter->until, "up to this time (UTC)");
  list->add_option("--limit", filter->limit, "entries per page (default 100)")
      ->check(CLI::Range(int64_t{1}, int64_t{1000}));
  list->add_option("--cursor", filter->cursor, "the next_cursor of the previous page");
  list->callback([&s, filter] {
    std::string target =
        "/api/audit" + query({{"actor", filter->actor},
                              {"action", filter->action},
                              {"resource", filter->resource},
                              {"since", filter->since},
                              {"until", filter->until},
                              {"limit", filter->limit > 0 ? std::to_string(filter->limit) : ""},
                              {"cursor", filter->cursor}});
    Api api(s);
    show(s, api.call("GET", target), [](const json& v) {
      for (const auto& e : v["entries"]) {
        std::printf("%lld\t%s\t%s\t%s\t%s\t%s\n",
                    static_cast<long long>(e.value("seq", int64_t{0})), e.value("time", "").c_str(),
                    e.value("actor_id", "").c_str(), e.value("action", "").c_str(),
                    e.value("resource_id", "").c_str(), e.value("outcome", "").c_str());
      }
      const json& next = v.contains("next_cursor") ? v["next_cursor"] : json(nullptr);
      if (next.is_string() && !next.get<std::string>().empty()) {
        std::fprintf(stderr, "more: --cursor %s\n", next.get<std::string>().c_str());
      }
    });
  });
  audit->add_subcommand("verify", "check the whole chain and tree")->callback([&s] {
    Api api(s);
    json report = api.call("GET", "/api/audit/verify");
    show(s, report, [](const json& v) {
      if (v.value("intact", false)) {
        std::printf("intact: %llu entries\n",
                    static_cast<unsigned long long>(v.value("entries", uint64_t{0})));
      } else {
        std::printf("BROKEN at %s: %s\n", dump(v["first_bad_seq"]).c_str(),
                    v.value("detail", "").c_str());
      }
    });
    if (!report.value("intact", false)) throw CLI::RuntimeError(kExitFailed);
  });
  auto out = std::make_shared<std::string>();
  CLI::App* exp = audit->add_subcommand("export", "the log as JSON Lines with its signed head");
  exp->add_option("--out", *out, "write to this file (0600) instead of stdout");
  exp->callback([&s, out] {
    Api api(s);
    std::string text = api.call_raw("GET", "/api/audit/export");
    if (out->empty()) {
      std::fwrite(text.data(), 1, text.size(), stdout);
      return;
    }
    // 0600 from the first byte: the log names users and resources.
    if (!write_private_file(*out, text)) {
      fail_with({ErrorCode::kUnavailable, "AUDIT_EXPORT_FAILED", "cannot write " + *out});
    }
    show(s, json{{"path", *out}, {"bytes", text.size()}},
         [&](const json&) { std::printf("wrote %s\n", out->c_str()); });
  });
}

void add_backup(CLI::App& app, ClientSettings& s) {
  auto id = std::make_shared<std::string>();
  CLI::App* backup =
      app.add_subcommand("backup", "encrypted backups (superadmins)")->require_subcommand(1);
  backup->add_subcommand("create", "take one now")->callback([&s] {
    Api api(s);
    show(s, api.call("POST", "/api/backups"), [](const json& v) {
      std::printf("backup %s (manual: never pruned by retention)\n", v.value("id", "").c_str());
      // Retention ran too: say what it removed (scheduled backups only).
      const json& pruned = v.contains("pruned") ? v["pruned"] : json::array();
      for (const auto& gone : pruned) {
        std::printf("pruned %s\n", gone.is_string() ? gone.get<std::string>().c_str() : "?");
      }
    });
  });
  backup->add_subcommand("list", "the backups, newest first")->callback([&s] {
    Api api(s);
    show(s, api.call("GET", "/api/backups"), [](const json& v) {
      for (const auto& b : v["backups"]) {
        std::printf("%s\t%s\t%lld bytes\n", b.value("id", "").c_str(), b.value("kind", "").c_str(),
                    static_cast<long long>(b.value("size", int64_t{0})));
      }
    });
  });
  CLI::App* restore =
      backup->add_subcommand("restore", "decrypt and check one next to the database");
  restore->add_option("--id", *id, "the backup")->required();
  restore->callback([&s, id] {
    std::string target = "/api/backups/" + segment(*id) + "/restore";
    Api api(s);
    show(s, api.call("POST", target), [](const json& v) {
      std::printf("staged %s\nnext: %s\n", v.value("path", "").c_str(),
                  v.value("next", "").c_str());
    });
  });
}

}  // namespace

void add_admin(CLI::App& app, ClientSettings& s) {
  add_audit(app, s);
  add_backup(app, s);
}

}  // namespace cairn::vault::cli
