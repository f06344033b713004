// cairn::secrets entities: what a SecretsService keeps and hands out: organizations, projects,
// environments, secret versions (metadata only: values never travel in these), ACL rules,
// service accounts, and the answer of an access check.
//
// Thread-safety: plain values.
#pragma once

#include <cstdint>
#include <string>

#include "cairn/core/env.hpp"
#include "cairn/secrets/roles.hpp"
#include "cairn/secrets/subject.hpp"

namespace cairn::secrets {

struct Organization {
  std::string id;  // 32 hex characters
  std::string name;
  Timestamp created_at{};
};

struct Project {
  std::string id;
  std::string org_id;
  std::string name;
  Timestamp created_at{};
};

struct Environment {
  std::string id;
  std::string project_id;
  std::string name;
  Timestamp created_at{};
};

struct SecretVersion {
  int64_t version = 0;
  Timestamp created_at{};
  std::string created_by;
};

// A rule: `subject` (a user, or "sa:<name>" for a service account of the org; subject.hpp) gets
// `permission` on the environments whose project and name match the two patterns.
struct AclRule {
  std::string id;
  std::string org_id;
  std::string subject;
  std::string project_pattern;
  std::string env_pattern;
  Permission permission = Permission::kRead;
  Timestamp created_at{};
};

struct ServiceAccount {
  std::string id;
  std::string org_id;
  std::string name;
  std::string project;  // "" when not limited to one project
  Timestamp created_at{};
  // The subject its ACL rules name: "sa:<name>".
  std::string subject() const { return std::string(Subject::kServicePrefix) + name; }
  // The subject it acts under, bound to its organization ("sa:<org id>:<name>"): the actor to
  // pass for requests it makes (subject.hpp).
  Subject actor() const;
};

// The answer of an access check, and why.
struct Decision {
  bool allowed = false;
  // What decided: an ACL rule id, "superadmin", "role:owner" or "role:admin"; "" when denied.
  std::string rule;
  // Why, for people and audit entries ("no matching rule", "capped by role member", ...).
  std::string reason;
};

}  // namespace cairn::secrets
