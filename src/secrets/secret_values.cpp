// SecretsService: secret values: versions, reads as of a time, references, export and import
// (the dotenv and JSON codec itself is env_document.cpp).
#include <algorithm>
#include <nlohmann/json.hpp>

#include "cairn/crypto/secure.hpp"
#include "cairn/secrets/limits.hpp"
#include "cairn/secrets/service.hpp"
#include "core/internal/ids.hpp"
#include "secrets/internal/service_internal.hpp"

namespace cairn::secrets {
namespace {

using internal::entry;

Unexpected<Error> not_found() {
  return fail(ErrorCode::kNotFound, "SECRET_NOT_FOUND", "no such secret");
}

std::string rule_details(const Decision& d, std::optional<int64_t> version = std::nullopt) {
  nlohmann::json details = {{"rule", d.rule}};
  if (!d.allowed) details["reason"] = d.reason;
  if (version) details["version"] = *version;
  return details.dump();
}

}  // namespace

Result<SecretsService::Place> SecretsService::place(std::string_view org_name,
                                                    std::string_view project, std::string_view env,
                                                    std::string_view actor) {
  Place p;
  CAIRN_ASSIGN_OR_RETURN(p.org, visible_org(org_name, actor));
  CAIRN_ASSIGN_OR_RETURN(auto proj, store_.project(p.org.id, project));
  if (!proj) return fail(ErrorCode::kNotFound, "SECRETS_PROJECT_NOT_FOUND", "no such project");
  p.project = std::move(*proj);
  CAIRN_ASSIGN_OR_RETURN(auto environment, store_.environment(p.project.id, env));
  if (!environment) {
    return fail(ErrorCode::kNotFound, "SECRETS_ENVIRONMENT_NOT_FOUND", "no such environment");
  }
  p.env = std::move(*environment);
  return p;
}

Status SecretsService::authorize(const Place& place, std::string_view actor, Permission permission,
                                 std::string_view action, std::string_view key, Decision* out) {
  CAIRN_TRY(internal::check_subject(actor));
  CAIRN_ASSIGN_OR_RETURN(Decision d,
                         decide(place.org, actor, place.project.name, place.env.name, permission));
  if (!d.allowed) {
    CAIRN_TRY(
        audit_.record(entry(actor, std::string(action), key.empty() ? "environment" : "secret",
                            place.path(key), "denied", rule_details(d))));
    return internal::access_denied(d.reason + " (" + std::string(permission_name(permission)) +
                                   " on " + place.path() + ")");
  }
  if (out != nullptr) *out = std::move(d);
  return ok_status();
}

Result<std::string> SecretsService::read_value(const Place& place, std::string_view key,
                                               std::optional<int64_t> version,
                                               std::optional<Timestamp> as_of) {
  // Held from the store read to the decryption, so a rotation cannot slip in between.
  std::shared_lock lock(key_mu_);
  CAIRN_ASSIGN_OR_RETURN(auto secret, store_.live_secret(place.env.id, key));
  if (!secret) return not_found();
  std::optional<SealedVersion> sealed;
  if (version) {
    CAIRN_ASSIGN_OR_RETURN(sealed, store_.version(secret->id, *version));
  } else if (as_of) {
    CAIRN_ASSIGN_OR_RETURN(std::vector<SealedVersion> all, store_.versions(secret->id));
    for (SealedVersion& v : all) {
      if (v.meta.created_at <= *as_of) sealed = std::move(v);
    }
  } else {
    CAIRN_ASSIGN_OR_RETURN(sealed, store_.version(secret->id, secret->latest_version));
  }
  if (!sealed) {
    return fail(ErrorCode::kNotFound, "SECRET_VERSION_NOT_FOUND", "no such version of the secret");
  }
  int64_t v = sealed->meta.version;
  CAIRN_ASSIGN_OR_RETURN(crypto::SecretBytes plain,
                         open_value(*master_, {sealed->ciphertext, sealed->wrapped_key},
                                    value_aad(place.org.id, place.project.id, place.env.id, key, v),
                                    key_aad(secret->id, v)));
  return to_string(plain.view());
}

Result<std::string> SecretsService::expand(const Place& place, std::string value,
                                           std::string_view actor, Expansion& state) {
  std::vector<std::string>& stack = state.stack;
  std::string out;
  size_t i = 0;
  while (i < value.size()) {
    if (value.compare(i, 3, "$${") == 0) {
      out += "${";
      i += 3;
      continue;
    }
    if (value.compare(i, 2, "${") != 0) {
      out += value[i++];
      continue;
    }
    size_t close = value.find('}', i + 2);
    if (close == std::string::npos) {
      out += value.substr(i);
      break;
    }
    std::string reference = value.substr(i + 2, close - i - 2);
    i = close + 1;
    // KEY, env.KEY or project.env.KEY.
    std::vector<std::string> parts;
    size_t start = 0;
    while (true) {
      size_t dot = reference.find('.', start);
      parts.push_back(reference.substr(start, dot - start));
      if (dot == std::string::npos) break;
      start = dot + 1;
    }
    if (parts.size() > 3 || !internal::check_key(parts.back())) {
      return fail(ErrorCode::kInvalidArgument, "SECRETS_REFERENCE_INVALID",
                  "a reference is ${KEY}, ${env.KEY} or ${project.env.KEY}");
    }
    std::string project = parts.size() == 3 ? parts[0] : place.project.name;
    std::string env = parts.size() >= 2 ? parts[parts.size() - 2] : place.env.name;
    const std::string& key = parts.back();
    CAIRN_ASSIGN_OR_RETURN(Place target, this->place(place.org.name, project, env, actor));
    std::string path = target.path(key);
    if (std::find(stack.begin(), stack.end(), path) != stack.end()) {
      return fail(ErrorCode::kFailedPrecondition, "SECRETS_REFERENCE_CYCLE",
                  "secret references form a cycle through " + path);
    }
    if (stack.size() > kMaxReferenceDepth) {
      return fail(ErrorCode::kFailedPrecondition, "SECRETS_REFERENCE_TOO_DEEP",
                  "secret references nest deeper than 10");
    }
    if (++state.references > kMaxReferences) {
      return fail(ErrorCode::kResourceExhausted, "SECRETS_REFERENCE_LIMIT",
                  "a value may resolve at most 100 references");
    }
    Decision d;
    CAIRN_TRY(authorize(target, actor, Permission::kRead, "secrets.get", key, &d));
    CAIRN_ASSIGN_OR_RETURN(std::string referenced,
                           read_value(target, key, std::nullopt, state.as_of));
    stack.push_back(path);
    CAIRN_ASSIGN_OR_RETURN(std::string expanded,
                           expand(target, std::move(referenced), actor, state));
    stack.pop_back();
    if (state.reads != nullptr) {
      state.reads->push_back(path);
    } else {
      CAIRN_TRY(audit_.record(entry(actor, "secrets.get", "secret", path, "ok", rule_details(d))));
    }
    out += expanded;
    if (out.size() > kMaxExpandedBytes) {
      return fail(ErrorCode::kResourceExhausted, "SECRETS_REFERENCE_LIMIT",
                  "an expanded value may be at most 64 KiB");
    }
  }
  return out;
}

Result<std::vector<int64_t>> SecretsService::write_values(
    const Place& p, std::span<const std::pair<std::string, std::string>> values,
    std::string_view actor) {
  std::vector<VersionWrite> writes;
  writes.reserve(values.size());
  for (const auto& [key, value] : values) {
    writes.push_back({key, cairn::internal::random_hex_id(env_)});
  }
  std::shared_lock lock(key_mu_);
  return store_.append_versions(
      p.env.id, writes, master_->check(),
      [&](std::size_t i, const std::string& secret_id, int64_t version) -> Result<SealedVersion> {
        const auto& [key, value] = values[i];
        CAIRN_ASSIGN_OR_RETURN(Sealed sealed,
                               seal_value(*master_, as_bytes(value),
                                          value_aad(p.org.id, p.project.id, p.env.id, key, version),
                                          key_aad(secret_id, version)));
        SealedVersion out;
        out.meta = SecretVersion{version, env_.now(), std::string(actor)};
        out.ciphertext = std::move(sealed.ciphertext);
        out.wrapped_key = std::move(sealed.wrapped_key);
        return out;
      });
}

Result<int64_t> SecretsService::set(std::string_view org_name, std::string_view project,
                                    std::string_view env, std::string_view key,
                                    std::string_view value, std::string_view actor) {
  CAIRN_TRY(internal::check_key(key));
  CAIRN_TRY(check_value(value));
  CAIRN_ASSIGN_OR_RETURN(Place p, place(org_name, project, env, actor));
  Decision d;
  CAIRN_TRY(authorize(p, actor, Permission::kWrite, "secrets.set", key, &d));
  CAIRN_TRY(
      audit_.record(entry(actor, "secrets.set", "secret", p.path(key), "ok", rule_details(d))));
  std::pair<std::string, std::string> one(key, value);
  CAIRN_ASSIGN_OR_RETURN(auto versions, write_values(p, {&one, 1}, actor));
  return versions.front();
}

Result<std::string> SecretsService::get(std::string_view org_name, std::string_view project,
                                        std::string_view env, std::string_view key,
                                        std::string_view actor, std::optional<int64_t> version,
                                        std::optional<Timestamp> as_of, bool expand_references) {
  CAIRN_TRY(internal::check_key(key));
  if (version && as_of) {
    return fail(ErrorCode::kInvalidArgument, "SECRETS_VERSION_SELECTOR_INVALID",
                "ask for a version or a point in time, not both");
  }
  CAIRN_ASSIGN_OR_RETURN(Place p, place(org_name, project, env, actor));
  Decision d;
  CAIRN_TRY(authorize(p, actor, Permission::kRead, "secrets.get", key, &d));
  CAIRN_ASSIGN_OR_RETURN(std::string value, read_value(p, key, version, as_of));
  if (expand_references && value.find("${") != std::string::npos) {
    Expansion state;
    state.stack.push_back(p.path(key));
    state.as_of = as_of;
    if (version) {
      // References of an old version read what was current when it was written.
      CAIRN_ASSIGN_OR_RETURN(auto secret, store_.live_secret(p.env.id, key));
      if (secret) {
        CAIRN_ASSIGN_OR_RETURN(auto sealed, store_.version(secret->id, *version));
        if (sealed && *version != secret->latest_version) state.as_of = sealed->meta.created_at;
      }
    }
    CAIRN_ASSIGN_OR_RETURN(value, expand(p, std::move(value), actor, state));
  }
  CAIRN_TRY(audit_.record(
      entry(actor, "secrets.get", "secret", p.path(key), "ok", rule_details(d, version))));
  return value;
}

Result<std::vector<std::string>> SecretsService::list(std::string_view org_name,
                                                      std::string_view project,
                                                      std::string_view env,
                                                      std::string_view actor) {
  CAIRN_ASSIGN_OR_RETURN(Place p, place(org_name, project, env, actor));
  Decision d;
  CAIRN_TRY(authorize(p, actor, Permission::kRead, "secrets.list", "", &d));
  CAIRN_ASSIGN_OR_RETURN(std::vector<std::string> keys, store_.keys(p.env.id));
  CAIRN_TRY(
      audit_.record(entry(actor, "secrets.list", "environment", p.path(), "ok", rule_details(d))));
  return keys;
}

Result<std::vector<SecretVersion>> SecretsService::versions(std::string_view org_name,
                                                            std::string_view project,
                                                            std::string_view env,
                                                            std::string_view key,
                                                            std::string_view actor) {
  CAIRN_TRY(internal::check_key(key));
  CAIRN_ASSIGN_OR_RETURN(Place p, place(org_name, project, env, actor));
  Decision d;
  CAIRN_TRY(authorize(p, actor, Permission::kRead, "secrets.versions", key, &d));
  CAIRN_ASSIGN_OR_RETURN(auto secret, store_.live_secret(p.env.id, key));
  if (!secret) return not_found();
  CAIRN_ASSIGN_OR_RETURN(std::vector<SealedVersion> all, store_.versions(secret->id));
  std::vector<SecretVersion> out;
  out.reserve(all.size());
  for (SealedVersion& v : all) out.push_back(std::move(v.meta));
  CAIRN_TRY(audit_.record(
      entry(actor, "secrets.versions", "secret", p.path(key), "ok", rule_details(d))));
  return out;
}

Result<int64_t> SecretsService::rollback(std::string_view org_name, std::string_view project,
                                         std::string_view env, std::string_view key,
                                         int64_t version, std::string_view actor) {
  CAIRN_TRY(internal::check_key(key));
  CAIRN_ASSIGN_OR_RETURN(Place p, place(org_name, project, env, actor));
  Decision d;
  CAIRN_TRY(authorize(p, actor, Permission::kWrite, "secrets.rollback", key, &d));
  CAIRN_ASSIGN_OR_RETURN(std::string old, read_value(p, key, version, std::nullopt));
  nlohmann::json details = {{"rule", d.rule}, {"from_version", version}};
  CAIRN_TRY(
      audit_.record(entry(actor, "secrets.rollback", "secret", p.path(key), "ok", details.dump())));
  auto result = set(org_name, project, env, key, old, actor);
  crypto::secure_wipe({reinterpret_cast<uint8_t*>(old.data()), old.size()});
  return result;
}

Status SecretsService::remove(std::string_view org_name, std::string_view project,
                              std::string_view env, std::string_view key, std::string_view actor) {
  CAIRN_TRY(internal::check_key(key));
  CAIRN_ASSIGN_OR_RETURN(Place p, place(org_name, project, env, actor));
  Decision d;
  CAIRN_TRY(authorize(p, actor, Permission::kWrite, "secrets.delete", key, &d));
  CAIRN_ASSIGN_OR_RETURN(auto secret, store_.live_secret(p.env.id, key));
  if (!secret) return not_found();
  CAIRN_TRY(
      audit_.record(entry(actor, "secrets.delete", "secret", p.path(key), "ok", rule_details(d))));
  CAIRN_ASSIGN_OR_RETURN(bool removed, store_.delete_secret(p.env.id, key, env_.now()));
  if (!removed) return not_found();
  return ok_status();
}

Status SecretsService::restore(std::string_view org_name, std::string_view project,
                               std::string_view env, std::string_view key, std::string_view actor) {
  CAIRN_TRY(internal::check_key(key));
  CAIRN_ASSIGN_OR_RETURN(Place p, place(org_name, project, env, actor));
  Decision d;
  CAIRN_TRY(authorize(p, actor, Permission::kWrite, "secrets.restore", key, &d));
  CAIRN_ASSIGN_OR_RETURN(auto deleted, store_.deleted_secret(p.env.id, key));
  if (!deleted) return not_found();
  CAIRN_TRY(
      audit_.record(entry(actor, "secrets.restore", "secret", p.path(key), "ok", rule_details(d))));
  CAIRN_ASSIGN_OR_RETURN(bool restored, store_.restore_secret(deleted->id));
  if (!restored) return not_found();
  return ok_status();
}

Result<std::string> SecretsService::export_env(std::string_view org_name, std::string_view project,
                                               std::string_view env, std::string_view actor,
                                               ExportFormat format, bool expand_references) {
  CAIRN_ASSIGN_OR_RETURN(Place p, place(org_name, project, env, actor));
  Decision d;
  CAIRN_TRY(authorize(p, actor, Permission::kRead, "secrets.export", "", &d));
  CAIRN_ASSIGN_OR_RETURN(std::vector<std::string> keys, store_.keys(p.env.id));
  std::string out;
  nlohmann::ordered_json json = nlohmann::ordered_json::object();
  // Referenced secrets read by the expansion, for the one audit entry of the export.
  std::vector<std::string> reads;
  for (const std::string& key : keys) {
    CAIRN_ASSIGN_OR_RETURN(std::string value, read_value(p, key, std::nullopt, std::nullopt));
    if (expand_references && value.find("${") != std::string::npos) {
      Expansion state;
      state.stack.push_back(p.path(key));
      state.reads = &reads;
      auto expanded = expand(p, value, actor, state);
      crypto::secure_wipe({reinterpret_cast<uint8_t*>(value.data()), value.size()});
      if (!expanded) return fail(expanded.error());
      value = std::move(*expanded);
    }
    if (format == ExportFormat::kJson) {
      json[key] = value;
    } else {
      out += key + "=" + internal::dotenv_quote(value) + "\n";
    }
    crypto::secure_wipe({reinterpret_cast<uint8_t*>(value.data()), value.size()});
  }
  if (format == ExportFormat::kJson) out = json.dump(2) + "\n";
  std::sort(reads.begin(), reads.end());
  reads.erase(std::unique(reads.begin(), reads.end()), reads.end());
  nlohmann::json details = {{"rule", d.rule}, {"count", keys.size()}};
  if (expand_references) {
    details["expanded"] = true;
    details["references"] = reads;
  }
  CAIRN_TRY(
      audit_.record(entry(actor, "secrets.export", "environment", p.path(), "ok", details.dump())));
  return out;
}

Result<int64_t> SecretsService::import_env(std::string_view org_name, std::string_view project,
                                           std::string_view env, std::string_view document,
                                           std::string_view actor, ExportFormat format) {
  CAIRN_ASSIGN_OR_RETURN(Place p, place(org_name, project, env, actor));
  Decision d;
  CAIRN_TRY(authorize(p, actor, Permission::kWrite, "secrets.import", "", &d));
  CAIRN_ASSIGN_OR_RETURN(auto unique, parse_env_document(document, format));
  // Only what changes gets a new version; every key is checked before anything is written, and
  // the writes are one atomic step.
  std::vector<std::pair<std::string, std::string>> changed;
  for (auto& [key, value] : unique) {
    CAIRN_TRY(internal::check_key(key));
    CAIRN_TRY(check_value(value));
    auto current = read_value(p, key, std::nullopt, std::nullopt);
    if (current && *current == value) continue;
    if (!current && current.error().reason != "SECRET_NOT_FOUND") return fail(current.error());
    changed.emplace_back(key, std::move(value));
  }
  for (const auto& change : changed) {
    CAIRN_TRY(audit_.record(
        entry(actor, "secrets.set", "secret", p.path(change.first), "ok", rule_details(d))));
  }
  CAIRN_TRY(write_values(p, changed, actor));
  auto count = static_cast<int64_t>(changed.size());
  nlohmann::json details = {{"entries", unique.size()}, {"set", count}};
  CAIRN_TRY(
      audit_.record(entry(actor, "secrets.import", "environment", p.path(), "ok", details.dump())));
  return count;
}

}  // namespace cairn::secrets
