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

using secrets::check_key;
using secrets::check_name;

// OK when `subject` is one of Subject's text forms. Errors: INVALID_ARGUMENT /
// SECRETS_SUBJECT_INVALID.
inline Status check_subject(std::string_view subject) {
  CAIRN_TRY(Subject::parse(subject));
  return ok_status();
}
inline bool is_service_subject(std::string_view subject) {
  return Subject::names_service_account(subject);
}

// An audit entry by `actor` (a service account recorded as "sa:<name>", whatever form it acted
// under).
audit::EntryInput entry(std::string_view actor, std::string action, std::string resource_type,
                        std::string resource_id, std::string outcome, std::string details = "");

Unexpected<Error> access_denied(std::string_view what);

// `value` double-quoted for a dotenv line (env_document.hpp's escapes).
std::string dotenv_quote(std::string_view value);

}  // namespace internal
}  // namespace cairn::secrets
