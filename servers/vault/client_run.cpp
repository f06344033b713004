// cairn-vault's client: `run`, which replaces itself with a command that has an environment's
// secrets in its environment.
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <system_error>

#include "vault/client_internal.hpp"

extern char** environ;  // NOLINT(readability-redundant-declaration): POSIX, for the child's

namespace cairn::vault::cli {

namespace {

constexpr int kExitNotExecutable = 126;
constexpr int kExitNotFound = 127;

// The program execvp() would run for `name`, found on this process's PATH (confstr's default
// path without one). Ends the command with status 127 when there is none, 126 when what is found
// cannot be executed.
std::string find_program(const std::string& name) {
  if (name.empty()) {
    fail_with({ErrorCode::kNotFound, "VAULT_COMMAND_NOT_FOUND", "no command given"}, kExitNotFound);
  }
  if (name.find('/') != std::string::npos) return name;
  const char* env_path = std::getenv("PATH");  // NOLINT(concurrency-mt-unsafe): single-threaded
  std::string path;
  if (env_path != nullptr) {
    path = env_path;
  } else {
    path.resize(::confstr(_CS_PATH, nullptr, 0));
    if (!path.empty()) ::confstr(_CS_PATH, path.data(), path.size());
    path.resize(std::strlen(path.c_str()));  // without the NUL confstr wrote
  }
  bool denied = false;
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = path.find(':', start);
    if (end == std::string::npos) end = path.size();
    std::string dir = path.substr(start, end - start);
    std::string candidate = (dir.empty() ? std::string(".") : dir) + "/" + name;
    struct stat st {};
    if (::stat(candidate.c_str(), &st) == 0 && S_ISREG(st.st_mode)) {
      if (::access(candidate.c_str(), X_OK) == 0) return candidate;
      denied = true;
    }
    start = end + 1;
  }
  if (denied) {
    fail_with({ErrorCode::kPermissionDenied, "VAULT_COMMAND_NOT_EXECUTABLE",
               "cannot run " + name + ": permission denied"},
              kExitNotExecutable);
  }
  fail_with({ErrorCode::kNotFound, "VAULT_COMMAND_NOT_FOUND", "cannot run " + name + ": not found"},
            kExitNotFound);
}

// This process's environment without the client's own credentials, which the command has no
// business holding, and without the names in `secrets`; then the secrets as NAME=value.
std::vector<std::string> child_environment(const json& secrets) {
  ::unsetenv("CAIRN_VAULT_API_KEY");  // NOLINT(concurrency-mt-unsafe): single-threaded CLI
  ::unsetenv("CAIRN_VAULT_SESSION");  // NOLINT(concurrency-mt-unsafe)
  std::vector<std::string> out;
  for (char** entry = environ; *entry != nullptr; ++entry) {
    std::string_view text = *entry;
    if (secrets.contains(std::string(text.substr(0, text.find('='))))) continue;
    out.emplace_back(text);
  }
  for (const auto& [key, value] : secrets.items()) {
    if (!value.is_string()) {
      fail_with({ErrorCode::kUnavailable, "VAULT_RESPONSE_INVALID",
                 "the server's export holds a value that is not text"});
    }
    const auto& text = value.get_ref<const std::string&>();
    if (text.find('\0') != std::string::npos) {
      fail_with({ErrorCode::kFailedPrecondition, "VAULT_RUN_VALUE_INVALID",
                 "secret " + key + " holds a NUL character, which no environment variable can"});
    }
    std::string entry = key;
    entry += '=';
    entry += text;
    out.push_back(std::move(entry));
  }
  return out;
}

}  // namespace

void add_run(CLI::App& app, ClientSettings& s) {
  auto scope = std::make_shared<Scope>();
  auto command = std::make_shared<std::vector<std::string>>();
  CLI::App* run = app.add_subcommand("run", "run a command with an environment's secrets");
  scope_options(run, *scope, true, true);
  run->add_option("command", *command, "the command and its arguments, after --")->required();
  run->callback([&s, scope, command] {
    scope->resolve(true, true);
    // Which program runs is decided before any secret is in sight: a secret named PATH changes
    // the command's environment, never the choice of the command.
    std::string program = find_program(command->front());
    json secrets;
    {
      Api api(s);
      // One request: one consistent read of the environment and one audit entry.
      secrets = api.call("GET", scope->env_path() + "/export?format=json&expand=true");
    }
    if (!secrets.is_object()) {
      fail_with({ErrorCode::kUnavailable, "VAULT_RESPONSE_INVALID",
                 "the server's export is not a JSON object"});
    }
    std::vector<std::string> env = child_environment(secrets);
    std::vector<char*> envp;
    envp.reserve(env.size() + 1);
    for (std::string& entry : env) envp.push_back(entry.data());
    envp.push_back(nullptr);
    std::vector<char*> argv;
    argv.reserve(command->size() + 1);
    for (std::string& arg : *command) argv.push_back(arg.data());
    argv.push_back(nullptr);
    std::fflush(stdout);
    std::fflush(stderr);
    // main() ignores SIGPIPE for itself; an ignored signal would stay ignored across exec.
    std::signal(SIGPIPE, SIG_DFL);
    // execvpe with a path: no second PATH search, and a script without #! still runs under
    // /bin/sh, as with execvp.
    ::execvpe(program.c_str(), argv.data(), envp.data());
    int error = errno;
    bool missing = error == ENOENT || error == ENOTDIR;
    fail_with({missing ? ErrorCode::kNotFound : ErrorCode::kPermissionDenied,
               missing ? "VAULT_COMMAND_NOT_FOUND" : "VAULT_COMMAND_NOT_EXECUTABLE",
               "cannot run " + command->front() + ": " + std::generic_category().message(error)},
              missing ? kExitNotFound : kExitNotExecutable);
  });
}

}  // namespace cairn::vault::cli
