// cairn::secrets::Subject: who acts or is granted access in the secrets domain: a user, named by
// their email, or a service account, named by its name within its organization.
//
// Text forms (the one place they are parsed and formatted):
//   "ada@acme.io"                 a user (any text without the "sa:" prefix; see limits.hpp)
//   "sa:deploy"                   the service account "deploy" of the organization acted on: the
//                                 form ACL rules and audit entries use
//   "sa:<org id>:deploy"          the service account "deploy" of the organization with that id
//                                 (32 hex characters): the form a caller authenticated by an API
//                                 key acts under (ServiceAccount::actor())
//
// An actor in the bound form reaches its own organization only: to the SecretsService another
// organization looks missing (SECRETS_ORG_NOT_FOUND), and a service account created for one
// project is denied every other project. Hosts that authenticate API keys therefore act under
// account.actor().to_string(), never under a name they assemble.
//
// Thread-safety: a value type; pure functions.
#pragma once

#include <string>
#include <string_view>

#include "cairn/core/result.hpp"

namespace cairn::secrets {

struct ServiceAccount;

class Subject {
 public:
  enum class Kind { kUser, kServiceAccount };

  // The prefix of service-account subjects.
  static constexpr std::string_view kServicePrefix = "sa:";

  // A user. Errors: INVALID_ARGUMENT / SECRETS_SUBJECT_INVALID (empty, longer than
  // kMaxUserBytes, a space or control character, or starting with "sa:").
  static Result<Subject> user(std::string_view email);
  // A service account named `name`, of the organization `org_id` ("" for "of the organization
  // acted on"). Errors: INVALID_ARGUMENT / SECRETS_SUBJECT_INVALID.
  static Result<Subject> service_account(std::string_view name, std::string_view org_id = {});
  // One of the text forms above. Errors: INVALID_ARGUMENT / SECRETS_SUBJECT_INVALID.
  static Result<Subject> parse(std::string_view text);
  // Whether `text` is in a service-account form ("sa:..."), valid or not.
  static bool names_service_account(std::string_view text) noexcept {
    return text.starts_with(kServicePrefix);
  }

  Kind kind() const noexcept { return kind_; }
  bool is_user() const noexcept { return kind_ == Kind::kUser; }
  bool is_service_account() const noexcept { return kind_ == Kind::kServiceAccount; }
  // Users: the email. Service accounts: the account's name.
  const std::string& name() const noexcept { return name_; }
  // Service accounts: the id of their organization, "" when unbound. Users: "".
  const std::string& org_id() const noexcept { return org_id_; }

  // The full text form: "ada@acme.io", "sa:deploy" or "sa:<org id>:deploy"; parse() reads it
  // back.
  std::string to_string() const;
  // The form within one organization, as ACL rules and audit entries name it: "ada@acme.io" or
  // "sa:deploy".
  std::string in_org() const;

  friend bool operator==(const Subject&, const Subject&) = default;

 private:
  friend struct ServiceAccount;  // its actor(): a stored account is valid by construction
  Subject(Kind kind, std::string name, std::string org_id)
      : kind_(kind), name_(std::move(name)), org_id_(std::move(org_id)) {}
  Kind kind_ = Kind::kUser;
  std::string name_;
  std::string org_id_;
};

}  // namespace cairn::secrets
