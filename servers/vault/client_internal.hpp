// The pieces cairn-vault's client commands share (client_*.cpp): how a command fails, the one
// conversation with the server (Api), where the org/project/env of a command come from (Scope),
// and printing. Nothing here opens the database: the client talks HTTP only.
//
// Thread-safety: for main()'s thread only.
#pragma once

#include <CLI/CLI.hpp>
#include <exception>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "cairn/core/error.hpp"
#include "cairn/core/result.hpp"
#include "cairn/net/client.hpp"
#include "vault/client.hpp"

namespace cairn::vault::cli {

using nlohmann::json;

// Ends a command: run_command_line() prints `error` (text, or JSON with --json) on stderr and
// exits with `status`.
class CommandError : public std::exception {
 public:
  CommandError(Error error, int status) : error_(std::move(error)), status_(status) {}
  const char* what() const noexcept override { return error_.message.c_str(); }
  const Error& error() const { return error_; }
  int status() const { return status_; }

 private:
  Error error_;
  int status_;
};

// Throws CommandError(error, status).
[[noreturn]] void fail_with(const Error& error, int status = kExitFailed);
// A bad command line: INVALID_ARGUMENT / VAULT_USAGE_INVALID (or `reason`), exit kExitUsage.
[[noreturn]] void usage_error(std::string message, std::string reason = "VAULT_USAGE_INVALID");

template <class T>
T must(Result<T> result) {
  if (!result) fail_with(result.error());
  return std::move(*result);
}
inline void must(const Status& status) {
  if (!status) fail_with(status.error());
}

// Ends the command with INVALID_ARGUMENT / VAULT_INPUT_NOT_UTF8 unless `text` is UTF-8. Every
// argument, file and stdin text the client sends to the server passes through here (or through
// Api, which checks every string of a JSON body): the server only takes text.
void require_utf8(std::string_view text, std::string_view what);

// `text` as one path segment or query value: checked by require_utf8, then everything but
// RFC 3986's unreserved characters percent-encoded.
std::string segment(std::string_view text);

// "?name=value&..." of the pairs whose value is not empty (values encoded as segment()); "" when
// all are empty.
std::string query(const std::vector<std::pair<std::string, std::string>>& params);

// The text of a JSON value, invalid UTF-8 (never expected) replaced rather than thrown on.
std::string dump(const json& value, int indent = -1);

// One conversation with the server.
class Api {
 public:
  // Whether requests carry the caller's credentials (an API key from CAIRN_VAULT_API_KEY, else
  // the session token bound to this server). Sign-in sends none.
  enum class Credentials { kNone, kCaller };

  // Connects to settings.server. With kCaller: ends the command with FAILED_PRECONDITION /
  // VAULT_SESSION_OTHER_SERVER when the session file was issued by another server (the token is
  // never sent elsewhere), and warns on stderr before a credential goes over plain http:// to an
  // address that is not loopback.
  explicit Api(const ClientSettings& settings, Credentials credentials = Credentials::kCaller);

  // Warns on stderr, once, that `what` is about to go over plain http:// to a remote host.
  void warn_if_plaintext(std::string_view what);

  // The response body of `method target` (JSON `body` unless null; every string in it must be
  // UTF-8). 4xx/5xx end the command with the server's error (and, for 429 and 503 with
  // Retry-After, when to retry).
  std::string call_raw(std::string_view method, const std::string& target,
                       const json& body = nullptr);
  // As call_raw, parsed: {} for an empty body. Errors: UNAVAILABLE / VAULT_RESPONSE_INVALID.
  json call(std::string_view method, const std::string& target, const json& body = nullptr);

 private:
  const ClientSettings& settings_;
  std::unique_ptr<net::HttpClient> client_;
  net::Headers headers_;
  bool warned_ = false;
};

// The session file, bound to the server that issued its token: the token in the file itself
// and the server's URL in `<file>.server` (both 0600, auth/token_file.hpp).
// Replaces the session with `token` from settings.server.
void save_session(const ClientSettings& settings, std::string_view token);
// Deletes the session file and its binding.
void forget_session(const ClientSettings& settings);
// The URL as compared for the binding: scheme and host in lower case, the default port and
// trailing slashes dropped.
std::string normalized_url(std::string_view url);

// Prints `value` as JSON (--json) or through `text`.
template <class F>
void show(const ClientSettings& s, const json& value, F text) {
  if (s.json) {
    std::printf("%s\n", dump(value).c_str());
  } else {
    text(value);
  }
}
// Each item of a JSON array on a line of its own.
void print_lines(const json& array);
// `text` and a newline on stdout, NUL bytes included.
void print_text(std::string_view text);
// `text` into `path`, created 0600 from the first byte. False when it cannot be written.
bool write_private_file(const std::string& path, std::string_view text);

// The org, project and environment a command works on. A flag wins; else CAIRN_VAULT_ORG,
// CAIRN_VAULT_PROJECT, CAIRN_VAULT_ENV; else the first .cairn-vault.json ({"org","project","env"})
// in the working directory or above it.
struct Scope {
  std::string org;
  std::string project;
  std::string env;

  // Fills what the flags left empty; ends the command with a usage error when the org (and, when
  // asked for, the project and environment) is still unknown, or VAULT_PROJECT_FILE_INVALID.
  void resolve(bool need_project, bool need_env);
  std::string org_path() const;      // /api/orgs/{org}
  std::string project_path() const;  // .../projects/{project}
  std::string env_path() const;      // .../envs/{env}
};
// Adds --org (and --project, --env) to `cmd`, bound to `scope`.
void scope_options(CLI::App* cmd, Scope& scope, bool project, bool env);

// The command groups, one file each.
void add_auth(CLI::App& app, ClientSettings& s);     // client_auth.cpp: auth, user, superadmin
void add_orgs(CLI::App& app, ClientSettings& s);     // client_orgs.cpp: org, member, project, env
void add_access(CLI::App& app, ClientSettings& s);   // client_orgs.cpp: acl, service-account
void add_secrets(CLI::App& app, ClientSettings& s);  // client_secrets.cpp: secret
void add_admin(CLI::App& app, ClientSettings& s);    // client_admin.cpp: audit, backup
void add_run(CLI::App& app, ClientSettings& s);      // client_run.cpp: run

}  // namespace cairn::vault::cli
