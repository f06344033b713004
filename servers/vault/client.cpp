#include "vault/client.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <system_error>

#include "cairn/auth/token_file.hpp"
#include "cairn/net/client.hpp"

extern char** environ;  // NOLINT(readability-redundant-declaration): POSIX, for execvp's child

namespace cairn::vault {

namespace {

using nlohmann::json;

const char* env_or_null(const char* name) {
  const char* value = std::getenv(name);  // NOLINT(concurrency-mt-unsafe): single-threaded CLI
  return value != nullptr && *value != '\0' ? value : nullptr;
}

// A path segment with everything but RFC 3986's unreserved characters percent-encoded.
std::string segment(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    bool unreserved = std::isalnum(c) != 0 || c == '-' || c == '.' || c == '_' || c == '~';
    if (unreserved) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

[[noreturn]] void fail_with(const Error& error) {
  std::fprintf(stderr, "cairn-vault: %s\n", error.to_string().c_str());
  throw CLI::RuntimeError(1);
}

template <class T>
T must(Result<T> result) {
  if (!result) fail_with(result.error());
  return std::move(*result);
}

void must(const Status& status) {
  if (!status) fail_with(status.error());
}

// One conversation with the server.
class Api {
 public:
  explicit Api(const ClientSettings& settings) : settings_(settings) {
    net::ClientOptions options;
    options.ca_file = settings.ca_file;
    client_ =
        std::make_unique<net::HttpClient>(must(net::HttpClient::connect(settings.server, options)));
    if (const char* key = env_or_null("CAIRN_VAULT_API_KEY")) {
      headers_.set("X-API-Key", key);
    } else if (auto token = auth::read_token_file(settings.session_file)) {
      headers_.set("Authorization", "Bearer " + *token);
    }
  }

  // The response body of `method target` (JSON `body` when not null). 4xx/5xx end the command.
  std::string call_raw(std::string_view method, const std::string& target,
                       const json& body = nullptr) {
    std::string text = body.is_null() ? std::string() : body.dump();
    net::Headers headers = headers_;
    if (!text.empty()) headers.set("Content-Type", "application/json");
    net::ClientResponse res = must(client_->request(method, target, headers, text));
    must(net::response_status(res));
    return res.body;
  }

  json call(std::string_view method, const std::string& target, const json& body = nullptr) {
    std::string text = call_raw(method, target, body);
    if (text.empty()) return json::object();
    json parsed = json::parse(text, nullptr, false);
    if (parsed.is_discarded()) {
      fail_with(
          {ErrorCode::kUnavailable, "VAULT_RESPONSE_INVALID", "the server's answer is not JSON"});
    }
    return parsed;
  }

 private:
  const ClientSettings& settings_;
  std::unique_ptr<net::HttpClient> client_;
  net::Headers headers_;
};

// Prints `value` as JSON (--json) or through `text`.
template <class F>
void show(const ClientSettings& s, const json& value, F text) {
  if (s.json) {
    std::printf("%s\n", value.dump().c_str());
  } else {
    text(value);
  }
}

void print_lines(const json& array) {
  for (const auto& item : array) {
    std::printf("%s\n", item.is_string() ? item.get<std::string>().c_str() : item.dump().c_str());
  }
}

std::string pending_email_file(const ClientSettings& s) { return s.session_file + ".email"; }

struct Scope {
  std::string org;
  std::string project;
  std::string env;
  std::string env_path() const {
    return "/api/orgs/" + segment(org) + "/projects/" + segment(project) + "/envs/" + segment(env);
  }
};

void scope_options(CLI::App* cmd, Scope& scope, bool project, bool env) {
  cmd->add_option("--org", scope.org, "organization")->required();
  if (project) cmd->add_option("--project", scope.project, "project")->required();
  if (env) cmd->add_option("--env", scope.env, "environment")->required();
}

void add_auth(CLI::App& app, ClientSettings& s) {
  CLI::App* auth = app.add_subcommand("auth", "sign in and out")->require_subcommand(1);
  auto email = std::make_shared<std::string>();
  auto code = std::make_shared<std::string>();
  CLI::App* login = auth->add_subcommand("login", "mail a 6-digit sign-in code");
  login->add_option("--email", *email, "your email address")->required();
  login->callback([&s, email] {
    Api api(s);
    json out = api.call("POST", "/api/auth/login", {{"email", *email}});
    // Remember the email so that `auth verify --code` needs nothing else.
    (void)auth::write_token_file(pending_email_file(s), *email);
    show(s, out, [](const json& v) {
      std::printf("%s; then: cairn-vault auth verify --code <CODE>\n",
                  v.value("message", "").c_str());
    });
  });
  CLI::App* verify = auth->add_subcommand("verify", "exchange the code for a session");
  verify->add_option("--email", *email, "the email the code was sent to (default: the last login)");
  verify->add_option("--code", *code, "the 6-digit code")->required();
  verify->callback([&s, email, code] {
    std::string who = *email;
    if (who.empty()) {
      auto pending = auth::read_token_file(pending_email_file(s));
      if (!pending) {
        fail_with({ErrorCode::kInvalidArgument, "VAULT_FIELD_INVALID",
                   "give --email (no earlier `auth login` to take it from)"});
      }
      who = *pending;
    }
    Api api(s);
    json out = api.call("POST", "/api/auth/verify", {{"email", who}, {"code", *code}});
    must(auth::write_token_file(s.session_file, out.value("token", "")));
    ::unlink(pending_email_file(s).c_str());
    out.erase("token");  // kept in the session file, never printed
    show(s, out, [&s](const json& v) {
      std::printf("signed in as %s%s; session in %s\n", v.value("email", "").c_str(),
                  v.value("superadmin", false) ? " (superadmin)" : "", s.session_file.c_str());
    });
  });
  auth->add_subcommand("whoami", "who the server thinks you are")->callback([&s] {
    Api api(s);
    show(s, api.call("GET", "/api/auth/me"), [](const json& v) {
      if (v.value("type", "") == "service_account") {
        std::printf("service account %s\n", v.value("name", "").c_str());
      } else {
        std::printf("%s%s\n", v.value("email", "").c_str(),
                    v.value("superadmin", false) ? " (superadmin)" : "");
      }
    });
  });
  auth->add_subcommand("logout", "end the session")->callback([&s] {
    Api api(s);
    api.call("DELETE", "/api/auth/logout");
    ::unlink(s.session_file.c_str());
    show(s, json{{"signed_out", true}}, [](const json&) { std::printf("signed out\n"); });
  });
}

void add_orgs(CLI::App& app, ClientSettings& s) {
  auto name = std::make_shared<std::string>();
  CLI::App* org = app.add_subcommand("org", "organizations")->require_subcommand(1);
  CLI::App* create = org->add_subcommand("create", "create one (you become its owner)");
  create->add_option("name", *name, "its name")->required();
  create->callback([&s, name] {
    Api api(s);
    show(s, api.call("POST", "/api/orgs", {{"name", *name}}),
         [](const json& v) { std::printf("created org %s\n", v.value("name", "").c_str()); });
  });
  org->add_subcommand("list", "the organizations you belong to")->callback([&s] {
    Api api(s);
    show(s, api.call("GET", "/api/orgs"), [](const json& v) {
      for (const auto& o : v["orgs"]) std::printf("%s\n", o.value("name", "").c_str());
    });
  });
  CLI::App* del = org->add_subcommand("delete", "soft-delete one (owners)");
  del->add_option("name", *name, "its name")->required();
  del->callback([&s, name] {
    Api api(s);
    api.call("DELETE", "/api/orgs/" + segment(*name));
    show(s, json{{"deleted", *name}},
         [&](const json&) { std::printf("deleted %s\n", name->c_str()); });
  });

  auto scope = std::make_shared<Scope>();
  auto email = std::make_shared<std::string>();
  auto role = std::make_shared<std::string>();
  CLI::App* member =
      app.add_subcommand("member", "members of an organization")->require_subcommand(1);
  CLI::App* add = member->add_subcommand("add", "add a member or change their role");
  scope_options(add, *scope, false, false);
  add->add_option("--email", *email, "their email")->required();
  add->add_option("--role", *role, "owner, admin, developer or member")->required();
  add->callback([&s, scope, email, role] {
    Api api(s);
    show(s,
         api.call("POST", "/api/orgs/" + segment(scope->org) + "/members",
                  {{"email", *email}, {"role", *role}}),
         [](const json& v) {
           std::printf("%s is %s\n", v.value("email", "").c_str(), v.value("role", "").c_str());
         });
  });
  CLI::App* list = member->add_subcommand("list", "the members and their roles");
  scope_options(list, *scope, false, false);
  list->callback([&s, scope] {
    Api api(s);
    show(s, api.call("GET", "/api/orgs/" + segment(scope->org) + "/members"), [](const json& v) {
      for (const auto& m : v["members"]) {
        std::printf("%s\t%s\n", m.value("email", "").c_str(), m.value("role", "").c_str());
      }
    });
  });
  CLI::App* remove = member->add_subcommand("remove", "remove a member");
  scope_options(remove, *scope, false, false);
  remove->add_option("--email", *email, "their email")->required();
  remove->callback([&s, scope, email] {
    Api api(s);
    api.call("DELETE", "/api/orgs/" + segment(scope->org) + "/members/" + segment(*email));
    show(s, json{{"removed", *email}},
         [&](const json&) { std::printf("removed %s\n", email->c_str()); });
  });
}

// `project` and `env`: create, list, delete under a parent path.
void add_containers(CLI::App& app, ClientSettings& s) {
  for (bool is_env : {false, true}) {
    auto scope = std::make_shared<Scope>();
    auto name = std::make_shared<std::string>();
    const char* noun = is_env ? "env" : "project";
    CLI::App* cmd =
        app.add_subcommand(noun, is_env ? "environments of a project" : "projects of an org")
            ->require_subcommand(1);
    auto base = [scope, is_env] {
      std::string path = "/api/orgs/" + segment(scope->org) + "/projects";
      if (is_env) path += "/" + segment(scope->project) + "/envs";
      return path;
    };
    CLI::App* create = cmd->add_subcommand("create", "create one");
    scope_options(create, *scope, is_env, false);
    create->add_option("name", *name, "its name")->required();
    create->callback([&s, base, name, noun] {
      Api api(s);
      show(s, api.call("POST", base(), {{"name", *name}}), [noun](const json& v) {
        std::printf("created %s %s\n", noun, v.value("name", "").c_str());
      });
    });
    CLI::App* list = cmd->add_subcommand("list", "list them");
    scope_options(list, *scope, is_env, false);
    list->callback([&s, base, is_env] {
      Api api(s);
      show(s, api.call("GET", base()),
           [is_env](const json& v) { print_lines(v[is_env ? "environments" : "projects"]); });
    });
    CLI::App* del = cmd->add_subcommand("delete", "soft-delete one");
    scope_options(del, *scope, is_env, false);
    del->add_option("name", *name, "its name")->required();
    del->callback([&s, base, name] {
      Api api(s);
      api.call("DELETE", base() + "/" + segment(*name));
      show(s, json{{"deleted", *name}},
           [&](const json&) { std::printf("deleted %s\n", name->c_str()); });
    });
  }
}

void add_secrets(CLI::App& app, ClientSettings& s) {
  auto scope = std::make_shared<Scope>();
  auto key = std::make_shared<std::string>();
  auto value = std::make_shared<std::string>();
  auto version = std::make_shared<int64_t>(0);
  CLI::App* secret =
      app.add_subcommand("secret", "secrets of an environment")->require_subcommand(1);

  CLI::App* get = secret->add_subcommand("get", "print a value");
  scope_options(get, *scope, true, true);
  get->add_option("key", *key, "its key")->required();
  get->add_option("--version", *version, "an earlier version");
  get->callback([&s, scope, key, version] {
    Api api(s);
    std::string target = scope->env_path() + "/secrets/" + segment(*key);
    if (*version > 0) target += "?version=" + std::to_string(*version);
    show(s, api.call("GET", target),
         [](const json& v) { std::printf("%s\n", v.value("value", "").c_str()); });
  });
  CLI::App* set = secret->add_subcommand("set", "store a new version (value '-': read stdin)");
  scope_options(set, *scope, true, true);
  set->add_option("key", *key, "its key")->required();
  set->add_option("value", *value, "the value, or - to read it from stdin")->required();
  set->callback([&s, scope, key, value] {
    std::string text = *value;
    if (text == "-") {
      text.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
      if (text.ends_with('\n')) text.pop_back();
    }
    Api api(s);
    show(s, api.call("PUT", scope->env_path() + "/secrets/" + segment(*key), {{"value", text}}),
         [](const json& v) {
           std::printf("%s is version %lld\n", v.value("key", "").c_str(),
                       static_cast<long long>(v.value("version", int64_t{0})));
         });
  });
  CLI::App* list = secret->add_subcommand("list", "the keys");
  scope_options(list, *scope, true, true);
  list->callback([&s, scope] {
    Api api(s);
    show(s, api.call("GET", scope->env_path() + "/secrets"),
         [](const json& v) { print_lines(v["keys"]); });
  });
  CLI::App* del = secret->add_subcommand("delete", "soft-delete a secret");
  scope_options(del, *scope, true, true);
  del->add_option("key", *key, "its key")->required();
  del->callback([&s, scope, key] {
    Api api(s);
    api.call("DELETE", scope->env_path() + "/secrets/" + segment(*key));
    show(s, json{{"deleted", *key}},
         [&](const json&) { std::printf("deleted %s\n", key->c_str()); });
  });
  CLI::App* versions = secret->add_subcommand("versions", "the versions of a secret");
  scope_options(versions, *scope, true, true);
  versions->add_option("key", *key, "its key")->required();
  versions->callback([&s, scope, key] {
    Api api(s);
    show(s, api.call("GET", scope->env_path() + "/secrets/" + segment(*key) + "/versions"),
         [](const json& v) {
           for (const auto& item : v["versions"]) {
             std::printf(
                 "%lld\t%s\t%s\n", static_cast<long long>(item.value("version", int64_t{0})),
                 item.value("created_at", "").c_str(), item.value("created_by", "").c_str());
           }
         });
  });
  CLI::App* rollback = secret->add_subcommand("rollback", "a new version equal to an old one");
  scope_options(rollback, *scope, true, true);
  rollback->add_option("key", *key, "its key")->required();
  rollback->add_option("--version", *version, "the version to bring back")->required();
  rollback->callback([&s, scope, key, version] {
    Api api(s);
    show(s,
         api.call("POST", scope->env_path() + "/secrets/" + segment(*key) + "/rollback",
                  {{"version", *version}}),
         [](const json& v) {
           std::printf("%s is version %lld (as version %lld)\n", v.value("key", "").c_str(),
                       static_cast<long long>(v.value("version", int64_t{0})),
                       static_cast<long long>(v.value("rolled_back_to", int64_t{0})));
         });
  });
}

void add_acl(CLI::App& app, ClientSettings& s) {
  auto scope = std::make_shared<Scope>();
  auto email = std::make_shared<std::string>();
  auto subject = std::make_shared<std::string>();
  auto project = std::make_shared<std::string>();
  auto env = std::make_shared<std::string>();
  auto permission = std::make_shared<std::string>();
  auto id = std::make_shared<std::string>();
  CLI::App* acl = app.add_subcommand("acl", "access rules")->require_subcommand(1);
  CLI::App* grant = acl->add_subcommand("grant", "grant (or change) a permission");
  scope_options(grant, *scope, false, false);
  auto* by_email = grant->add_option("--email", *email, "a user");
  auto* by_subject = grant->add_option("--subject", *subject, "a service account's name");
  by_email->excludes(by_subject);
  grant->add_option("--project", *project, "project pattern (glob)")->required();
  grant->add_option("--env", *env, "environment pattern (glob)")->required();
  grant->add_option("--permission", *permission, "read, write or admin")->required();
  grant->callback([&s, scope, email, subject, project, env, permission] {
    json body = {{"project_pattern", *project}, {"env_pattern", *env}, {"permission", *permission}};
    if (!subject->empty()) {
      body["subject_type"] = "service_account";
      body["name"] = subject->starts_with("sa:") ? subject->substr(3) : *subject;
    } else {
      body["subject_type"] = "user";
      body["email"] = *email;
    }
    Api api(s);
    show(s, api.call("POST", "/api/orgs/" + segment(scope->org) + "/acl", body), [](const json& v) {
      std::printf("rule %s: %s %s on %s/%s\n", v.value("id", "").c_str(),
                  v.value("subject", "").c_str(), v.value("permission", "").c_str(),
                  v.value("project_pattern", "").c_str(), v.value("env_pattern", "").c_str());
    });
  });
  CLI::App* list = acl->add_subcommand("list", "the rules");
  scope_options(list, *scope, false, false);
  list->callback([&s, scope] {
    Api api(s);
    show(s, api.call("GET", "/api/orgs/" + segment(scope->org) + "/acl"), [](const json& v) {
      for (const auto& r : v["rules"]) {
        std::printf("%s\t%s\t%s\t%s\t%s\n", r.value("id", "").c_str(),
                    r.value("subject", "").c_str(), r.value("project_pattern", "").c_str(),
                    r.value("env_pattern", "").c_str(), r.value("permission", "").c_str());
      }
    });
  });
  CLI::App* revoke = acl->add_subcommand("revoke", "remove a rule, or every rule of a subject");
  scope_options(revoke, *scope, false, false);
  auto* by_id = revoke->add_option("--id", *id, "the rule");
  auto* of_subject = revoke->add_option("--subject", *subject, "an email or sa:<name>");
  by_id->excludes(of_subject);
  revoke->callback([&s, scope, id, subject] {
    Api api(s);
    std::string base = "/api/orgs/" + segment(scope->org) + "/acl";
    std::vector<std::string> ids;
    if (!id->empty()) {
      ids.push_back(*id);
    } else if (!subject->empty()) {
      json listed = api.call("GET", base);
      for (const auto& r : listed["rules"]) {
        if (r.value("subject", "") == *subject) ids.push_back(r.value("id", ""));
      }
    } else {
      fail_with({ErrorCode::kInvalidArgument, "VAULT_FIELD_INVALID", "give --id or --subject"});
    }
    for (const std::string& rule : ids) api.call("DELETE", base + "/" + segment(rule));
    show(s, json{{"revoked", ids}}, [&](const json&) {
      std::printf("revoked %zu rule%s\n", ids.size(), ids.size() == 1 ? "" : "s");
    });
  });
}

void add_service_accounts(CLI::App& app, ClientSettings& s) {
  auto scope = std::make_shared<Scope>();
  auto name = std::make_shared<std::string>();
  auto project = std::make_shared<std::string>();
  CLI::App* sa =
      app.add_subcommand("service-account", "API keys for machines")->require_subcommand(1);
  CLI::App* create = sa->add_subcommand("create", "create one; its key is shown once");
  scope_options(create, *scope, false, false);
  create->add_option("--name", *name, "its name")->required();
  create->add_option("--project", *project, "limit it to one project");
  create->callback([&s, scope, name, project] {
    json body = {{"name", *name}};
    if (!project->empty()) body["project"] = *project;
    Api api(s);
    show(s, api.call("POST", "/api/orgs/" + segment(scope->org) + "/service-accounts", body),
         [](const json& v) {
           std::printf("service account %s created; its key (shown once):\n%s\n",
                       v.value("name", "").c_str(), v.value("api_key", "").c_str());
         });
  });
  CLI::App* list = sa->add_subcommand("list", "the live accounts");
  scope_options(list, *scope, false, false);
  list->callback([&s, scope] {
    Api api(s);
    show(s, api.call("GET", "/api/orgs/" + segment(scope->org) + "/service-accounts"),
         [](const json& v) {
           for (const auto& a : v["service_accounts"]) {
             std::printf("%s\t%s\n", a.value("name", "").c_str(),
                         a["project"].is_string() ? a["project"].get<std::string>().c_str() : "*");
           }
         });
  });
  CLI::App* revoke = sa->add_subcommand("revoke", "revoke one (its rules go too)");
  scope_options(revoke, *scope, false, false);
  revoke->add_option("--name", *name, "its name")->required();
  revoke->callback([&s, scope, name] {
    Api api(s);
    api.call("DELETE", "/api/orgs/" + segment(scope->org) + "/service-accounts/" + segment(*name));
    show(s, json{{"revoked", *name}},
         [&](const json&) { std::printf("revoked %s\n", name->c_str()); });
  });
}

void add_admin(CLI::App& app, ClientSettings& s) {
  CLI::App* audit =
      app.add_subcommand("audit", "the audit log (superadmins)")->require_subcommand(1);
  audit->add_subcommand("verify", "check the whole chain and tree")->callback([&s] {
    Api api(s);
    json report = api.call("GET", "/api/audit/verify");
    show(s, report, [](const json& v) {
      if (v.value("intact", false)) {
        std::printf("intact: %llu entries\n",
                    static_cast<unsigned long long>(v.value("entries", uint64_t{0})));
      } else {
        std::printf("BROKEN at %s: %s\n", v["first_bad_seq"].dump().c_str(),
                    v.value("detail", "").c_str());
      }
    });
    if (!report.value("intact", false)) throw CLI::RuntimeError(1);
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
    int fd = ::open(out->c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    bool written = fd >= 0 && ::fchmod(fd, 0600) == 0 &&
                   ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) &&
                   ::fsync(fd) == 0;
    if (fd >= 0) ::close(fd);
    if (!written) {
      fail_with({ErrorCode::kUnavailable, "AUDIT_EXPORT_FAILED", "cannot write " + *out});
    }
    show(s, json{{"path", *out}, {"bytes", text.size()}},
         [&](const json&) { std::printf("wrote %s\n", out->c_str()); });
  });

  auto id = std::make_shared<std::string>();
  CLI::App* backup =
      app.add_subcommand("backup", "encrypted backups (superadmins)")->require_subcommand(1);
  backup->add_subcommand("create", "take one now")->callback([&s] {
    Api api(s);
    show(s, api.call("POST", "/api/backups"),
         [](const json& v) { std::printf("backup %s\n", v.value("id", "").c_str()); });
  });
  backup->add_subcommand("list", "the backups, newest first")->callback([&s] {
    Api api(s);
    show(s, api.call("GET", "/api/backups"), [](const json& v) {
      for (const auto& b : v["backups"]) {
        std::printf("%s\t%lld bytes\n", b.value("id", "").c_str(),
                    static_cast<long long>(b.value("size", int64_t{0})));
      }
    });
  });
  CLI::App* restore =
      backup->add_subcommand("restore", "decrypt and check one next to the database");
  restore->add_option("--id", *id, "the backup")->required();
  restore->callback([&s, id] {
    Api api(s);
    show(s, api.call("POST", "/api/backups/" + segment(*id) + "/restore"), [](const json& v) {
      std::printf("staged %s\nnext: %s\n", v.value("path", "").c_str(),
                  v.value("next", "").c_str());
    });
  });
}

void add_run(CLI::App& app, ClientSettings& s) {
  auto scope = std::make_shared<Scope>();
  auto command = std::make_shared<std::vector<std::string>>();
  CLI::App* run = app.add_subcommand("run", "run a command with an environment's secrets");
  scope_options(run, *scope, true, true);
  run->add_option("command", *command, "the command and its arguments, after --")->required();
  run->callback([&s, scope, command] {
    Api api(s);
    json keys = api.call("GET", scope->env_path() + "/secrets")["keys"];
    for (const auto& k : keys) {
      std::string key = k.get<std::string>();
      json v = api.call("GET", scope->env_path() + "/secrets/" + segment(key));
      ::setenv(key.c_str(), v.value("value", "").c_str(), 1);  // NOLINT(concurrency-mt-unsafe)
    }
    std::vector<char*> argv;
    argv.reserve(command->size() + 1);
    for (std::string& arg : *command) argv.push_back(arg.data());
    argv.push_back(nullptr);
    std::fflush(stdout);
    ::execvp(argv[0], argv.data());
    std::fprintf(stderr, "cairn-vault: cannot run %s: %s\n", argv[0],
                 std::generic_category().message(errno).c_str());
    throw CLI::RuntimeError(127);
  });
}

}  // namespace

ClientSettings client_settings_from_environment() {
  ClientSettings s;
  const char* server = env_or_null("CAIRN_VAULT_SERVER");
  s.server = server != nullptr ? server : "http://127.0.0.1:7100";
  if (const char* session = env_or_null("CAIRN_VAULT_SESSION")) {
    s.session_file = session;
  } else if (const char* config = env_or_null("XDG_CONFIG_HOME")) {
    s.session_file = std::string(config) + "/cairn-vault/session";
  } else {
    const char* home = env_or_null("HOME");
    s.session_file = std::string(home != nullptr ? home : ".") + "/.config/cairn-vault/session";
  }
  return s;
}

void add_client_commands(CLI::App& app, ClientSettings& settings) {
  app.add_option("--server", settings.server, "the server's URL (CAIRN_VAULT_SERVER)");
  app.add_option("--session", settings.session_file,
                 "the session token file (CAIRN_VAULT_SESSION)");
  app.add_option("--ca-file", settings.ca_file, "CA certificates (PEM) to trust for https://");
  app.add_flag("--json", settings.json, "print JSON");
  add_auth(app, settings);
  add_orgs(app, settings);
  add_containers(app, settings);
  add_secrets(app, settings);
  add_acl(app, settings);
  add_service_accounts(app, settings);
  add_admin(app, settings);
  add_run(app, settings);
  // The client's options (--server, --json, ...) may also follow the command.
  std::function<void(CLI::App*)> fall_through = [&](CLI::App* parent) {
    for (CLI::App* sub : parent->get_subcommands({})) {
      sub->fallthrough();
      fall_through(sub);
    }
  };
  fall_through(&app);
}

}  // namespace cairn::vault
