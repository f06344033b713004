// The C ABI's access control: policies, decisions, the engine's per-tenant service.
#include <cstring>
#include <nlohmann/json.hpp>

#include "cairn/access/check.hpp"
#include "common.hpp"
#include "engine_handle.hpp"

using cairn::capi::guard;
using cairn::capi::null_argument;
using cairn::capi::set_error;
using cairn::capi::set_ok;
namespace acl = cairn::access;

struct cairn_access_policy {
  acl::Policy policy;
};

namespace {

std::string text(const char* s) { return s != nullptr ? std::string(s) : std::string(); }

cairn_status bad_attrs() {
  return set_error(
      {cairn::ErrorCode::kInvalidArgument, "ACCESS_ATTRIBUTE_INVALID",
       "attrs_json must be a JSON object of text, numbers, booleans or lists of text"});
}

// Parses attrs_json; false when it is not an acceptable object.
bool attrs_of(const char* json_text, std::map<std::string, acl::Value>& out) {
  if (json_text == nullptr) return true;
  nlohmann::json j = nlohmann::json::parse(json_text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return false;
  for (const auto& [key, v] : j.items()) {
    if (v.is_boolean()) {
      out[key] = v.get<bool>();
    } else if (v.is_number()) {
      out[key] = v.get<double>();
    } else if (v.is_string()) {
      out[key] = v.get<std::string>();
    } else if (v.is_array()) {
      std::vector<std::string> list;
      for (const auto& item : v) {
        if (!item.is_string()) return false;
        list.push_back(item.get<std::string>());
      }
      out[key] = std::move(list);
    } else if (!v.is_null()) {
      return false;
    }
  }
  return true;
}

std::vector<std::string> strings(const char* const* items, size_t count) {
  std::vector<std::string> out;
  for (size_t i = 0; i < count && items != nullptr; ++i) out.push_back(text(items[i]));
  return out;
}

bool subject_of(const cairn_access_subject* in, acl::Subject& out) {
  out.id_tag = text(in->id_tag);
  out.roles = strings(in->roles, in->roles_count);
  out.authenticated = in->authenticated != 0;
  out.following = in->following != 0;
  out.connected = in->connected != 0;
  if (in->tenant != nullptr) out.tenant = in->tenant;
  return attrs_of(in->attrs_json, out.attrs);
}

bool resource_of(const cairn_access_resource* in, acl::Resource& out) {
  out.owner = text(in->owner);
  if (in->issuer != nullptr) out.issuer = in->issuer;
  out.visibility = acl::visibility_from_char(in->visibility);
  out.audience = strings(in->audience, in->audience_count);
  if (in->access_level != nullptr) out.access_level = acl::parse_access_level(in->access_level);
  return attrs_of(in->attrs_json, out.attrs);
}

bool env_of(const cairn_access_env* in, acl::Environment& out) {
  if (in == nullptr) return true;
  if (in->has_time != 0) out.time = in->time;
  return attrs_of(in->attrs_json, out.attrs);
}

void fill(cairn_access_decision* out, const acl::Decision& d) {
  out->allowed = d.allowed ? 1 : 0;
  std::memset(out->step, 0, sizeof out->step);
  std::memset(out->rule, 0, sizeof out->rule);
  std::memcpy(out->step, d.step.data(), std::min(d.step.size(), sizeof out->step - 1));
  std::string rule = d.rule();
  std::memcpy(out->rule, rule.data(), std::min(rule.size(), sizeof out->rule - 1));
}

// Converts the C inputs; sets the error and returns false on bad input.
bool inputs(const cairn_access_subject* subject, const char* action,
            const cairn_access_resource* resource, const cairn_access_env* env, acl::Subject& s,
            acl::Resource& r, acl::Environment& e, cairn_status& status) {
  if (subject == nullptr || resource == nullptr || action == nullptr) {
    status = null_argument("subject, action and resource");
    return false;
  }
  if (!subject_of(subject, s) || !resource_of(resource, r) || !env_of(env, e)) {
    status = bad_attrs();
    return false;
  }
  return true;
}

}  // namespace

extern "C" {

cairn_status cairn_access_policy_parse(cairn_access_policy** out, const char* json) {
  return guard([&] {
    if (out == nullptr) return null_argument("out");
    *out = nullptr;
    if (json == nullptr) return null_argument("json");
    auto policy = acl::Policy::from_json(json);
    if (!policy) return set_error(policy.error());
    *out = new cairn_access_policy{std::move(*policy)};
    return set_ok();
  });
}

cairn_status cairn_access_policy_to_json(char** out, const cairn_access_policy* policy) {
  return guard([&] {
    if (out == nullptr) return null_argument("out");
    *out = nullptr;
    if (policy == nullptr) return null_argument("policy");
    *out = cairn::capi::copy_string(policy->policy.to_json());
    return set_ok();
  });
}

void cairn_access_policy_free(cairn_access_policy* policy) { delete policy; }

cairn_status cairn_access_check(cairn_access_decision* out, const cairn_access_subject* subject,
                                const char* action, const cairn_access_resource* resource,
                                const cairn_access_env* env, const cairn_access_policy* policy) {
  return guard([&] {
    if (out == nullptr) return null_argument("out");
    acl::Subject s;
    acl::Resource r;
    acl::Environment e;
    cairn_status status = CAIRN_OK;
    if (!inputs(subject, action, resource, env, s, r, e, status)) return status;
    fill(out, acl::check(s, action, r, e, policy != nullptr ? &policy->policy : nullptr));
    return set_ok();
  });
}

cairn_status cairn_access_can_access(int* out, const char* level, char visibility) {
  return guard([&] {
    if (out == nullptr) return null_argument("out");
    if (level == nullptr) return null_argument("level");
    auto l = acl::parse_level(level);
    if (!l) return set_error(l.error());
    *out = acl::can_access(*l, acl::visibility_from_char(visibility)) ? 1 : 0;
    return set_ok();
  });
}

int cairn_access_can_manage_member(const char* const* actor_roles, size_t actor_count,
                                   const char* const* target_roles, size_t target_count) {
  try {
    return acl::can_manage_member(strings(actor_roles, actor_count),
                                  strings(target_roles, target_count))
               ? 1
               : 0;
  } catch (...) {
    return 0;
  }
}

int cairn_access_can_assign_role(const char* const* actor_roles, size_t actor_count,
                                 const char* role) {
  try {
    return role != nullptr && acl::can_assign_role(strings(actor_roles, actor_count), role) ? 1 : 0;
  } catch (...) {
    return 0;
  }
}

cairn_status cairn_access_resolve_file_access(const char** out, const char* subject,
                                              const char* file_owner, const char* tenant,
                                              const char* const* roles, size_t roles_count,
                                              char direct_share, const char* folder_shares,
                                              const char* share_action) {
  return guard([&] {
    if (out == nullptr) return null_argument("out");
    if (subject == nullptr || tenant == nullptr) return null_argument("subject and tenant");
    acl::FileAccessFacts f;
    f.subject = subject;
    f.file_owner = text(file_owner);
    f.tenant = tenant;
    f.subject_roles = strings(roles, roles_count);
    if (direct_share != 0) f.direct_share = acl::access_level_from_perm_char(direct_share);
    for (const char* p = folder_shares; p != nullptr && *p != '\0'; ++p) {
      f.folder_shares.push_back(*p == '-' ? std::nullopt
                                          : std::optional(acl::access_level_from_perm_char(*p)));
    }
    if (share_action != nullptr) f.share_action = share_action;
    *out = acl::access_level_name(acl::resolve_file_access(f)).data();
    return set_ok();
  });
}

cairn_status cairn_access_set_policy(cairn_engine* engine, const char* tenant, const char* json,
                                     const char* actor) {
  return guard([&] {
    if (engine == nullptr || tenant == nullptr || json == nullptr) {
      return null_argument("engine, tenant and json");
    }
    return cairn::capi::from_status(engine->engine->access().set_policy(tenant, json, text(actor)));
  });
}

cairn_status cairn_access_remove_policy(cairn_engine* engine, const char* tenant,
                                        const char* actor) {
  return guard([&] {
    if (engine == nullptr || tenant == nullptr) return null_argument("engine and tenant");
    return cairn::capi::from_status(engine->engine->access().remove_policy(tenant, text(actor)));
  });
}

cairn_status cairn_access_check_tenant(cairn_access_decision* out, cairn_engine* engine,
                                       const char* tenant, const cairn_access_subject* subject,
                                       const char* action, const cairn_access_resource* resource,
                                       const cairn_access_env* env) {
  return guard([&] {
    if (out == nullptr) return null_argument("out");
    if (engine == nullptr || tenant == nullptr) return null_argument("engine and tenant");
    acl::Subject s;
    acl::Resource r;
    acl::Environment e;
    cairn_status status = CAIRN_OK;
    if (!inputs(subject, action, resource, env, s, r, e, status)) return status;
    auto d = engine->engine->access().check(tenant, std::move(s), action, std::move(r), e);
    if (!d) return set_error(d.error());
    fill(out, *d);
    return set_ok();
  });
}

cairn_status cairn_access_follow(cairn_engine* engine, const char* subject, const char* owner) {
  return guard([&] {
    if (engine == nullptr || subject == nullptr || owner == nullptr)
      return null_argument("argument");
    engine->engine->relationships().follow(subject, owner);
    return set_ok();
  });
}

cairn_status cairn_access_connect(cairn_engine* engine, const char* a, const char* b) {
  return guard([&] {
    if (engine == nullptr || a == nullptr || b == nullptr) return null_argument("argument");
    engine->engine->relationships().connect(a, b);
    return set_ok();
  });
}

cairn_status cairn_access_subscribe(cairn_engine* engine, const char* subject, const char* owner) {
  return guard([&] {
    if (engine == nullptr || subject == nullptr || owner == nullptr)
      return null_argument("argument");
    engine->engine->relationships().subscribe(subject, owner);
    return set_ok();
  });
}

}  // extern "C"
