// Pieces shared by the secrets service's files.
#pragma once

#include <string>
#include <string_view>

#include "cairn/audit/entry.hpp"
#include "cairn/secrets/service.hpp"

namespace cairn::secrets {

// Where a secret lives.
struct SecretsService::Place {
  Organization org;
  Project project;
  Environment env;
  // "org/project/env" and, with a key, "org/project/env/KEY": audit resource ids.
  std::string path(std::string_view key = {}) const {
    std::string out = org.name;
    for (std::string_view part :
         {std::string_view(project.name), std::string_view(env.name), key}) {
      if (part.empty()) continue;
      out += '/';
      out += part;
    }
    return out;
  }
};

namespace internal {

// [a-z0-9][a-z0-9_.-]{0,62}. Errors: INVALID_ARGUMENT / SECRETS_NAME_INVALID.
Status check_name(std::string_view name, std::string_view what);
// [A-Za-z_][A-Za-z0-9_]{0,63}. Errors: INVALID_ARGUMENT / SECRETS_KEY_INVALID.
Status check_key(std::string_view key);
// A user (1-254 bytes of printable ASCII, no spaces) or "sa:<name>". Errors: INVALID_ARGUMENT /
// SECRETS_SUBJECT_INVALID.
Status check_subject(std::string_view subject);
bool is_service_subject(std::string_view subject);

audit::EntryInput entry(std::string_view actor, std::string action, std::string resource_type,
                        std::string resource_id, std::string outcome, std::string details = "");

Unexpected<Error> access_denied(std::string_view what);

}  // namespace internal
}  // namespace cairn::secrets
