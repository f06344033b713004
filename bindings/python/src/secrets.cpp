// cairn._core.secrets: glob patterns for ACL rules and engine.secrets (orgs, projects,
// environments, encrypted versioned secrets, ACL rules, service accounts, master key rotation).
//
// Roles, permissions and export formats cross this edge as their names; times as aware datetimes
// (conversions.hpp). Every call that reaches the engine goes through ServiceHandle.
#include <pybind11/stl.h>

#include <optional>

#include "cairn/crypto/secure.hpp"
#include "cairn/secrets/envelope.hpp"
#include "cairn/secrets/glob.hpp"
#include "cairn/secrets/limits.hpp"
#include "cairn/secrets/service.hpp"
#include "conversions.hpp"
#include "engine.hpp"

namespace cairn::python {
namespace {

using secrets::AclRule;
using secrets::Decision;
using secrets::Environment;
using secrets::Organization;
using secrets::Project;
using secrets::SecretsService;
using secrets::SecretVersion;
using secrets::ServiceAccount;

// A string that is wiped when it goes out of scope: master keys on their way to the engine.
class KeyText {
 public:
  explicit KeyText(std::string text) : text_(std::move(text)) {}
  KeyText(const KeyText&) = delete;
  KeyText& operator=(const KeyText&) = delete;
  ~KeyText() { wipe(text_); }
  const std::string& get() const { return text_; }

 private:
  std::string text_;
};

// How the engine hands out its secrets service: FailedPreconditionError
// (SECRETS_MASTER_KEY_MISSING) when it was opened without a master key.
SecretsService& secrets_of(Engine& engine) { return *unwrap(engine.secrets()); }

// engine.secrets.
using PySecrets = ServiceHandle<SecretsService, &secrets_of>;

secrets::Role role_arg(const std::string& name) { return unwrap(secrets::parse_role(name)); }
secrets::Permission permission_arg(const std::string& name) {
  return unwrap(secrets::parse_permission(name));
}
secrets::ExportFormat format_arg(const std::string& name) {
  return unwrap(secrets::parse_export_format(name));
}

py::object text_or_none(const std::string& text) {
  if (text.empty()) return py::none();
  return py::str(text);
}

py::str name_of(std::string_view name) { return {name.data(), name.size()}; }

}  // namespace

void wipe(std::string& text) noexcept {
  crypto::secure_wipe({reinterpret_cast<uint8_t*>(text.data()), text.size()});
}

secrets::MasterKey master_key_arg(const py::handle& key) {
  if (py::isinstance<py::str>(key)) {
    KeyText text(key.cast<std::string>());
    return unwrap(secrets::MasterKey::from_hex(text.get()));
  }
  BytesArg bytes;
  if (PyObject_CheckBuffer(key.ptr()) == 0 || !bytes.load(key.ptr())) {
    throw py::type_error("master_key must be 32 bytes or a str of 64 hex characters, not " +
                         std::string(py::str(py::type::handle_of(key).attr("__name__"))));
  }
  return unwrap(secrets::MasterKey::from_bytes(bytes.view()));
}

void bind_secrets(py::module_& core, py::class_<PyEngine>& engine_class) {
  py::module_ m = core.def_submodule(
      "secrets", "Glob patterns for ACL rules and the engine's secrets manager (engine.secrets).");

  m.def(
      "glob_match",
      [](std::string_view pattern, std::string_view name) {
        return secrets::glob_match(pattern, name);
      },
      py::arg("pattern"), py::arg("name"),
      "True when name matches the ACL pattern ('*', '?', '{a,b}'); an invalid pattern matches "
      "nothing.");
  m.def(
      "check_pattern", [](std::string_view pattern) { unwrap(secrets::check_pattern(pattern)); },
      py::arg("pattern"),
      "Returns None for a valid ACL pattern; InvalidArgumentError (ACL_PATTERN_INVALID) says why "
      "another is not.");
  m.def(
      "check_name",
      [](std::string_view name, std::string_view what) { unwrap(secrets::check_name(name, what)); },
      py::arg("name"), py::arg("what") = "",
      "Returns None for a valid organization, project, environment or service-account name; "
      "InvalidArgumentError (SECRETS_NAME_INVALID) otherwise.");
  m.def(
      "check_key", [](std::string_view key) { unwrap(secrets::check_key(key)); }, py::arg("key"),
      "Returns None for a valid secret key; InvalidArgumentError (SECRETS_KEY_INVALID) otherwise.");

  // The limits the service enforces (cairn/secrets/limits.hpp), read from the one place;
  // cairn.secrets names them MAX_<KEY>.
  py::dict limits;
  limits["max_name_bytes"] = secrets::kMaxNameBytes;
  limits["max_key_bytes"] = secrets::kMaxKeyBytes;
  limits["max_value_bytes"] = secrets::kMaxValueBytes;
  limits["max_user_bytes"] = secrets::kMaxUserBytes;
  limits["max_pattern_bytes"] = secrets::kMaxPatternBytes;
  limits["max_pattern_groups"] = secrets::kMaxPatternGroups;
  limits["max_pattern_combinations"] = secrets::kMaxPatternCombinations;
  limits["max_reference_depth"] = secrets::kMaxReferenceDepth;
  limits["max_references"] = secrets::kMaxReferences;
  limits["max_expanded_bytes"] = secrets::kMaxExpandedBytes;
  m.attr("limits") = limits;

  // ---- value types
  py::class_<Organization>(m, "Organization", "An organization.")
      .def_readonly("id", &Organization::id)
      .def_readonly("name", &Organization::name)
      .def_readonly("created_at", &Organization::created_at)
      .def("__repr__", [](const Organization& o) {
        return "<cairn.secrets.Organization " + o.name + " " + o.id + ">";
      });

  py::class_<Project>(m, "Project", "A project of an organization.")
      .def_readonly("id", &Project::id)
      .def_readonly("org_id", &Project::org_id)
      .def_readonly("name", &Project::name)
      .def_readonly("created_at", &Project::created_at)
      .def("__repr__",
           [](const Project& p) { return "<cairn.secrets.Project " + p.name + " " + p.id + ">"; });

  py::class_<Environment>(m, "Environment", "An environment of a project.")
      .def_readonly("id", &Environment::id)
      .def_readonly("project_id", &Environment::project_id)
      .def_readonly("name", &Environment::name)
      .def_readonly("created_at", &Environment::created_at)
      .def("__repr__", [](const Environment& e) {
        return "<cairn.secrets.Environment " + e.name + " " + e.id + ">";
      });

  py::class_<SecretVersion>(m, "SecretVersion", "One version of a secret (never its value).")
      .def_readonly("version", &SecretVersion::version)
      .def_readonly("created_at", &SecretVersion::created_at)
      .def_readonly("created_by", &SecretVersion::created_by)
      .def("__repr__", [](const SecretVersion& v) {
        return "<cairn.secrets.SecretVersion " + std::to_string(v.version) + " by " + v.created_by +
               ">";
      });

  py::class_<AclRule>(m, "AclRule",
                      "subject gets permission on the environments whose project and name match "
                      "the two patterns.")
      .def_readonly("id", &AclRule::id)
      .def_readonly("org_id", &AclRule::org_id)
      .def_readonly("subject", &AclRule::subject)
      .def_readonly("project_pattern", &AclRule::project_pattern)
      .def_readonly("env_pattern", &AclRule::env_pattern)
      .def_property_readonly(
          "permission", [](const AclRule& r) { return name_of(permission_name(r.permission)); })
      .def_readonly("created_at", &AclRule::created_at)
      .def("__repr__", [](const AclRule& r) {
        return "<cairn.secrets.AclRule " + r.id + " " + r.subject + " " +
               std::string(permission_name(r.permission)) + " " + r.project_pattern + "/" +
               r.env_pattern + ">";
      });

  py::class_<ServiceAccount>(m, "ServiceAccount",
                             "A service account; its ACL rules name its subject 'sa:<name>'.")
      .def_readonly("id", &ServiceAccount::id)
      .def_readonly("org_id", &ServiceAccount::org_id)
      .def_readonly("name", &ServiceAccount::name)
      .def_property_readonly("project",
                             [](const ServiceAccount& a) { return text_or_none(a.project); })
      .def_property_readonly("subject", &ServiceAccount::subject,
                             "The subject its ACL rules name: 'sa:<name>'.")
      .def_property_readonly(
          "actor", [](const ServiceAccount& a) { return a.actor().to_string(); },
          "The actor to pass for calls it makes ('sa:<org id>:<name>'): the service then keeps "
          "it inside its organization (and its project).")
      .def_readonly("created_at", &ServiceAccount::created_at)
      .def("__repr__", [](const ServiceAccount& a) {
        return "<cairn.secrets.ServiceAccount " + a.subject() + " " + a.id +
               (a.project.empty() ? "" : " of project " + a.project) + ">";
      });

  py::class_<Decision>(m, "Decision", "An access decision and why.")
      .def_readonly("allowed", &Decision::allowed)
      .def_property_readonly(
          "rule", [](const Decision& d) { return text_or_none(d.rule); },
          "What decided: an ACL rule id, 'superadmin', 'role:owner' or "
          "'role:admin'; None when denied.")
      .def_readonly("reason", &Decision::reason)
      .def("__bool__", [](const Decision& d) { return d.allowed; })
      .def("__repr__", [](const Decision& d) {
        return "<cairn.secrets.Decision " + std::string(d.allowed ? "allow" : "deny") +
               (d.rule.empty() ? "" : " by " + d.rule) + ": " + d.reason + ">";
      });

  // ---- engine.secrets
  using Str = const std::string&;
  py::class_<PySecrets>(m, "SecretsService",
                        "The engine's secrets manager: every call is checked against the actor's "
                        "role and ACL rules, and audited.")
      // organizations and members
      .def(
          "create_org",
          [](PySecrets& s, Str name, Str owner) {
            return s.call([&](SecretsService& x) { return x.create_org(name, owner); });
          },
          py::arg("name"), py::arg("owner"),
          "Creates an organization with owner as its owner. Names: 1-64 of [a-z0-9_.-] starting "
          "with a letter or digit.")
      .def(
          "org",
          [](PySecrets& s, Str name) {
            return s.call([&](SecretsService& x) { return x.org(name); });
          },
          py::arg("name"), "NotFoundError (SECRETS_ORG_NOT_FOUND) when there is none.")
      .def(
          "orgs",
          [](PySecrets& s, Str user) {
            return s.call([&](SecretsService& x) { return x.orgs(user); });
          },
          py::arg("user"), "The organizations user is a member of (all of them for a superadmin).")
      .def(
          "delete_org",
          [](PySecrets& s, Str org, Str actor) {
            s.call([&](SecretsService& x) { return x.delete_org(org, actor); });
          },
          py::arg("org"), py::arg("actor"),
          "Soft-deletes the organization (owners and superadmins only): its name is free again, "
          "its service-account keys stop working and nothing below it can be reached.")
      .def(
          "add_member",
          [](PySecrets& s, Str org, Str user, Str role, Str actor) {
            secrets::Role r = role_arg(role);
            s.call([&](SecretsService& x) { return x.add_member(org, user, r, actor); });
          },
          py::arg("org"), py::arg("user"), py::arg("role"), py::arg("actor"),
          "Adds a member or changes their role ('owner', 'admin', 'developer', 'member'). Only "
          "owners make owners.")
      .def(
          "remove_member",
          [](PySecrets& s, Str org, Str user, Str actor) {
            s.call([&](SecretsService& x) { return x.remove_member(org, user, actor); });
          },
          py::arg("org"), py::arg("user"), py::arg("actor"))
      .def(
          "members",
          [](PySecrets& s, Str org, Str actor) {
            auto members = s.call([&](SecretsService& x) { return x.members(org, actor); });
            py::list out;
            for (const auto& [user, role] : members) {
              out.append(py::make_tuple(user, name_of(secrets::role_name(role))));
            }
            return out;
          },
          py::arg("org"), py::arg("actor"), "(user, role) pairs, ordered by user.")
      .def(
          "set_superadmin",
          [](PySecrets& s, Str user, bool superadmin) {
            s.call([&](SecretsService& x) { return x.set_superadmin(user, superadmin); });
          },
          py::arg("user"), py::arg("superadmin") = true,
          "Makes (or with superadmin=False unmakes) user a superadmin: for the host's bootstrap "
          "code, not for requests.")
      .def(
          "is_superadmin",
          [](PySecrets& s, Str user) {
            return s.call([&](SecretsService& x) { return x.is_superadmin(user); });
          },
          py::arg("user"), "Whether user is a superadmin (never a service account); not audited.")
      .def(
          "superadmins",
          [](PySecrets& s) { return s.call([&](SecretsService& x) { return x.superadmins(); }); },
          "Every superadmin, sorted; not audited.")
      .def(
          "claim_first_superadmin",
          [](PySecrets& s, Str user) {
            return s.call([&](SecretsService& x) { return x.claim_first_superadmin(user); });
          },
          py::arg("user"),
          "Makes user superadmin when the database never had one and nobody claimed the role "
          "before; True when this call did. At most one call per database ever claims.")
      .def(
          "grant_superadmin",
          [](PySecrets& s, Str user, Str actor) {
            s.call([&](SecretsService& x) { return x.grant_superadmin(user, actor); });
          },
          py::arg("user"), py::arg("actor"), "A superadmin (actor) makes user a superadmin.")
      .def(
          "revoke_superadmin",
          [](PySecrets& s, Str user, Str actor) {
            s.call([&](SecretsService& x) { return x.revoke_superadmin(user, actor); });
          },
          py::arg("user"), py::arg("actor"),
          "A superadmin (actor) takes the role from another superadmin (never from themselves).")
      // projects and environments
      .def(
          "create_project",
          [](PySecrets& s, Str org, Str name, Str actor) {
            return s.call([&](SecretsService& x) { return x.create_project(org, name, actor); });
          },
          py::arg("org"), py::arg("name"), py::arg("actor"))
      .def(
          "create_environment",
          [](PySecrets& s, Str org, Str project, Str name, Str actor) {
            return s.call(
                [&](SecretsService& x) { return x.create_environment(org, project, name, actor); });
          },
          py::arg("org"), py::arg("project"), py::arg("name"), py::arg("actor"))
      .def(
          "delete_project",
          [](PySecrets& s, Str org, Str project, Str actor) {
            s.call([&](SecretsService& x) { return x.delete_project(org, project, actor); });
          },
          py::arg("org"), py::arg("project"), py::arg("actor"),
          "Soft-deletes the project (admins only): its name is free again and its secrets can no "
          "longer be reached.")
      .def(
          "delete_environment",
          [](PySecrets& s, Str org, Str project, Str env, Str actor) {
            s.call(
                [&](SecretsService& x) { return x.delete_environment(org, project, env, actor); });
          },
          py::arg("org"), py::arg("project"), py::arg("env"), py::arg("actor"),
          "Soft-deletes the environment (admins only): its name is free again and its secrets can "
          "no longer be reached.")
      .def(
          "projects",
          [](PySecrets& s, Str org, Str actor) {
            return s.call([&](SecretsService& x) { return x.projects(org, actor); });
          },
          py::arg("org"), py::arg("actor"), "The org's project names.")
      .def(
          "environments",
          [](PySecrets& s, Str org, Str project, Str actor) {
            return s.call([&](SecretsService& x) { return x.environments(org, project, actor); });
          },
          py::arg("org"), py::arg("project"), py::arg("actor"), "The project's environment names.")
      // secrets
      .def(
          "set",
          [](PySecrets& s, Str org, Str project, Str env, Str key, Str value, Str actor) {
            return s.call(
                [&](SecretsService& x) { return x.set(org, project, env, key, value, actor); });
          },
          py::arg("org"), py::arg("project"), py::arg("env"), py::arg("key"), py::arg("value"),
          py::arg("actor"),
          "Stores a new version of key and returns its number. Keys: [A-Za-z_][A-Za-z0-9_]{0,255}; "
          "values: up to 64 KiB of text.")
      .def(
          "get",
          [](PySecrets& s, Str org, Str project, Str env, Str key, Str actor,
             std::optional<int64_t> version, std::optional<Timestamp> at, bool expand) {
            return s.call([&](SecretsService& x) {
              return x.get(org, project, env, key, actor, version, at, expand);
            });
          },
          py::arg("org"), py::arg("project"), py::arg("env"), py::arg("key"), py::arg("actor"),
          py::arg("version") = py::none(), py::arg("as_of") = py::none(), py::arg("expand") = true,
          "The latest value, version `version`, or the value as of `as_of` (an aware datetime: the "
          "newest version created at or before it), with ${KEY}, ${env.KEY} and "
          "${project.env.KEY} references expanded unless expand=False.")
      .def(
          "list",
          [](PySecrets& s, Str org, Str project, Str env, Str actor) {
            return s.call([&](SecretsService& x) { return x.list(org, project, env, actor); });
          },
          py::arg("org"), py::arg("project"), py::arg("env"), py::arg("actor"),
          "The environment's live keys, sorted.")
      .def(
          "versions",
          [](PySecrets& s, Str org, Str project, Str env, Str key, Str actor) {
            return s.call(
                [&](SecretsService& x) { return x.versions(org, project, env, key, actor); });
          },
          py::arg("org"), py::arg("project"), py::arg("env"), py::arg("key"), py::arg("actor"),
          "Every version of key (SecretVersion: version, created_at, created_by), oldest first.")
      .def(
          "rollback",
          [](PySecrets& s, Str org, Str project, Str env, Str key, int64_t version, Str actor) {
            return s.call([&](SecretsService& x) {
              return x.rollback(org, project, env, key, version, actor);
            });
          },
          py::arg("org"), py::arg("project"), py::arg("env"), py::arg("key"), py::arg("version"),
          py::arg("actor"), "Stores a new version equal to version `version`; returns its number.")
      .def(
          "delete",
          [](PySecrets& s, Str org, Str project, Str env, Str key, Str actor) {
            s.call([&](SecretsService& x) { return x.remove(org, project, env, key, actor); });
          },
          py::arg("org"), py::arg("project"), py::arg("env"), py::arg("key"), py::arg("actor"),
          "Soft-deletes the secret; its name becomes free.")
      .def(
          "restore",
          [](PySecrets& s, Str org, Str project, Str env, Str key, Str actor) {
            s.call([&](SecretsService& x) { return x.restore(org, project, env, key, actor); });
          },
          py::arg("org"), py::arg("project"), py::arg("env"), py::arg("key"), py::arg("actor"),
          "Brings back the latest deleted secret named key. AlreadyExistsError (SECRET_EXISTS) "
          "when the name was reused meanwhile.")
      .def(
          "export",
          [](PySecrets& s, Str org, Str project, Str env, Str actor, Str format, bool expand) {
            secrets::ExportFormat f = format_arg(format);
            return s.call([&](SecretsService& x) {
              return x.export_env(org, project, env, actor, f, expand);
            });
          },
          py::arg("org"), py::arg("project"), py::arg("env"), py::arg("actor"),
          py::arg("format") = "dotenv", py::arg("expand") = false,
          "Every secret of the environment: 'dotenv' (sorted KEY=\"value\" lines) or 'json' (an "
          "object); references expanded when expand (read access checked for each). One read, "
          "one audit entry.")
      .def(
          "import_env",
          [](PySecrets& s, Str org, Str project, Str env, Str document, Str actor, Str format) {
            secrets::ExportFormat f = format_arg(format);
            return s.call([&](SecretsService& x) {
              return x.import_env(org, project, env, document, actor, f);
            });
          },
          py::arg("org"), py::arg("project"), py::arg("env"), py::arg("document"), py::arg("actor"),
          py::arg("format") = "dotenv",
          "Sets every key of a dotenv or JSON document whose value differs; returns how many. "
          "InvalidArgumentError (SECRETS_IMPORT_INVALID): nothing is set.")
      // ACL
      .def(
          "grant",
          [](PySecrets& s, Str org, Str subject, Str project_pattern, Str env_pattern,
             Str permission, Str actor) {
            secrets::Permission p = permission_arg(permission);
            return s.call([&](SecretsService& x) {
              return x.grant(org, subject, project_pattern, env_pattern, p, actor);
            });
          },
          py::arg("org"), py::arg("subject"), py::arg("project_pattern"), py::arg("env_pattern"),
          py::arg("permission"), py::arg("actor"),
          "Grants permission ('read', 'write', 'admin') to subject (a user or 'sa:<name>') on the "
          "matching environments and returns the rule id; granting the same subject and patterns "
          "again changes that rule.")
      .def(
          "revoke",
          [](PySecrets& s, Str org, Str rule_id, Str actor) {
            s.call([&](SecretsService& x) { return x.revoke(org, rule_id, actor); });
          },
          py::arg("org"), py::arg("rule_id"), py::arg("actor"))
      .def(
          "rules",
          [](PySecrets& s, Str org, Str actor) {
            return s.call([&](SecretsService& x) { return x.rules(org, actor); });
          },
          py::arg("org"), py::arg("actor"), "The org's live rules, oldest first.")
      .def(
          "check",
          [](PySecrets& s, Str org, Str subject, Str project, Str env, Str permission) {
            secrets::Permission p = permission_arg(permission);
            return s.call(
                [&](SecretsService& x) { return x.check(org, subject, project, env, p); });
          },
          py::arg("org"), py::arg("subject"), py::arg("project"), py::arg("env"),
          py::arg("permission"),
          "May subject do permission in org/project/env? A Decision (.allowed, .rule, .reason); "
          "writes no audit entry.")
      // service accounts
      .def(
          "create_service_account",
          [](PySecrets& s, Str org, Str name, Str actor,
             const std::optional<std::string>& project) {
            secrets::NewServiceAccount created = s.call([&](SecretsService& x) {
              return x.create_service_account(org, name, actor, project.value_or(""));
            });
            return py::make_tuple(py::cast(std::move(created.account)), std::move(created.api_key));
          },
          py::arg("org"), py::arg("name"), py::arg("actor"), py::arg("project") = py::none(),
          "A new service account: (ServiceAccount, api_key). The key exists only in this answer. "
          "With project, the account reaches only that project.")
      .def(
          "authenticate_api_key",
          [](PySecrets& s, Str api_key) {
            return s.call([&](SecretsService& x) { return x.authenticate_api_key(api_key); });
          },
          py::arg("api_key"),
          "The live ServiceAccount of api_key. UnauthenticatedError (AUTH_TOKEN_INVALID).")
      .def(
          "service_accounts",
          [](PySecrets& s, Str org, Str actor) {
            return s.call([&](SecretsService& x) { return x.service_accounts(org, actor); });
          },
          py::arg("org"), py::arg("actor"),
          "The org's live ServiceAccounts, oldest first (needs admin); keys are never included.")
      .def(
          "revoke_service_account",
          [](PySecrets& s, Str org, Str name, Str actor) {
            s.call([&](SecretsService& x) { return x.revoke_service_account(org, name, actor); });
          },
          py::arg("org"), py::arg("name"), py::arg("actor"),
          "Revokes the account (its key stops working) and removes its rules.")
      // keys
      .def(
          "rotate_master_key",
          [](PySecrets& s, const py::object& new_key, Str actor) {
            secrets::MasterKey key = master_key_arg(new_key);
            s.call([&](SecretsService& x) { return x.rotate_master_key(std::move(key), actor); });
          },
          py::arg("new_key"), py::arg("actor") = "system",
          "Re-wraps every data key under new_key (32 bytes or 64 hex characters) in one atomic "
          "step; afterwards only new_key opens the database.");

  bind_service_property<PySecrets>(
      engine_class, "secrets",
      "The engine's secrets manager. FailedPreconditionError (SECRETS_MASTER_KEY_MISSING) when the "
      "engine was opened without master_key.");
}

}  // namespace cairn::python
