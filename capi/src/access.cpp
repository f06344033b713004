// The C ABI's access control: policies, decisions, the engine's per-tenant service.
#include <cstring>
#include <nlohmann/json.hpp>

#include "cairn/access/check.hpp"
#include "cairn/core/json_text.hpp"
#include "engine_handle.hpp"
#include "entry_point.hpp"

using cairn::capi::bytes;
using cairn::capi::entry;
using cairn::capi::none;
using cairn::capi::set_error;
using cairn::capi::set_ok;
using cairn::capi::text;
namespace acl = cairn::access;

struct cairn_access_policy {
  acl::Policy policy;
};

namespace {

cairn_status bad_attrs() {
  return set_error(
      {cairn::ErrorCode::kInvalidArgument, "ACCESS_ATTRIBUTE_INVALID",
       "attrs_json must be a JSON object of text, numbers, booleans or lists of text"});
}

// Parses attrs_json; false when it is not an acceptable object.
bool attrs_of(const char* json_text, std::map<std::string, acl::Value>& out) {
  if (json_text == nullptr) return true;
  if (cairn::json_text_refusal(json_text)) return false;
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
  // Policies read env.time in unix seconds; the C edge speaks microseconds.
  if (in->has_time != 0) {
    out.time =
        in->time_micros >= 0 ? in->time_micros / 1000000 : -((-in->time_micros + 999999) / 1000000);
  }
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

// Converts the C inputs (checked for NULL by the caller); ACCESS_ATTRIBUTE_INVALID on bad attrs.
cairn_status inputs(const cairn_access_subject* subject, const cairn_access_resource* resource,
                    const cairn_access_env* env, acl::Subject& s, acl::Resource& r,
                    acl::Environment& e) {
  if (!subject_of(subject, s) || !resource_of(resource, r) || !env_of(env, e)) return bad_attrs();
  return set_ok();
}

}  // namespace

extern "C" {

cairn_status cairn_access_policy_parse(cairn_access_policy** out, const char* json) {
  return entry(CAIRN_CAPI_OUT(out), CAIRN_CAPI_IN(json), [&] {
    return cairn::capi::put(out, acl::Policy::from_json(json), [](const acl::Policy& policy) {
      return new cairn_access_policy{policy};
    });
  });
}

cairn_status cairn_access_policy_to_json(char** out, const cairn_access_policy* policy) {
  return entry(CAIRN_CAPI_OUT(out), CAIRN_CAPI_IN(policy), [&] {
    *out = cairn::capi::copy_string(policy->policy.to_json());
    return set_ok();
  });
}

void cairn_access_policy_free(cairn_access_policy* policy) { delete policy; }

cairn_status cairn_access_check(cairn_access_decision* out, const cairn_access_subject* subject,
                                const char* action, const cairn_access_resource* resource,
                                const cairn_access_env* env, const cairn_access_policy* policy) {
  return entry(CAIRN_CAPI_OUT(out), CAIRN_CAPI_IN(subject, action, resource), [&] {
    acl::Subject s;
    acl::Resource r;
    acl::Environment e;
    if (cairn_status status = inputs(subject, resource, env, s, r, e); status != CAIRN_OK) {
      return status;
    }
    fill(out, acl::check(s, action, r, e, policy != nullptr ? &policy->policy : nullptr));
    return set_ok();
  });
}

cairn_status cairn_access_can_access(int* out, const char* level, char visibility) {
  return entry(CAIRN_CAPI_OUT(out), CAIRN_CAPI_IN(level), [&] {
    return cairn::capi::put(out, acl::parse_level(level), [&](acl::Level l) {
      return acl::can_access(l, acl::visibility_from_char(visibility)) ? 1 : 0;
    });
  });
}

cairn_status cairn_access_can_manage_member(int* out, const char* const* actor_roles,
                                            size_t actor_count, const char* const* target_roles,
                                            size_t target_count) {
  return entry(CAIRN_CAPI_OUT(out),
               CAIRN_CAPI_IN(bytes(actor_roles, actor_count), bytes(target_roles, target_count)),
               [&] {
                 *out = acl::can_manage_member(strings(actor_roles, actor_count),
                                               strings(target_roles, target_count))
                            ? 1
                            : 0;
                 return set_ok();
               });
}

cairn_status cairn_access_can_assign_role(int* out, const char* const* actor_roles,
                                          size_t actor_count, const char* role) {
  return entry(CAIRN_CAPI_OUT(out), CAIRN_CAPI_IN(bytes(actor_roles, actor_count), role), [&] {
    *out = acl::can_assign_role(strings(actor_roles, actor_count), role) ? 1 : 0;
    return set_ok();
  });
}

cairn_status cairn_access_resolve_file_access(const char** out, const char* subject,
                                              const char* file_owner, const char* tenant,
                                              const char* const* roles, size_t roles_count,
                                              char direct_share, const char* folder_shares,
                                              const char* share_action) {
  return entry(CAIRN_CAPI_OUT(out), CAIRN_CAPI_IN(subject, tenant, bytes(roles, roles_count)), [&] {
    acl::FileAccessFacts f;
    f.subject = subject;
    f.file_owner = text(file_owner);
    f.tenant = tenant;
    f.subject_roles = strings(roles, roles_count);
    if (direct_share != 0) {
      f.direct_share = acl::access_level_from_perm_char(direct_share);
    }
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
  return entry(none(), CAIRN_CAPI_IN(engine, tenant, json),
               [&] { return engine->engine->access().set_policy(tenant, json, text(actor)); });
}

cairn_status cairn_access_remove_policy(cairn_engine* engine, const char* tenant,
                                        const char* actor) {
  return entry(none(), CAIRN_CAPI_IN(engine, tenant),
               [&] { return engine->engine->access().remove_policy(tenant, text(actor)); });
}

cairn_status cairn_access_check_tenant(cairn_access_decision* out, cairn_engine* engine,
                                       const char* tenant, const cairn_access_subject* subject,
                                       const char* action, const cairn_access_resource* resource,
                                       const cairn_access_env* env) {
  return entry(CAIRN_CAPI_OUT(out), CAIRN_CAPI_IN(engine, tenant, subject, action, resource), [&] {
    acl::Subject s;
    acl::Resource r;
    acl::Environment e;
    if (cairn_status status = inputs(subject, resource, env, s, r, e); status != CAIRN_OK) {
      return status;
    }
    auto d = engine->engine->access().check(tenant, std::move(s), action, std::move(r), e);
    if (!d) return set_error(d.error());
    fill(out, *d);
    return set_ok();
  });
}

cairn_status cairn_access_follow(cairn_engine* engine, const char* subject, const char* owner) {
  return entry(none(), CAIRN_CAPI_IN(engine, subject, owner), [&] {
    engine->engine->relationships().follow(subject, owner);
    return set_ok();
  });
}

cairn_status cairn_access_connect(cairn_engine* engine, const char* a, const char* b) {
  return entry(none(), CAIRN_CAPI_IN(engine, a, b), [&] {
    engine->engine->relationships().connect(a, b);
    return set_ok();
  });
}

cairn_status cairn_access_subscribe(cairn_engine* engine, const char* subject, const char* owner) {
  return entry(none(), CAIRN_CAPI_IN(engine, subject, owner), [&] {
    engine->engine->relationships().subscribe(subject, owner);
    return set_ok();
  });
}

}  // extern "C"
