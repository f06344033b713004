// cairn-vault's client: secrets — read, write, versions, export, import and diff.
#include <cstdio>
#include <fstream>
#include <iostream>
#include <iterator>
#include <set>

#include "cairn/secrets/service.hpp"
#include "vault/client_internal.hpp"

namespace cairn::vault::cli {

namespace {

// The whole of `path` ("-": stdin), checked to be UTF-8.
std::string read_input(const std::string& path) {
  std::string text;
  if (path == "-") {
    text.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
  } else {
    std::ifstream in(path, std::ios::binary);
    if (!in.is_open()) {
      fail_with({ErrorCode::kUnavailable, "VAULT_FILE_FAILED", "cannot read " + path});
    }
    text.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    if (in.bad()) fail_with({ErrorCode::kUnavailable, "VAULT_FILE_FAILED", "cannot read " + path});
  }
  require_utf8(text, path == "-" ? std::string("stdin") : path);
  return text;
}

// The environment's secrets as one JSON object, from one request (one read, one audit entry).
json export_object(Api& api, const Scope& scope, bool expand) {
  json doc = api.call(
      "GET", scope.env_path() + "/export?format=json&expand=" + (expand ? "true" : "false"));
  if (!doc.is_object()) {
    fail_with({ErrorCode::kUnavailable, "VAULT_RESPONSE_INVALID",
               "the server's export is not a JSON object"});
  }
  return doc;
}

void add_read_write(CLI::App* secret, ClientSettings& s) {
  auto scope = std::make_shared<Scope>();
  auto key = std::make_shared<std::string>();
  auto value = std::make_shared<std::string>();
  auto version = std::make_shared<int64_t>(0);
  auto as_of = std::make_shared<std::string>();
  auto raw = std::make_shared<bool>(false);

  CLI::App* get = secret->add_subcommand("get", "print a value (references expanded)");
  scope_options(get, *scope, true, true);
  get->add_option("key", *key, "its key")->required();
  auto* by_version =
      get->add_option("--version", *version, "an earlier version")->check(CLI::PositiveNumber);
  auto* by_time =
      get->add_option("--as-of", *as_of, "the value at a time (UTC, 2026-11-22T10:15:00Z)");
  by_version->excludes(by_time);
  get->add_flag("--raw", *raw, "do not expand ${...} references");
  get->callback([&s, scope, key, version, as_of, raw] {
    scope->resolve(true, true);
    std::string target = scope->env_path() + "/secrets/" + segment(*key) +
                         query({{"version", *version > 0 ? std::to_string(*version) : ""},
                                {"as_of", *as_of},
                                {"expand", *raw ? "false" : ""}});
    Api api(s);
    show(s, api.call("GET", target), [](const json& v) { print_text(v.value("value", "")); });
  });

  CLI::App* set = secret->add_subcommand("set", "store a new version (value '-': read stdin)");
  scope_options(set, *scope, true, true);
  set->add_option("key", *key, "its key")->required();
  set->add_option("value", *value, "the value, or - to read it from stdin")->required();
  set->callback([&s, scope, key, value] {
    scope->resolve(true, true);
    std::string text = *value;
    if (text == "-") {
      text.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
      if (text.ends_with('\n')) text.pop_back();
      require_utf8(text, "the value read from stdin");
    } else {
      require_utf8(text, "the value");
    }
    std::string target = scope->env_path() + "/secrets/" + segment(*key);
    Api api(s);
    show(s, api.call("PUT", target, {{"value", text}}), [](const json& v) {
      std::printf("%s is version %lld\n", v.value("key", "").c_str(),
                  static_cast<long long>(v.value("version", int64_t{0})));
    });
  });

  CLI::App* list = secret->add_subcommand("list", "the keys");
  scope_options(list, *scope, true, true);
  list->callback([&s, scope] {
    scope->resolve(true, true);
    Api api(s);
    show(s, api.call("GET", scope->env_path() + "/secrets"),
         [](const json& v) { print_lines(v["keys"]); });
  });
  CLI::App* del = secret->add_subcommand("delete", "soft-delete a secret");
  scope_options(del, *scope, true, true);
  del->add_option("key", *key, "its key")->required();
  del->callback([&s, scope, key] {
    scope->resolve(true, true);
    std::string target = scope->env_path() + "/secrets/" + segment(*key);
    Api api(s);
    api.call("DELETE", target);
    show(s, json{{"deleted", *key}},
         [&](const json&) { std::printf("deleted %s\n", key->c_str()); });
  });
  CLI::App* versions = secret->add_subcommand("versions", "the versions of a secret");
  scope_options(versions, *scope, true, true);
  versions->add_option("key", *key, "its key")->required();
  versions->callback([&s, scope, key] {
    scope->resolve(true, true);
    std::string target = scope->env_path() + "/secrets/" + segment(*key) + "/versions";
    Api api(s);
    show(s, api.call("GET", target), [](const json& v) {
      for (const auto& item : v["versions"]) {
        std::printf("%lld\t%s\t%s\n", static_cast<long long>(item.value("version", int64_t{0})),
                    item.value("created_at", "").c_str(), item.value("created_by", "").c_str());
      }
    });
  });
  CLI::App* rollback = secret->add_subcommand("rollback", "a new version equal to an old one");
  scope_options(rollback, *scope, true, true);
  rollback->add_option("key", *key, "its key")->required();
  rollback->add_option("--version", *version, "the version to bring back")->required();
  rollback->callback([&s, scope, key, version] {
    scope->resolve(true, true);
    std::string target = scope->env_path() + "/secrets/" + segment(*key) + "/rollback";
    Api api(s);
    show(s, api.call("POST", target, {{"version", *version}}), [](const json& v) {
      std::printf("%s is version %lld (as version %lld)\n", v.value("key", "").c_str(),
                  static_cast<long long>(v.value("version", int64_t{0})),
                  static_cast<long long>(v.value("rolled_back_to", int64_t{0})));
    });
  });
}

void add_export(CLI::App* secret, ClientSettings& s) {
  auto scope = std::make_shared<Scope>();
  auto format = std::make_shared<std::string>();
  auto no_expand = std::make_shared<bool>(false);
  auto out = std::make_shared<std::string>();
  CLI::App* exp = secret->add_subcommand("export", "the environment as dotenv or JSON");
  scope_options(exp, *scope, true, true);
  exp->add_option("--format", *format, "dotenv (default; json with --json) or json")
      ->check(CLI::IsMember({"dotenv", "json"}));
  exp->add_flag("--no-expand", *no_expand, "leave ${...} references as they are stored");
  exp->add_option("--out", *out, "write to this file (0600) instead of stdout");
  exp->callback([&s, scope, format, no_expand, out] {
    scope->resolve(true, true);
    std::string chosen = !format->empty() ? *format : s.json ? "json" : "dotenv";
    std::string target = scope->env_path() + "/export?format=" + chosen +
                         "&expand=" + (*no_expand ? "false" : "true");
    Api api(s);
    std::string text = api.call_raw("GET", target);
    if (out->empty()) {
      std::fwrite(text.data(), 1, text.size(), stdout);
      return;
    }
    if (!write_private_file(*out, text)) {
      fail_with({ErrorCode::kUnavailable, "VAULT_FILE_FAILED", "cannot write " + *out});
    }
    show(s, json{{"path", *out}, {"bytes", text.size()}},
         [&](const json&) { std::printf("wrote %s\n", out->c_str()); });
  });
}

void add_import(CLI::App* secret, ClientSettings& s) {
  auto scope = std::make_shared<Scope>();
  auto file = std::make_shared<std::string>();
  auto format = std::make_shared<std::string>();
  CLI::App* imp = secret->add_subcommand("import", "set every KEY of a dotenv or JSON file");
  scope_options(imp, *scope, true, true);
  imp->add_option("file", *file, "the file, or - for stdin")->required();
  imp->add_option("--format", *format, "dotenv or json (default: json for *.json, else dotenv)")
      ->check(CLI::IsMember({"dotenv", "json"}));
  imp->callback([&s, scope, file, format] {
    scope->resolve(true, true);
    std::string document = read_input(*file);
    bool as_json = !format->empty() ? *format == "json" : file->ends_with(".json");
    // The engine's reading of the document, so that the CLI and import_env() agree on it. Every
    // entry is checked before anything is sent.
    auto entries = must(secrets::parse_env_document(
        document, as_json ? secrets::ExportFormat::kJson : secrets::ExportFormat::kDotenv));
    Api api(s);
    json set = json::array();
    for (const auto& [key, value] : entries) {
      json answer;
      try {
        answer =
            api.call("PUT", scope->env_path() + "/secrets/" + segment(key), {{"value", value}});
      } catch (const CommandError& e) {
        Error error = e.error();
        error.message += " (at " + key + "; " + std::to_string(set.size()) + " of " +
                         std::to_string(entries.size()) + " were set before it)";
        fail_with(error, e.status());
      }
      set.push_back({{"key", key}, {"version", answer.value("version", int64_t{0})}});
      if (!s.json) {
        std::printf("%s is version %lld\n", key.c_str(),
                    static_cast<long long>(answer.value("version", int64_t{0})));
      }
    }
    if (s.json) std::printf("%s\n", dump(json{{"set", set}}).c_str());
  });
}

// "ENV" or "PROJECT/ENV" within the scope's org (and project).
Scope place_of(const Scope& base, const std::string& which) {
  Scope out = base;
  size_t slash = which.find('/');
  if (slash != std::string::npos) out.project = which.substr(0, slash);
  out.env = slash == std::string::npos ? which : which.substr(slash + 1);
  out.resolve(true, true);
  return out;
}

void add_diff(CLI::App* secret, ClientSettings& s) {
  auto scope = std::make_shared<Scope>();
  auto a = std::make_shared<std::string>();
  auto b = std::make_shared<std::string>();
  auto show_values = std::make_shared<bool>(false);
  auto no_expand = std::make_shared<bool>(false);
  CLI::App* diff = secret->add_subcommand(
      "diff", "keys only in A (-), only in B (+), and changed (~); values only on request");
  scope_options(diff, *scope, true, false);
  diff->add_option("a", *a, "an environment, or PROJECT/ENV")->required();
  diff->add_option("b", *b, "the other environment, or PROJECT/ENV")->required();
  diff->add_flag("--show-values", *show_values, "print the values that differ");
  diff->add_flag("--no-expand", *no_expand, "compare values as stored, references unexpanded");
  diff->callback([&s, scope, a, b, show_values, no_expand] {
    Scope first = place_of(*scope, *a);
    Scope second = place_of(*scope, *b);
    Api api(s);
    json left = export_object(api, first, !*no_expand);
    json right = export_object(api, second, !*no_expand);
    std::set<std::string> keys;
    for (const auto& [k, v] : left.items()) keys.insert(k);
    for (const auto& [k, v] : right.items()) keys.insert(k);
    json out = {{"a", first.project + "/" + first.env},
                {"b", second.project + "/" + second.env},
                {"only_in_a", json::array()},
                {"only_in_b", json::array()},
                {"changed", json::array()}};
    json values = json::object();
    for (const std::string& k : keys) {
      bool in_a = left.contains(k);
      bool in_b = right.contains(k);
      if (in_a && in_b && left[k] == right[k]) continue;
      out[!in_b ? "only_in_a" : !in_a ? "only_in_b" : "changed"].push_back(k);
      if (*show_values) {
        values[k] = {{"a", in_a ? left[k] : json(nullptr)}, {"b", in_b ? right[k] : json(nullptr)}};
      }
    }
    if (*show_values) out["values"] = values;
    show(s, out, [&](const json& v) {
      auto line = [&](const char* mark, const std::string& k) {
        std::string text = std::string(mark) + " " + k;
        if (*show_values) {
          const json& pair = v["values"][k];
          text += ": " + (pair["a"].is_null() ? "" : dump(pair["a"])) + " -> " +
                  (pair["b"].is_null() ? "" : dump(pair["b"]));
        }
        print_text(text);
      };
      for (const auto& k : v["only_in_a"]) line("-", k.get<std::string>());
      for (const auto& k : v["only_in_b"]) line("+", k.get<std::string>());
      for (const auto& k : v["changed"]) line("~", k.get<std::string>());
    });
  });
}

}  // namespace

void add_secrets(CLI::App& app, ClientSettings& s) {
  CLI::App* secret =
      app.add_subcommand("secret", "secrets of an environment")->require_subcommand(1);
  add_read_write(secret, s);
  add_export(secret, s);
  add_import(secret, s);
  add_diff(secret, s);
}

}  // namespace cairn::vault::cli
