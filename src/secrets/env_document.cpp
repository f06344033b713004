// The dotenv and JSON codec of secrets' export and import (env_document.hpp).
#include "cairn/secrets/env_document.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "cairn/core/json_text.hpp"
#include "cairn/secrets/limits.hpp"
#include "secrets/internal/service_internal.hpp"

namespace cairn::secrets {
namespace internal {

std::string dotenv_quote(std::string_view value) {
  std::string out = "\"";
  for (char c : value) {
    switch (c) {
      case '\\':
        out += "\\\\";
        break;
      case '"':
        out += "\\\"";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '$':
        out += "\\$";  // so shells and dotenv loaders do not expand it
        break;
      default:
        out += c;
    }
  }
  out += '"';
  return out;
}

}  // namespace internal

namespace {

Unexpected<Error> import_invalid(size_t line, const std::string& why) {
  return fail(ErrorCode::kInvalidArgument, "SECRETS_IMPORT_INVALID",
              "line " + std::to_string(line) + ": " + why);
}

// KEY=value lines: blank lines and '#' comments skipped, an optional "export " prefix, values
// bare (trimmed), single-quoted (literal) or double-quoted (with \\ \" \n \r \$ escapes).
Result<std::vector<std::pair<std::string, std::string>>> parse_dotenv(std::string_view doc) {
  std::vector<std::pair<std::string, std::string>> out;
  size_t number = 0;
  size_t pos = 0;
  while (pos < doc.size()) {
    ++number;
    size_t end = doc.find('\n', pos);
    if (end == std::string_view::npos) end = doc.size();
    std::string_view line = doc.substr(pos, end - pos);
    pos = end + 1;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    while (!line.empty() && (line.front() == ' ' || line.front() == '\t')) line.remove_prefix(1);
    if (line.empty() || line.front() == '#') continue;
    if (line.starts_with("export ")) line.remove_prefix(7);
    size_t eq = line.find('=');
    if (eq == std::string_view::npos) return import_invalid(number, "expected KEY=value");
    std::string key(line.substr(0, eq));
    while (!key.empty() && key.back() == ' ') key.pop_back();
    if (!check_key(key)) return import_invalid(number, "the key is not a valid name");
    std::string_view raw = line.substr(eq + 1);
    while (!raw.empty() && raw.front() == ' ') raw.remove_prefix(1);
    std::string value;
    if (!raw.empty() && raw.front() == '\'') {
      size_t close = raw.find('\'', 1);
      if (close == std::string_view::npos) return import_invalid(number, "unterminated quote");
      value = std::string(raw.substr(1, close - 1));
    } else if (!raw.empty() && raw.front() == '"') {
      size_t i = 1;
      bool closed = false;
      for (; i < raw.size(); ++i) {
        char c = raw[i];
        if (c == '"') {
          closed = true;
          break;
        }
        if (c == '\\' && i + 1 < raw.size()) {
          char next = raw[++i];
          if (next == 'n') {
            value += '\n';
          } else if (next == 'r') {
            value += '\r';
          } else if (next == '\\' || next == '"' || next == '$') {
            value += next;
          } else {
            value += '\\';  // an unknown escape stays as written ("C:\temp")
            value += next;
          }
        } else {
          value += c;
        }
      }
      if (!closed) return import_invalid(number, "unterminated quote");
    } else {
      // A bare value ends at an inline comment (" #...").
      size_t comment = raw.find(" #");
      if (comment != std::string_view::npos) raw = raw.substr(0, comment);
      while (!raw.empty() && (raw.back() == ' ' || raw.back() == '\t')) raw.remove_suffix(1);
      value = std::string(raw);
    }
    if (!check_value(value))
      return import_invalid(number, "the value is not valid UTF-8 or too long");
    out.emplace_back(std::move(key), std::move(value));
  }
  return out;
}

Result<std::vector<std::pair<std::string, std::string>>> parse_json(std::string_view doc) {
  if (std::optional<std::string> why = json_text_refusal(doc)) {
    return import_invalid(1, "not acceptable JSON: " + *why);
  }
  nlohmann::json json = nlohmann::json::parse(doc, nullptr, false);
  if (json.is_discarded() || !json.is_object()) {
    return import_invalid(1, "expected a JSON object of strings");
  }
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& [key, value] : json.items()) {
    if (!check_key(key) || !value.is_string() || !check_value(value.get<std::string>())) {
      return import_invalid(1, "member \"" + key + "\" is not KEY: \"string\"");
    }
    out.emplace_back(key, value.get<std::string>());
  }
  return out;
}

}  // namespace

Result<ExportFormat> parse_export_format(std::string_view name) {
  if (name == "dotenv") return ExportFormat::kDotenv;
  if (name == "json") return ExportFormat::kJson;
  return fail(ErrorCode::kInvalidArgument, "SECRETS_FORMAT_INVALID",
              "formats are \"dotenv\" and \"json\"");
}

Result<std::vector<std::pair<std::string, std::string>>> parse_env_document(
    std::string_view document, ExportFormat format) {
  CAIRN_ASSIGN_OR_RETURN(
      auto entries, format == ExportFormat::kJson ? parse_json(document) : parse_dotenv(document));
  std::vector<std::pair<std::string, std::string>> unique;
  for (auto it = entries.rbegin(); it != entries.rend(); ++it) {
    bool seen = std::any_of(unique.begin(), unique.end(),
                            [&](const auto& e) { return e.first == it->first; });
    if (!seen) unique.push_back(std::move(*it));
  }
  std::reverse(unique.begin(), unique.end());
  return unique;
}

}  // namespace cairn::secrets
