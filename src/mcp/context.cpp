// cairn::mcp::Context and the log level names (context.hpp).
#include "cairn/mcp/context.hpp"

#include <array>

#include "cairn/mcp/server.hpp"

namespace cairn::mcp {
namespace {

// Indexed by LogLevel, in RFC 5424 order (least severe first).
constexpr std::array<std::string_view, 8> kLogLevelNames = {
    "debug", "info", "notice", "warning", "error", "critical", "alert", "emergency"};

}  // namespace

std::string_view log_level_name(LogLevel level) noexcept {
  auto index = static_cast<std::size_t>(level);
  return index < kLogLevelNames.size() ? kLogLevelNames[index] : std::string_view("info");
}

std::optional<LogLevel> parse_log_level(std::string_view name) noexcept {
  for (std::size_t i = 0; i < kLogLevelNames.size(); ++i) {
    if (kLogLevelNames[i] == name) return static_cast<LogLevel>(i);
  }
  return std::nullopt;
}

bool holds_scope(const std::vector<std::string>& scopes, std::string_view scope) noexcept {
  for (const std::string& held : scopes) {
    if (held == scope || held == "*") return true;
  }
  return false;
}

void Context::log(LogLevel level, const nlohmann::json& data) const {
  // The handler does not know its own name here; the logger is left out.
  if (session != nullptr) session->log(level, "", data);
}

}  // namespace cairn::mcp
