// The C ABI of cairn::content: content IDs, file descriptors (as JSON), action tokens, the Merkle
// tree check and the blob store. The logic is all in cairn::content; this file only converts.
#include <cmath>
#include <cstring>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>

#include "cairn/content/action.hpp"
#include "cairn/content/blob_store.hpp"
#include "cairn/content/descriptor.hpp"
#include "cairn/content/id.hpp"
#include "entry_point.hpp"
#include "key_handles.hpp"

using cairn::Bytes;
using cairn::ByteView;
using cairn::ErrorCode;
using cairn::Status;
using cairn::capi::bytes;
using cairn::capi::copy_bytes;
using cairn::capi::copy_string;
using cairn::capi::entry;
using cairn::capi::from_status;
using cairn::capi::Json;
using cairn::capi::none;
using cairn::capi::null_argument;
using cairn::capi::set_error;
using cairn::capi::set_ok;
using cairn::capi::view_of;
namespace content = cairn::content;

struct cairn_content_id_hasher {
  content::IdHasher hasher;
};

struct cairn_content_blob_store {
  std::unique_ptr<content::BlobStore> store;
};

namespace {

// A view of (data, len) already checked by CAIRN_CAPI_IN(bytes(data, len)).
ByteView view(const uint8_t* data, size_t len) {
  return data == nullptr ? ByteView() : ByteView(data, len);
}

cairn_status hand_out_string(const std::string& text, char** out) {
  *out = copy_string(text);
  return set_ok();
}

// ---- Descriptors as JSON

cairn_status descriptor_invalid(const std::string& why) {
  return set_error({ErrorCode::kInvalidArgument, "CONTENT_DESCRIPTOR_INVALID",
                    "invalid descriptor JSON: " + why});
}

Json variant_json(const content::Variant& v) {
  Json j = {{"name", v.name}, {"blob_id", v.blob_id}, {"format", v.format},
            {"size", v.size}, {"width", v.width},     {"height", v.height}};
  if (v.duration) j["duration"] = *v.duration;
  if (v.bitrate) j["bitrate"] = *v.bitrate;
  if (v.pages) j["pages"] = *v.pages;
  return j;
}

Json descriptor_json(const content::Descriptor& d) {
  Json variants = Json::array();
  for (const content::Variant& v : d.variants) variants.push_back(variant_json(v));
  return {{"root", d.root ? Json(*d.root) : Json(nullptr)}, {"variants", std::move(variants)}};
}

// An unsigned JSON integer no larger than `max` in `out`.
template <class T>
bool unsigned_of(const Json& j, T& out) {
  if (!j.is_number_unsigned()) return false;
  auto value = j.get<uint64_t>();
  if (value > std::numeric_limits<T>::max()) return false;
  out = static_cast<T>(value);
  return true;
}

// One variant object (`where` names it in messages). Members: name, blob_id, format (strings),
// size, width, height (unsigned integers), duration (a number >= 0), bitrate, pages (unsigned
// 32-bit integers; these three may be null or absent) and available (a boolean, default true).
cairn_status read_variant(const Json& j, const std::string& where, content::Variant& out) {
  if (!j.is_object()) return descriptor_invalid(where + " is not an object");
  bool has_name = false, has_blob = false, has_format = false;
  bool has_size = false, has_width = false, has_height = false;
  for (const auto& [key, value] : j.items()) {
    // The error for this member: "variants[1].size must be ...".
    auto bad = [&, &member = key](const char* why) {
      std::string message = where;
      message += '.';
      message += member;
      message += why;
      return descriptor_invalid(message);
    };
    if (key == "name" || key == "blob_id" || key == "format") {
      if (!value.is_string()) return bad(" must be a string");
      std::string& field = key == "name" ? out.name : key == "blob_id" ? out.blob_id : out.format;
      field = value.get<std::string>();
      (key == "name" ? has_name : key == "blob_id" ? has_blob : has_format) = true;
    } else if (key == "size") {
      if (!unsigned_of(value, out.size)) return bad(" must be an integer >= 0");
      has_size = true;
    } else if (key == "width" || key == "height") {
      if (!unsigned_of(value, key == "width" ? out.width : out.height)) {
        return bad(" must be an integer from 0 to 4294967295");
      }
      (key == "width" ? has_width : has_height) = true;
    } else if (key == "duration") {
      if (value.is_null()) continue;
      if (!value.is_number() || !std::isfinite(value.get<double>()) || value.get<double>() < 0) {
        return bad(" must be a number >= 0 or null");
      }
      out.duration = value.get<double>();
    } else if (key == "bitrate" || key == "pages") {
      if (value.is_null()) continue;
      uint32_t number = 0;
      if (!unsigned_of(value, number))
        return bad(" must be an integer from 0 to 4294967295 or null");
      (key == "bitrate" ? out.bitrate : out.pages) = number;
    } else if (key == "available") {
      if (!value.is_boolean()) return bad(" must be a boolean");
      out.available = value.get<bool>();
    } else {
      return bad(" is not a variant member");
    }
  }
  if (!has_name || !has_blob || !has_format || !has_size || !has_width || !has_height) {
    return descriptor_invalid(where +
                              " needs name, blob_id, format, size, width and height members");
  }
  return set_ok();
}

// A descriptor from `text`: {"root": null or a string, "variants": [...]}, or a bare array of
// variants (no root).
cairn_status read_descriptor(const char* text, content::Descriptor& out) {
  Json j = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return descriptor_invalid("not JSON");
  const Json* variants = &j;
  if (j.is_object()) {
    variants = nullptr;
    for (const auto& [key, value] : j.items()) {
      if (key == "variants") {
        variants = &value;
      } else if (key == "root") {
        if (value.is_string()) {
          out.root = value.get<std::string>();
        } else if (!value.is_null()) {
          return descriptor_invalid("root must be a string or null");
        }
      } else {
        return descriptor_invalid(key + " is not a descriptor member");
      }
    }
    if (variants == nullptr) return descriptor_invalid("no variants member");
  }
  if (!variants->is_array()) {
    return descriptor_invalid("expected {\"root\", \"variants\"} or an array of variants");
  }
  out.variants.resize(variants->size());
  for (size_t i = 0; i < variants->size(); ++i) {
    cairn_status st =
        read_variant((*variants)[i], "variants[" + std::to_string(i) + "]", out.variants[i]);
    if (st != CAIRN_OK) return st;
  }
  return set_ok();
}

// ---- Action tokens

Json optional_text(const std::optional<std::string>& s) { return s ? Json(*s) : Json(nullptr); }

// The record of a decoded action with "claims" last: the claims text exactly as the token carries
// it (it parsed as a JSON object, so it can stand as the member's value).
std::string action_record(const content::ActionToken& a) {
  Json j = {{"action_id", a.action_id},
            {"issuer", a.issuer},
            {"key_id", a.key_id},
            {"type", a.type},
            {"subtype", a.subtype.empty() ? Json(nullptr) : Json(a.subtype)},
            {"parent", optional_text(a.parent)},
            {"audience", optional_text(a.audience)},
            {"subject", optional_text(a.subject)},
            {"attachments", a.attachments},
            {"issued_at_micros", cairn::to_unix_micros(a.issued_at)},
            {"expires_at_micros",
             a.expires_at ? Json(cairn::to_unix_micros(*a.expires_at)) : Json(nullptr)}};
  std::string out = j.dump();
  out.pop_back();  // the closing '}'
  out += ",\"claims\":";
  std::string_view claims = a.claims;
  // nlohmann's parser skips a UTF-8 byte order mark, which is no JSON in the middle of a text.
  if (claims.starts_with("\xEF\xBB\xBF")) claims.remove_prefix(3);
  out += claims;
  out += '}';
  return out;
}

cairn_status hand_out_action(const cairn::Result<content::ActionToken>& action, char** out) {
  if (!action) return set_error(action.error());
  *out = copy_string(action_record(*action));
  return set_ok();
}

// ---- Blob store

std::optional<std::string_view> optional_id(const char* id) {
  return id != nullptr ? std::optional<std::string_view>(id) : std::nullopt;
}

cairn_status hand_out_id(const cairn::Result<std::string>& id, char** out) {
  if (!id) return set_error(id.error());
  *out = copy_string(*id);
  return set_ok();
}

}  // namespace

extern "C" {

// ---- IDs

cairn_status cairn_content_hash_id(char** out_id, const char* prefix, const uint8_t* data,
                                   size_t len) {
  return entry(CAIRN_CAPI_OUT(out_id), CAIRN_CAPI_IN(prefix, bytes(data, len)), [&] {
    // The caller's prefix: hash_id and IdHasher require content::check_prefix to pass.
    if (Status st = content::check_prefix(prefix); !st) return from_status(st);
    return hand_out_string(content::hash_id(prefix, view(data, len)), out_id);
  });
}

cairn_status cairn_content_blob_id(char** out_id, const uint8_t* data, size_t len) {
  return entry(CAIRN_CAPI_OUT(out_id), CAIRN_CAPI_IN(bytes(data, len)),
               [&] { return hand_out_string(content::blob_id(view(data, len)), out_id); });
}

cairn_status cairn_content_file_id(char** out_id, const char* descriptor) {
  return entry(CAIRN_CAPI_OUT(out_id), CAIRN_CAPI_IN(descriptor),
               [&] { return hand_out_string(content::file_id(descriptor), out_id); });
}

cairn_status cairn_content_action_id(char** out_id, const char* token) {
  return entry(CAIRN_CAPI_OUT(out_id), CAIRN_CAPI_IN(token),
               [&] { return hand_out_string(content::action_id(token), out_id); });
}

cairn_status cairn_content_blob_ids_batch(char* out, const uint8_t* const* inputs,
                                          const size_t* lengths, size_t count, unsigned threads) {
  if (count == 0) return set_ok();
  return entry(CAIRN_CAPI_OUT(out), CAIRN_CAPI_IN(inputs, lengths), [&]() -> cairn_status {
    std::vector<ByteView> views(count);
    for (size_t i = 0; i < count; ++i) {
      if (!view_of(inputs[i], lengths[i], views[i])) return null_argument("inputs[i]");
    }
    std::vector<std::string> ids(count);
    content::blob_ids_batch(views, ids, threads);
    for (size_t i = 0; i < count; ++i) {
      // Every version-1 blob ID is CAIRN_CONTENT_BLOB_ID_SIZE - 1 characters.
      if (ids[i].size() + 1 != CAIRN_CONTENT_BLOB_ID_SIZE) {
        return set_error(
            {ErrorCode::kInternal, "CAPI_INTERNAL_ERROR", "a blob ID has an unexpected length"});
      }
      std::memcpy(out + i * CAIRN_CONTENT_BLOB_ID_SIZE, ids[i].c_str(), CAIRN_CONTENT_BLOB_ID_SIZE);
    }
    return set_ok();
  });
}

cairn_status cairn_content_verify_id(int* out_ok, const char* id, const uint8_t* data, size_t len) {
  return entry(CAIRN_CAPI_OUT(out_ok), CAIRN_CAPI_IN(id, bytes(data, len)), [&] {
    *out_ok = content::verify_id(id, view(data, len)) ? 1 : 0;
    return set_ok();
  });
}

cairn_status cairn_content_parse_id(char** out_prefix, uint32_t* out_version, uint8_t** out_digest,
                                    size_t* out_digest_len, const char* id) {
  return entry(CAIRN_CAPI_OUT(out_prefix, out_version, out_digest, out_digest_len),
               CAIRN_CAPI_IN(id), [&]() -> cairn_status {
                 auto parsed = content::parse_id(id);
                 if (!parsed) return set_error(parsed.error());
                 char* prefix = copy_string(parsed->prefix);
                 try {
                   copy_bytes(parsed->digest, out_digest, out_digest_len);
                 } catch (...) {
                   cairn::capi::release(prefix);
                   throw;
                 }
                 *out_prefix = prefix;
                 *out_version = parsed->version;
                 return set_ok();
               });
}

cairn_status cairn_content_id_hasher_new(cairn_content_id_hasher** out, const char* prefix) {
  return entry(CAIRN_CAPI_OUT(out), CAIRN_CAPI_IN(prefix), [&] {
    // The caller's prefix: hash_id and IdHasher require content::check_prefix to pass.
    if (Status st = content::check_prefix(prefix); !st) return from_status(st);
    *out = new cairn_content_id_hasher{content::IdHasher(prefix)};
    return set_ok();
  });
}

cairn_status cairn_content_id_hasher_update(cairn_content_id_hasher* hasher, const uint8_t* data,
                                            size_t len) {
  return entry(none(), CAIRN_CAPI_IN(hasher), [&]() -> cairn_status {
    ByteView bytes;
    if (!view_of(data, len, bytes)) return null_argument("data");
    hasher->hasher.update(bytes);
    return set_ok();
  });
}

cairn_status cairn_content_id_hasher_finish(char** out_id, cairn_content_id_hasher* hasher) {
  return entry(CAIRN_CAPI_OUT(out_id), CAIRN_CAPI_IN(hasher),
               [&] { return hand_out_string(hasher->hasher.finish(), out_id); });
}

void cairn_content_id_hasher_free(cairn_content_id_hasher* hasher) { delete hasher; }

// ---- Descriptors and variants

cairn_status cairn_content_parse_variant_name(const char** out_class, const char** out_quality,
                                              const char* name) {
  static constexpr const char* kClasses[] = {"vis", "vid", "aud", "doc", "raw"};
  static constexpr const char* kQualities[] = {"pf", "tn", "sd", "md", "hd", "xd", "orig"};
  return entry(CAIRN_CAPI_OUT(out_class, out_quality), CAIRN_CAPI_IN(name), [&] {
    auto parsed = content::parse_variant_name(name);
    if (!parsed) return set_error(parsed.error());
    *out_class = kClasses[static_cast<size_t>(parsed->cls)];
    *out_quality = kQualities[static_cast<size_t>(parsed->quality)];
    return set_ok();
  });
}

cairn_status cairn_content_descriptor_parse(char** out_json, const char* text) {
  return entry(CAIRN_CAPI_OUT(out_json), CAIRN_CAPI_IN(text), [&] {
    return cairn::capi::put_json(out_json, content::Descriptor::parse(text), descriptor_json);
  });
}

cairn_status cairn_content_descriptor_format(char** out_text, const char* json) {
  return entry(CAIRN_CAPI_OUT(out_text), CAIRN_CAPI_IN(json), [&]() -> cairn_status {
    content::Descriptor descriptor;
    if (cairn_status st = read_descriptor(json, descriptor); st != CAIRN_OK) return st;
    if (cairn::Status valid = descriptor.validate(); !valid) return set_error(valid.error());
    return hand_out_string(descriptor.to_string(), out_text);
  });
}

cairn_status cairn_content_best_variant(char** out_variant_json, const char* json,
                                        const char* requested) {
  return entry(CAIRN_CAPI_OUT(out_variant_json), CAIRN_CAPI_IN(json), [&]() -> cairn_status {
    content::Descriptor descriptor;
    if (cairn_status st = read_descriptor(json, descriptor); st != CAIRN_OK) return st;
    return cairn::capi::put_json(
        out_variant_json,
        content::best_variant(descriptor.variants, requested != nullptr ? requested : ""),
        variant_json);
  });
}

// ---- Action tokens

cairn_status cairn_content_action_key_id(char** out, int64_t unix_micros) {
  return entry(CAIRN_CAPI_OUT(out), none(), [&] {
    return hand_out_string(content::action_key_id(cairn::from_unix_micros(unix_micros)), out);
  });
}

cairn_status cairn_content_check_id_tag(const char* id_tag) {
  return entry(none(), CAIRN_CAPI_IN(id_tag), [&] { return content::check_id_tag(id_tag); });
}

cairn_status cairn_content_create_action_token(char** out_token, const char* claims_json,
                                               const cairn_crypto_private_key* key,
                                               const char* key_id, int64_t now_unix_micros) {
  return entry(CAIRN_CAPI_OUT(out_token), CAIRN_CAPI_IN(claims_json, key, key_id), [&] {
    return hand_out_id(content::create_action_token(claims_json, key->key, key_id,
                                                    cairn::from_unix_micros(now_unix_micros)),
                       out_token);
  });
}

cairn_status cairn_content_verify_action_token(char** out_json, const char* token,
                                               const cairn_crypto_public_key* key,
                                               int64_t leeway_seconds, int64_t now_unix_micros) {
  return entry(CAIRN_CAPI_OUT(out_json), CAIRN_CAPI_IN(token, key), [&] {
    return hand_out_action(
        content::verify_action_token(token, key->key, cairn::from_unix_micros(now_unix_micros),
                                     std::chrono::seconds(leeway_seconds)),
        out_json);
  });
}

cairn_status cairn_content_decode_action_token(char** out_json, const char* token) {
  return entry(CAIRN_CAPI_OUT(out_json), CAIRN_CAPI_IN(token),
               [&] { return hand_out_action(content::decode_action_token(token), out_json); });
}

cairn_status cairn_content_verify_tree(char** out_action_id, const char* token,
                                       const char* descriptors_json, const char* const* blob_ids,
                                       const uint8_t* const* blob_data, const size_t* blob_lens,
                                       size_t blob_count, const char* expected_action_id) {
  return entry(CAIRN_CAPI_OUT(out_action_id), CAIRN_CAPI_IN(token), [&]() -> cairn_status {
    if (blob_count > 0 && (blob_ids == nullptr || blob_data == nullptr || blob_lens == nullptr)) {
      return null_argument("blob_ids, blob_data and blob_lens");
    }
    std::map<std::string, std::string, std::less<>> descriptors;
    if (descriptors_json != nullptr) {
      Json j = Json::parse(descriptors_json, nullptr, /*allow_exceptions=*/false);
      if (!j.is_object()) {
        return set_error({ErrorCode::kInvalidArgument, "CONTENT_DESCRIPTOR_MALFORMED",
                          "descriptors_json must be a JSON object of file ID to descriptor text"});
      }
      for (const auto& [file, text] : j.items()) {
        if (!text.is_string()) {
          return set_error({ErrorCode::kInvalidArgument, "CONTENT_DESCRIPTOR_MALFORMED",
                            "descriptors_json: the descriptor of " + file + " is not a string"});
        }
        descriptors.insert_or_assign(file, text.get<std::string>());
      }
    }
    std::map<std::string, Bytes, std::less<>> blobs;
    for (size_t i = 0; i < blob_count; ++i) {
      ByteView bytes;
      if (blob_ids[i] == nullptr) return null_argument("blob_ids[i]");
      if (!view_of(blob_data[i], blob_lens[i], bytes)) return null_argument("blob_data[i]");
      blobs.insert_or_assign(blob_ids[i], Bytes(bytes.begin(), bytes.end()));
    }
    return hand_out_id(
        content::verify_tree(token, descriptors, blobs, optional_id(expected_action_id)),
        out_action_id);
  });
}

// ---- Blob store

cairn_status cairn_content_blob_store_open(cairn_content_blob_store** out, const char* uri) {
  return entry(CAIRN_CAPI_OUT(out), CAIRN_CAPI_IN(uri), [&]() -> cairn_status {
    auto store = content::BlobStore::open(uri);
    if (!store) return set_error(store.error());
    *out = new cairn_content_blob_store{std::move(*store)};
    return set_ok();
  });
}

void cairn_content_blob_store_free(cairn_content_blob_store* store) { delete store; }

cairn_status cairn_content_blob_store_put(char** out_id, cairn_content_blob_store* store,
                                          int64_t tenant, const uint8_t* data, size_t len,
                                          const char* expected_id) {
  return entry(CAIRN_CAPI_OUT(out_id), CAIRN_CAPI_IN(store, bytes(data, len)), [&] {
    return hand_out_id(store->store->put(tenant, view(data, len), optional_id(expected_id)),
                       out_id);
  });
}

cairn_status cairn_content_blob_store_put_stream(char** out_id, cairn_content_blob_store* store,
                                                 int64_t tenant, cairn_content_blob_read_fn read_fn,
                                                 void* ctx, const char* expected_id) {
  return entry(CAIRN_CAPI_OUT(out_id), CAIRN_CAPI_IN(store, read_fn), [&]() -> cairn_status {
    content::BlobReader reader = [&](std::span<uint8_t> buffer) -> cairn::Result<size_t> {
      size_t n = 0;
      if (read_fn(ctx, buffer.data(), buffer.size(), &n) != 0) {
        return cairn::fail(ErrorCode::kCancelled, "CAPI_CALLBACK_ABORTED",
                           "the read callback reported a failure; nothing was stored");
      }
      return n;
    };
    return hand_out_id(store->store->put_stream(tenant, reader, optional_id(expected_id)), out_id);
  });
}

cairn_status cairn_content_blob_store_get(uint8_t** out, size_t* out_len,
                                          cairn_content_blob_store* store, int64_t tenant,
                                          const char* id) {
  return entry(CAIRN_CAPI_OUT(out, out_len), CAIRN_CAPI_IN(store, id), [&]() -> cairn_status {
    auto bytes = store->store->get(tenant, id);
    if (!bytes) return set_error(bytes.error());
    copy_bytes(*bytes, out, out_len);
    return set_ok();
  });
}

cairn_status cairn_content_blob_store_get_range(uint8_t** out, size_t* out_len,
                                                cairn_content_blob_store* store, int64_t tenant,
                                                const char* id, uint64_t offset, uint64_t length) {
  return entry(CAIRN_CAPI_OUT(out, out_len), CAIRN_CAPI_IN(store, id), [&]() -> cairn_status {
    auto bytes = store->store->get_range(tenant, id, offset, length);
    if (!bytes) return set_error(bytes.error());
    copy_bytes(*bytes, out, out_len);
    return set_ok();
  });
}

cairn_status cairn_content_blob_store_stat(uint64_t* out_size, int64_t* out_modified_micros,
                                           cairn_content_blob_store* store, int64_t tenant,
                                           const char* id) {
  // out_modified_micros is optional: reset here, not checked.
  if (out_modified_micros != nullptr) *out_modified_micros = 0;
  return entry(CAIRN_CAPI_OUT(out_size), CAIRN_CAPI_IN(store, id), [&]() -> cairn_status {
    auto info = store->store->stat(tenant, id);
    if (!info) return set_error(info.error());
    *out_size = info->size;
    if (out_modified_micros != nullptr)
      *out_modified_micros = cairn::to_unix_micros(info->modified);
    return set_ok();
  });
}

cairn_status cairn_content_blob_store_exists(int* out, cairn_content_blob_store* store,
                                             int64_t tenant, const char* id) {
  return entry(CAIRN_CAPI_OUT(out), CAIRN_CAPI_IN(store, id), [&]() -> cairn_status {
    auto exists = store->store->exists(tenant, id);
    if (!exists) return set_error(exists.error());
    *out = *exists ? 1 : 0;
    return set_ok();
  });
}

cairn_status cairn_content_blob_store_remove(cairn_content_blob_store* store, int64_t tenant,
                                             const char* id) {
  return entry(none(), CAIRN_CAPI_IN(store, id), [&] { return store->store->remove(tenant, id); });
}

cairn_status cairn_content_blob_store_list(char** out_json, cairn_content_blob_store* store,
                                           int64_t tenant) {
  return entry(CAIRN_CAPI_OUT(out_json), CAIRN_CAPI_IN(store), [&]() -> cairn_status {
    return cairn::capi::put_array(out_json, store->store->list(tenant), cairn::capi::string_json);
  });
}

cairn_status cairn_content_blob_store_verify(cairn_content_blob_store* store, int64_t tenant,
                                             const char* id) {
  return entry(none(), CAIRN_CAPI_IN(store, id), [&] { return store->store->verify(tenant, id); });
}

}  // extern "C"
