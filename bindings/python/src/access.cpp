// cairn._core.access: visibility, roles, policies and the access decision.
#include <pybind11/stl.h>

#include "cairn/access/check.hpp"
#include "conversions.hpp"
#include "engine.hpp"

namespace cairn::python {
namespace {

using namespace cairn::access;

// A Python attribute value (str, bool, int, float, list of str) as a policy Value.
Value to_value(const py::handle& v) {
  if (v.is_none()) return {};
  if (py::isinstance<py::bool_>(v)) return v.cast<bool>();
  if (py::isinstance<py::int_>(v) || py::isinstance<py::float_>(v)) return v.cast<double>();
  if (py::isinstance<py::str>(v)) return v.cast<std::string>();
  if (py::isinstance<py::list>(v) || py::isinstance<py::tuple>(v)) {
    std::vector<std::string> out;
    for (const py::handle& item : v) out.push_back(py::str(item).cast<std::string>());
    return out;
  }
  throw ErrorException{{ErrorCode::kInvalidArgument, "ACCESS_ATTRIBUTE_INVALID",
                        "attribute values are str, bool, int, float or a list of str"}};
}

std::map<std::string, Value> to_attrs(const py::object& attrs) {
  std::map<std::string, Value> out;
  if (attrs.is_none()) return out;
  for (const auto& [k, v] : attrs.cast<py::dict>()) out[k.cast<std::string>()] = to_value(v);
  return out;
}

Environment env_arg(const py::object& env) {
  Environment e;
  if (env.is_none()) return e;
  for (const auto& [k, v] : env.cast<py::dict>()) {
    std::string key = k.cast<std::string>();
    if (key == "time") {  // an aware datetime; policies match it in whole seconds
      e.time = std::chrono::floor<std::chrono::seconds>(timestamp_arg(v, "env['time']"))
                   .time_since_epoch()
                   .count();
    } else {
      e.attrs[key] = to_value(v);
    }
  }
  return e;
}

// engine.access: its policies and the engine's relationships, so the service is the engine.
using PyAccess = ServiceHandle<Engine, &whole_engine>;

Visibility visibility_arg(const py::object& v) {
  if (v.is_none()) return Visibility::kDirect;
  return unwrap(parse_visibility(v.cast<std::string>()));
}

}  // namespace

void bind_access(py::module_& core) {
  py::module_ m = core.def_submodule("access", "Visibility, roles, policies and access decisions.");

  py::class_<Subject>(m, "Subject", "Who asks.")
      .def(py::init([](std::string id_tag, std::vector<std::string> roles, bool authenticated,
                       bool following, bool connected, std::optional<std::string> tenant,
                       const py::object& attrs) {
             Subject s;
             s.id_tag = std::move(id_tag);
             s.roles = std::move(roles);
             s.authenticated = authenticated;
             s.following = following;
             s.connected = connected;
             s.tenant = std::move(tenant);
             s.attrs = to_attrs(attrs);
             return s;
           }),
           py::arg("id_tag"), py::arg("roles") = std::vector<std::string>{},
           py::arg("authenticated") = true, py::arg("following") = false,
           py::arg("connected") = false, py::arg("tenant") = py::none(),
           py::arg("attrs") = py::none())
      .def_readonly("id_tag", &Subject::id_tag)
      .def_readonly("roles", &Subject::roles)
      .def_readonly("authenticated", &Subject::authenticated)
      .def_readonly("following", &Subject::following)
      .def_readonly("connected", &Subject::connected)
      .def_readonly("tenant", &Subject::tenant);

  py::class_<Resource>(m, "Resource", "What is asked about.")
      .def(py::init([](std::string owner, std::optional<std::string> issuer,
                       const py::object& visibility, std::vector<std::string> audience,
                       std::optional<std::string> access_level, const py::object& attrs) {
             Resource r;
             r.owner = std::move(owner);
             r.issuer = std::move(issuer);
             r.visibility = visibility_arg(visibility);
             r.audience = std::move(audience);
             if (access_level) r.access_level = parse_access_level(*access_level);
             r.attrs = to_attrs(attrs);
             return r;
           }),
           py::arg("owner"), py::arg("issuer") = py::none(), py::arg("visibility") = "F",
           py::arg("audience") = std::vector<std::string>{}, py::arg("access_level") = py::none(),
           py::arg("attrs") = py::none(),
           "visibility: a one-character code (P V 2 F C S D), a name, or None for Direct. "
           "access_level: none/read/comment/write/admin (anything else counts as none).")
      .def_readonly("owner", &Resource::owner)
      .def_readonly("issuer", &Resource::issuer)
      .def_property_readonly(
          "visibility",
          [](const Resource& r) { return std::string(1, visibility_char(r.visibility)); })
      .def_readonly("audience", &Resource::audience);

  py::class_<Policy>(m, "Policy", "A validated policy document (top and bottom rules).")
      .def_static(
          "from_json", [](const std::string& text) { return unwrap(Policy::from_json(text)); },
          py::arg("text"),
          "Parses and validates; InvalidArgumentError (ACCESS_POLICY_INVALID) names the bad path.")
      .def("to_json", &Policy::to_json)
      .def_property_readonly("top_rules", [](const Policy& p) { return p.top().size(); })
      .def_property_readonly("bottom_rules", [](const Policy& p) { return p.bottom().size(); });

  py::class_<Decision>(m, "Decision", "An access decision with its reason.")
      .def_readonly("allowed", &Decision::allowed)
      .def_property_readonly("step", [](const Decision& d) { return std::string(d.step); })
      .def_property_readonly("rule",
                             [](const Decision& d) -> py::object {
                               if (d.rule_index < 0) return py::none();
                               return py::str(d.rule());
                             })
      .def("__bool__", [](const Decision& d) { return d.allowed; })
      .def("__repr__", [](const Decision& d) {
        return "<Decision " + std::string(d.allowed ? "allow" : "deny") + " by " +
               std::string(d.step) + (d.rule_index >= 0 ? " " + d.rule() : "") + ">";
      });

  m.def(
      "check",
      [](const Subject& subject, const std::string& action, const Resource& resource,
         const py::object& env, const Policy* policy, bool explain) -> py::object {
        Decision d = access::check(subject, action, resource, env_arg(env), policy);
        if (explain) return py::cast(d);
        return py::bool_(d.allowed);
      },
      py::arg("subject"), py::arg("action"), py::arg("resource"), py::arg("env") = py::none(),
      py::arg("policy") = nullptr, py::arg("explain") = false,
      "True when subject may do action ('resource:op') on resource; with explain=True a "
      "Decision (.allowed, .step, .rule). env: {'time': unix seconds, other attributes}.");
  m.def(
      "can_access",
      [](const std::string& level, const py::object& visibility) {
        return access::can_access(unwrap(parse_level(level)), visibility_arg(visibility));
      },
      py::arg("level"), py::arg("visibility"));
  m.def(
      "visible_levels",
      [](const std::string& level) {
        std::vector<std::string> out;
        for (Visibility v : access::visible_levels(unwrap(parse_level(level)))) {
          out.emplace_back(1, visibility_char(v));
        }
        return out;
      },
      py::arg("level"), "The visibility codes a subject at `level` may see.");
  m.def(
      "expand_roles",
      [](const std::vector<std::string>& roles) { return access::expand_roles(roles); },
      py::arg("roles"));
  m.def(
      "can_manage_member",
      [](const std::vector<std::string>& actor, const std::vector<std::string>& target) {
        return access::can_manage_member(actor, target);
      },
      py::arg("actor_roles"), py::arg("target_roles"));
  m.def(
      "can_assign_role",
      [](const std::vector<std::string>& actor, const std::string& role) {
        return access::can_assign_role(actor, role);
      },
      py::arg("actor_roles"), py::arg("role"));
  m.def(
      "resolve_file_access",
      [](const std::string& subject, const std::string& file_owner, const std::string& tenant,
         const std::vector<std::string>& roles, std::optional<std::string> direct_share,
         const std::vector<std::optional<std::string>>& folder_shares,
         std::optional<std::string> share_action) {
        FileAccessFacts f;
        f.subject = subject;
        f.file_owner = file_owner;
        f.tenant = tenant;
        f.subject_roles = roles;
        auto level = [](const std::string& s) {
          return s.size() == 1 ? access_level_from_perm_char(s[0])
                               : parse_access_level(s).value_or(AccessLevel::kRead);
        };
        if (direct_share) f.direct_share = level(*direct_share);
        for (const auto& share : folder_shares) {
          f.folder_shares.push_back(share ? std::optional<AccessLevel>(level(*share))
                                          : std::nullopt);
        }
        f.share_action = std::move(share_action);
        return std::string(access_level_name(access::resolve_file_access(f)));
      },
      py::arg("subject"), py::arg("file_owner"), py::arg("tenant"),
      py::arg("roles") = std::vector<std::string>{}, py::arg("direct_share") = py::none(),
      py::arg("folder_shares") = std::vector<std::optional<std::string>>{},
      py::arg("share_action") = py::none(),
      "The subject's access level on a file ('none' ... 'admin'); shares are perm characters "
      "(A W C R) or level names; folder_shares nearest first, None where a folder has none.");
  m.def(
      "relationship_level",
      [](const Subject& s, const Resource& r) {
        return std::string(level_name(access::relationship_level(s, r)));
      },
      py::arg("subject"), py::arg("resource"));
}

void bind_engine_access(py::module_& core, py::class_<PyEngine>& engine_class) {
  py::module_ m = core.attr("access").cast<py::module_>();
  py::class_<PyAccess>(m, "AccessService", "Per-tenant policies and decisions of an engine.")
      .def(
          "set_policy",
          [](PyAccess& a, const std::string& tenant, const std::string& document,
             const std::string& actor) {
            a.call([&](Engine& e) { return e.access().set_policy(tenant, document, actor); });
          },
          py::arg("tenant"), py::arg("document"), py::arg("actor") = "",
          "Validates, stores and audits the tenant's policy document.")
      .def(
          "policy",
          [](PyAccess& a, const std::string& tenant) {
            return a.call([&](Engine& e) { return e.access().policy(tenant); });
          },
          py::arg("tenant"), "The tenant's Policy, or None.")
      .def(
          "remove_policy",
          [](PyAccess& a, const std::string& tenant, const std::string& actor) {
            a.call([&](Engine& e) { return e.access().remove_policy(tenant, actor); });
          },
          py::arg("tenant"), py::arg("actor") = "")
      .def(
          "check",
          [](PyAccess& a, const std::string& tenant, const Subject& subject,
             const std::string& action, const Resource& resource, const py::object& env,
             bool explain) -> py::object {
            Environment e = env_arg(env);
            Decision d = a.call([&](Engine& engine) {
              return engine.access().check(tenant, subject, action, resource, e);
            });
            if (explain) return py::cast(d);
            return py::bool_(d.allowed);
          },
          py::arg("tenant"), py::arg("subject"), py::arg("action"), py::arg("resource"),
          py::arg("env") = py::none(), py::arg("explain") = false,
          "check() with the tenant's policy and the engine's relationships.")
      .def(
          "follow",
          [](PyAccess& a, const std::string& subject, const std::string& owner) {
            a.call([&](Engine& e) { e.relationships().follow(subject, owner); });
          },
          py::arg("subject"), py::arg("owner"))
      .def(
          "unfollow",
          [](PyAccess& a, const std::string& subject, const std::string& owner) {
            a.call([&](Engine& e) { e.relationships().unfollow(subject, owner); });
          },
          py::arg("subject"), py::arg("owner"))
      .def(
          "connect",
          [](PyAccess& a, const std::string& x, const std::string& y) {
            a.call([&](Engine& e) { e.relationships().connect(x, y); });
          },
          py::arg("a"), py::arg("b"))
      .def(
          "subscribe",
          [](PyAccess& a, const std::string& subject, const std::string& owner) {
            a.call([&](Engine& e) { e.relationships().subscribe(subject, owner); });
          },
          py::arg("subject"), py::arg("owner"));
  bind_service_property<PyAccess>(
      engine_class, "access", "The engine's access service (policies per tenant, relationships).");
}

}  // namespace cairn::python
