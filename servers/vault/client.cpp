// cairn-vault's client: the conversation with the server, the session file and its binding to
// one server, where a command's scope comes from, and how commands end.
#include "vault/client.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <functional>
#include <iterator>

#include "cairn/auth/token_file.hpp"
#include "cairn/core/encoding.hpp"
#include "cairn/core/json_text.hpp"
#include "cairn/core/time.hpp"
#include "cairn/version.h"
#include "vault/client_internal.hpp"

namespace cairn::vault {

namespace cli {

namespace {

const char* env_or_null(const char* name) {
  const char* value = std::getenv(name);  // NOLINT(concurrency-mt-unsafe): single-threaded CLI
  return value != nullptr && *value != '\0' ? value : nullptr;
}

std::string lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string upper(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

std::string server_file(const ClientSettings& s) { return s.session_file + ".server"; }

// The host of an http:// or https:// URL, without brackets or port ("" for other schemes).
std::string url_host(std::string_view url) {
  size_t scheme = url.find("://");
  if (scheme == std::string_view::npos) return "";
  std::string_view rest = url.substr(scheme + 3);
  rest = rest.substr(0, rest.find_first_of("/?#"));
  if (rest.starts_with('[')) {
    size_t close = rest.find(']');
    return std::string(rest.substr(1, close == std::string_view::npos ? close : close - 1));
  }
  return std::string(rest.substr(0, rest.find(':')));
}

// 127.0.0.0/8, ::1 (and ::ffff:127.x.x.x), or the name "localhost". Other names are not
// resolved: what the name resolves to can change, what the user typed cannot.
bool is_loopback(const std::string& host) {
  if (lower(host) == "localhost") return true;
  in_addr v4{};
  if (::inet_pton(AF_INET, host.c_str(), &v4) == 1) return (ntohl(v4.s_addr) >> 24) == 127;
  in6_addr v6{};
  if (::inet_pton(AF_INET6, host.c_str(), &v6) == 1) {
    if (IN6_IS_ADDR_LOOPBACK(&v6)) return true;
    return IN6_IS_ADDR_V4MAPPED(&v6) && v6.s6_addr[12] == 127;
  }
  return false;
}

// "2026-11-22T10:15:00Z", `seconds` from now.
std::string utc_in(std::chrono::seconds seconds) {
  return format_rfc3339(Env::system().now() + seconds, TimePrecision::kSeconds);
}

// Tells when to retry a 429 or 503: from Retry-After in seconds (in error.retry_after) or as an
// HTTP date.
void add_retry_hint(Error& error, const net::ClientResponse& res) {
  if (res.status != 429 && res.status != 503) return;
  auto seconds = std::chrono::duration_cast<std::chrono::seconds>(error.retry_after);
  if (seconds.count() > 0) {
    error.message +=
        "; retry in " + std::to_string(seconds.count()) + " s (after " + utc_in(seconds) + ")";
  } else if (auto header = res.headers.get("Retry-After")) {
    std::string when(*header);
    if (encoding::is_valid_utf8(when)) error.message += "; retry after " + when;
  }
}

void check_json_utf8(const json& value) {
  if (value.is_string()) {
    require_utf8(value.get_ref<const std::string&>(), "a value");
  } else if (value.is_object()) {
    for (const auto& [key, item] : value.items()) {
      require_utf8(key, "a field name");
      check_json_utf8(item);
    }
  } else if (value.is_array()) {
    for (const auto& item : value) check_json_utf8(item);
  }
}

// The nearest .cairn-vault.json at or above the working directory, parsed; null when none.
json project_file() {
  char cwd[4096];
  if (::getcwd(cwd, sizeof cwd) == nullptr) return nullptr;
  std::string dir = cwd;
  while (true) {
    std::string path = (dir == "/" ? "" : dir) + "/.cairn-vault.json";
    std::ifstream in(path, std::ios::binary);
    if (in.is_open()) {
      std::string text;
      text.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
      json parsed = cairn::json_text_refusal(text) ? json(json::value_t::discarded)
                                                   : json::parse(text, nullptr, false);
      if (parsed.is_discarded() || !parsed.is_object()) {
        usage_error(path + " is not a JSON object", "VAULT_PROJECT_FILE_INVALID");
      }
      for (const char* field : {"org", "project", "env"}) {
        if (parsed.contains(field) && !parsed[field].is_string()) {
          usage_error(path + ": \"" + field + "\" must be a string", "VAULT_PROJECT_FILE_INVALID");
        }
      }
      return parsed;
    }
    if (dir == "/" || dir.empty()) return nullptr;
    size_t slash = dir.rfind('/');
    dir = slash == 0 ? "/" : dir.substr(0, slash);
  }
}

// Prints `error` on stderr: "cairn-vault: CODE REASON: message", or the common error body.
void report(const Error& error, bool as_json) {
  if (as_json) {
    json body = {{"code", std::string(code_name(error.code))},
                 {"reason", error.reason},
                 {"message", error.message}};
    auto retry = std::chrono::duration_cast<std::chrono::seconds>(error.retry_after);
    if (retry.count() > 0) body["retry_after_seconds"] = retry.count();
    std::fprintf(stderr, "%s\n", dump(json{{"error", body}}).c_str());
  } else {
    std::fprintf(stderr, "cairn-vault: %s\n", error.to_string().c_str());
  }
}

}  // namespace

void fail_with(const Error& error, int status) { throw CommandError(error, status); }

void usage_error(std::string message, std::string reason) {
  fail_with({ErrorCode::kInvalidArgument, std::move(reason), std::move(message)}, kExitUsage);
}

void require_utf8(std::string_view text, std::string_view what) {
  if (encoding::is_valid_utf8(text)) return;
  fail_with({ErrorCode::kInvalidArgument, "VAULT_INPUT_NOT_UTF8",
             std::string(what) +
                 " is not UTF-8 text; the vault stores text only: base64-encode binary data "
                 "first (base64 -w0 FILE | cairn-vault secret set ... KEY -)"});
}

std::string segment(std::string_view text) {
  require_utf8(text, "an argument");
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

std::string query(const std::vector<std::pair<std::string, std::string>>& params) {
  std::string out;
  for (const auto& [name, value] : params) {
    if (value.empty()) continue;
    out += out.empty() ? "?" : "&";
    out += name + "=" + segment(value);
  }
  return out;
}

std::string dump(const json& value, int indent) {
  return value.dump(indent, ' ', false, json::error_handler_t::replace);
}

void print_lines(const json& array) {
  for (const auto& item : array)
    print_text(item.is_string() ? item.get<std::string>() : dump(item));
}

void print_text(std::string_view text) {
  std::fwrite(text.data(), 1, text.size(), stdout);
  std::fputc('\n', stdout);
}

bool write_private_file(const std::string& path, std::string_view text) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  bool written = fd >= 0 && ::fchmod(fd, 0600) == 0 &&
                 ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) &&
                 ::fsync(fd) == 0;
  if (fd >= 0) ::close(fd);
  return written;
}

std::string normalized_url(std::string_view url) {
  std::string out(url);
  while (out.size() > 1 && out.back() == '/') out.pop_back();
  size_t scheme = out.find("://");
  if (scheme == std::string::npos) return out;  // unix:/path: the path as written
  size_t end = out.find_first_of("/?#", scheme + 3);
  if (end == std::string::npos) end = out.size();
  std::string head = lower(out.substr(0, end));
  if (head.starts_with("http://") && head.ends_with(":80")) {
    head.resize(head.size() - 3);
  } else if (head.starts_with("https://") && head.ends_with(":443")) {
    head.resize(head.size() - 4);
  }
  return head + out.substr(end);
}

void save_session(const ClientSettings& s, std::string_view token) {
  // The old token goes first, the binding next, the new token last: a failure in between leaves
  // no token, never a token bound to a server that did not issue it.
  forget_session(s);
  must(auth::write_token_file(server_file(s), normalized_url(s.server)));
  must(auth::write_token_file(s.session_file, token));
}

void forget_session(const ClientSettings& s) {
  ::unlink(s.session_file.c_str());
  ::unlink(server_file(s).c_str());
}

Api::Api(const ClientSettings& settings, Credentials credentials) : settings_(settings) {
  net::ClientOptions options;
  options.ca_file = settings.ca_file;
  std::optional<std::string> token;
  const char* key = env_or_null("CAIRN_VAULT_API_KEY");
  if (credentials == Credentials::kCaller && key == nullptr) {
    auto read = auth::read_token_file(settings.session_file);
    if (!read && read.error().reason != "AUTH_TOKEN_FILE_NOT_FOUND") fail_with(read.error());
    if (read) {
      // The token goes only to the server that issued it.
      auto bound = auth::read_token_file(server_file(settings));
      std::string here = normalized_url(settings.server);
      if (!bound || *bound != here) {
        std::string issuer = bound ? "by " + *bound : "by a server it does not name";
        fail_with({ErrorCode::kFailedPrecondition, "VAULT_SESSION_OTHER_SERVER",
                   "the session in " + settings.session_file + " was issued " + issuer +
                       ", not by " + here + "; sign in to " + here + ": cairn-vault --server " +
                       here + " auth login --email ..."});
      }
      token = std::move(*read);
    }
  }
  client_ =
      std::make_unique<net::HttpClient>(must(net::HttpClient::connect(settings.server, options)));
  if (credentials == Credentials::kNone) return;
  if (key != nullptr) {
    warn_if_plaintext("your API key (CAIRN_VAULT_API_KEY)");
    headers_.set("X-API-Key", key);
  } else if (token) {
    warn_if_plaintext("your session token");
    headers_.set("Authorization", "Bearer " + *token);
  }
}

void Api::warn_if_plaintext(std::string_view what) {
  if (warned_ || !lower(settings_.server).starts_with("http://")) return;
  std::string host = url_host(settings_.server);
  if (is_loopback(host)) return;
  warned_ = true;
  std::fprintf(stderr,
               "cairn-vault: warning: sending %.*s over plain http:// to %s, which is not a "
               "loopback address: anyone on the way can read it; use https://\n",
               static_cast<int>(what.size()), what.data(), host.c_str());
}

std::string Api::call_raw(std::string_view method, const std::string& target, const json& body) {
  check_json_utf8(body);
  std::string text = body.is_null() ? std::string() : dump(body);
  net::Headers headers = headers_;
  if (!text.empty()) headers.set("Content-Type", "application/json");
  net::ClientResponse res = must(client_->request(method, target, headers, text));
  if (Status status = net::response_status(res); !status) {
    Error error = status.error();
    add_retry_hint(error, res);
    fail_with(error);
  }
  return res.body;
}

json Api::call(std::string_view method, const std::string& target, const json& body) {
  std::string text = call_raw(method, target, body);
  if (text.empty()) return json::object();
  json parsed = cairn::json_text_refusal(text) ? json(json::value_t::discarded)
                                               : json::parse(text, nullptr, false);
  if (parsed.is_discarded()) {
    fail_with(
        {ErrorCode::kUnavailable, "VAULT_RESPONSE_INVALID", "the server's answer is not JSON"});
  }
  return parsed;
}

void Scope::resolve(bool need_project, bool need_env) {
  struct Field {
    std::string* value;
    const char* from_environment;
    const char* name;
    bool needed;
  };
  const Field fields[] = {{&org, env_or_null("CAIRN_VAULT_ORG"), "org", true},
                          {&project, env_or_null("CAIRN_VAULT_PROJECT"), "project", need_project},
                          {&env, env_or_null("CAIRN_VAULT_ENV"), "env", need_env}};
  std::optional<json> file;
  for (const Field& f : fields) {
    if (!f.needed || !f.value->empty()) continue;
    if (f.from_environment != nullptr) {
      *f.value = f.from_environment;
      continue;
    }
    if (!file) file = project_file();
    if (file->is_object() && file->contains(f.name)) *f.value = (*file)[f.name].get<std::string>();
    if (f.value->empty()) {
      std::string variable = "CAIRN_VAULT_" + upper(f.name);
      usage_error(std::string("give --") + f.name + " (or set " + variable +
                  ", or put it in a .cairn-vault.json)");
    }
  }
}

std::string Scope::org_path() const { return "/api/orgs/" + segment(org); }
std::string Scope::project_path() const { return org_path() + "/projects/" + segment(project); }
std::string Scope::env_path() const { return project_path() + "/envs/" + segment(env); }

void scope_options(CLI::App* cmd, Scope& scope, bool project, bool env) {
  cmd->add_option("--org", scope.org, "organization (CAIRN_VAULT_ORG)");
  if (project) cmd->add_option("--project", scope.project, "project (CAIRN_VAULT_PROJECT)");
  if (env) cmd->add_option("--env", scope.env, "environment (CAIRN_VAULT_ENV)");
}

}  // namespace cli

ClientSettings client_settings_from_environment() {
  ClientSettings s;
  const char* server = cli::env_or_null("CAIRN_VAULT_SERVER");
  s.server = server != nullptr ? server : "http://127.0.0.1:7100";
  if (const char* session = cli::env_or_null("CAIRN_VAULT_SESSION")) {
    s.session_file = session;
  } else if (const char* config = cli::env_or_null("XDG_CONFIG_HOME")) {
    s.session_file = std::string(config) + "/cairn-vault/session";
  } else {
    const char* home = cli::env_or_null("HOME");
    s.session_file = std::string(home != nullptr ? home : ".") + "/.config/cairn-vault/session";
  }
  return s;
}

void add_client_commands(CLI::App& app, ClientSettings& settings) {
  app.set_version_flag("--version", std::string("cairn-vault ") + CAIRN_VERSION_STRING);
  app.add_option("--server", settings.server, "the server's URL (CAIRN_VAULT_SERVER)");
  app.add_option("--session", settings.session_file,
                 "the session token file (CAIRN_VAULT_SESSION)");
  app.add_option("--ca-file", settings.ca_file, "CA certificates (PEM) to trust for https://");
  app.add_flag("--json", settings.json, "print JSON (errors too, on stderr)");
  cli::add_auth(app, settings);
  cli::add_orgs(app, settings);
  cli::add_secrets(app, settings);
  cli::add_access(app, settings);
  cli::add_admin(app, settings);
  cli::add_run(app, settings);
  // The client's options (--server, --json, ...) may also follow the command.
  std::function<void(CLI::App*)> fall_through = [&](CLI::App* parent) {
    for (CLI::App* sub : parent->get_subcommands({})) {
      sub->fallthrough();
      fall_through(sub);
    }
  };
  fall_through(&app);
}

int run_command_line(CLI::App& app, int argc, char** argv, const ClientSettings& settings) {
  auto as_json = [&] {
    const CLI::Option* flag = app.get_option_no_throw("--json");
    return settings.json || (flag != nullptr && flag->count() > 0);
  };
  try {
    app.parse(argc, argv);
    return 0;
  } catch (const cli::CommandError& e) {
    cli::report(e.error(), as_json());
    return e.status();
  } catch (const CLI::RuntimeError& e) {
    return e.get_exit_code();  // reported already (`run`'s status, a broken audit chain)
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == static_cast<int>(CLI::ExitCodes::Success)) return app.exit(e);
    if (as_json()) {
      cli::report({ErrorCode::kInvalidArgument, "VAULT_USAGE_INVALID", e.what()}, true);
    } else {
      app.exit(e);
    }
    return kExitUsage;
  } catch (const std::exception& e) {
    cli::report({ErrorCode::kInternal, "VAULT_CLIENT_INTERNAL", e.what()}, as_json());
  } catch (...) {
    cli::report({ErrorCode::kInternal, "VAULT_CLIENT_INTERNAL", "an unexpected failure"},
                as_json());
  }
  return kExitFailed;
}

}  // namespace cairn::vault
