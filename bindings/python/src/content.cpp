// cairn._core.content: content IDs, file descriptors, the variant to serve, and blob stores.
#include <pybind11/stl.h>

#include <algorithm>
#include <cstring>
#include <exception>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "cairn/content/action.hpp"
#include "cairn/content/blob_store.hpp"
#include "cairn/content/descriptor.hpp"
#include "cairn/content/id.hpp"
#include "conversions.hpp"
#include "engine.hpp"

namespace cairn::python {
namespace {

// Data to hash or store: any bytes-like object, or a str (hashed as its UTF-8 bytes). The view
// stays valid while the argument lives, with or without the GIL: a buffer is held exported, and a
// str is immutable and keeps its UTF-8 form.
class DataArg {
 public:
  DataArg() = default;

  // False (no Python error set) for an object that is neither; throws error_already_set for a
  // str that has no UTF-8 form (lone surrogates).
  bool load(py::handle src) {
    if (PyUnicode_Check(src.ptr()) != 0) {
      Py_ssize_t size = 0;
      const char* text = PyUnicode_AsUTF8AndSize(src.ptr(), &size);
      if (text == nullptr) throw py::error_already_set();
      text_ = py::reinterpret_borrow<py::object>(src);
      view_ = {reinterpret_cast<const uint8_t*>(text), static_cast<size_t>(size)};
      return true;
    }
    if (PyObject_CheckBuffer(src.ptr()) == 0 || !buffer_.load(src.ptr())) return false;
    view_ = buffer_.view();
    return true;
  }

  ByteView view() const { return view_; }

 private:
  py::object text_;  // the str whose UTF-8 form view_ shows
  BytesArg buffer_;  // or the exported buffer view_ shows
  ByteView view_;
};

}  // namespace
}  // namespace cairn::python

namespace pybind11::detail {

template <>
struct type_caster<cairn::python::DataArg> {
  PYBIND11_TYPE_CASTER(cairn::python::DataArg, const_name("Union[bytes, str]"));

  bool load(handle src, bool /*convert*/) { return value.load(src); }
};

}  // namespace pybind11::detail

namespace cairn::python {
namespace {

using content::BlobInfo;
using content::BlobStore;
using content::Descriptor;
using content::Variant;

// Hashing small inputs is faster than releasing and retaking the GIL; only long inputs release it.
constexpr size_t kReleaseGilAbove = size_t{64} * 1024;

// fn(view) with the GIL released when the input is long.
template <class Fn>
auto hashing(ByteView view, Fn fn) {
  if (view.size() > kReleaseGilAbove) {
    py::gil_scoped_release release;
    return fn(view);
  }
  return fn(view);
}

// An IdHasher shared with Python threads: long updates run without the GIL, so the mutex keeps
// two threads from feeding one hasher at once. The GIL is never awaited while the mutex is held.
class PyIdHasher {
 public:
  explicit PyIdHasher(std::string_view prefix) : hasher_(prefix) {}

  void update(ByteView data) {
    if (data.size() <= kReleaseGilAbove) {
      std::unique_lock lock(mu_, std::try_to_lock);
      if (lock.owns_lock()) {
        hasher_.update(data);
        return;
      }
    }
    py::gil_scoped_release release;
    std::lock_guard lock(mu_);
    hasher_.update(data);
  }

  std::string finish() {
    std::unique_lock lock(mu_, std::try_to_lock);
    if (!lock.owns_lock()) {
      py::gil_scoped_release release;
      lock.lock();
    }
    return hasher_.finish();
  }

 private:
  std::mutex mu_;
  content::IdHasher hasher_;
};

std::optional<std::string_view> id_view(const std::optional<std::string>& id) {
  if (!id) return std::nullopt;
  return std::string_view(*id);
}

// Runs a store call with the GIL released and turns its error into an exception.
template <class Fn>
auto store_call(Fn fn) {
  auto result = [&] {
    py::gil_scoped_release release;
    return fn();
  }();
  return unwrap(std::move(result));
}

// The BlobReader behind put_stream: a file-like object's read(n), or the chunks of an iterable.
// Called without the GIL; takes it for every Python call. Whatever the Python side raises is kept
// and stops the put (with an error that never reaches Python); rethrow() raises it unchanged once
// the put has returned.
class PyBlobSource {
 public:
  explicit PyBlobSource(const py::object& source) {
    if (PyUnicode_Check(source.ptr()) != 0 || PyObject_CheckBuffer(source.ptr()) != 0) {
      throw py::type_error(
          "put_stream takes a binary file-like object or an iterable of chunks; use put() for "
          "bytes");
    }
    if (py::hasattr(source, "read")) {
      read_ = source.attr("read");
    } else {
      chunks_ = py::iter(source);  // TypeError when not iterable
    }
  }
  PyBlobSource(const PyBlobSource&) = delete;
  PyBlobSource& operator=(const PyBlobSource&) = delete;
  ~PyBlobSource() = default;  // runs with the GIL held, like the constructor

  Result<size_t> operator()(std::span<uint8_t> buffer) {
    if (error_) return stopped();
    py::gil_scoped_acquire gil;
    try {
      while (offset_ == pending_.view().size()) {
        if (ended_) return size_t{0};
        next_chunk(buffer.size());
      }
      ByteView rest = pending_.view().subspan(offset_);
      size_t n = std::min(rest.size(), buffer.size());
      std::memcpy(buffer.data(), rest.data(), n);
      offset_ += n;
      return n;
    } catch (...) {
      error_ = std::current_exception();
      return stopped();
    }
  }

  // Raises what the Python side raised, if anything. Needs the GIL.
  void rethrow() {
    if (error_) std::rethrow_exception(std::exchange(error_, nullptr));
  }

 private:
  // The next piece into pending_ (empty pieces of an iterable are skipped by the caller's loop;
  // an empty read() is the end of the stream, as in io).
  void next_chunk(size_t wanted) {
    py::object chunk;
    if (read_) {
      chunk = read_(wanted);
    } else {
      PyObject* item = PyIter_Next(chunks_.ptr());
      if (item == nullptr) {
        if (PyErr_Occurred() != nullptr) throw py::error_already_set();
        ended_ = true;
        return;
      }
      chunk = py::reinterpret_steal<py::object>(item);
    }
    DataArg data;
    if (!data.load(chunk)) {
      throw py::type_error("put_stream: a chunk must be bytes-like or str, not " +
                           std::string(py::str(py::type::of(chunk).attr("__name__"))));
    }
    if (read_ && data.view().empty()) ended_ = true;
    pending_ = std::move(data);
    offset_ = 0;
  }

  static Unexpected<Error> stopped() {
    return fail(ErrorCode::kCancelled, "CAPI_CALLBACK_ABORTED",
                "the Python stream raised an exception");
  }

  py::object read_;    // file-like: its bound read method
  py::object chunks_;  // or an iterator over chunks
  DataArg pending_;    // the current chunk
  size_t offset_ = 0;  // how much of it has been handed out
  bool ended_ = false;
  std::exception_ptr error_;
};

std::string variant_repr(const Variant& v) {
  auto opt = [](const auto& value) -> std::string {
    return value ? std::string(py::repr(py::cast(*value))) : "None";
  };
  return "Variant(" + std::string(py::repr(py::str(v.name))) + ", " +
         std::string(py::repr(py::str(v.blob_id))) + ", " +
         std::string(py::repr(py::str(v.format))) + ", " + std::to_string(v.size) + ", " +
         std::to_string(v.width) + ", " + std::to_string(v.height) +
         ", duration=" + opt(v.duration) + ", bitrate=" + opt(v.bitrate) +
         ", pages=" + opt(v.pages) + ", available=" + (v.available ? "True" : "False") + ")";
}

std::string descriptor_text(const Descriptor& d) {
  unwrap(d.validate());
  return d.to_string();
}

// The variants best_variant chooses from: a Descriptor's or a sequence of Variant, with
// `available` (an iterable of names or blob IDs) overriding each variant's own flag.
std::vector<Variant> candidates_of(const py::object& target, const py::object& available) {
  std::vector<Variant> variants;
  if (py::isinstance<Descriptor>(target)) {
    variants = target.cast<const Descriptor&>().variants;
  } else {
    try {
      variants = target.cast<std::vector<Variant>>();
    } catch (const py::cast_error&) {
      throw py::type_error("best_variant takes a Descriptor or a list of Variant");
    }
  }
  if (available.is_none()) return variants;
  if (PyUnicode_Check(available.ptr()) != 0) {
    throw py::type_error("available must be an iterable of variant names or blob IDs, not a str");
  }
  std::set<std::string, std::less<>> names;
  for (py::handle item : py::iter(available)) {
    if (PyUnicode_Check(item.ptr()) == 0) {
      throw py::type_error("available must hold str variant names or blob IDs");
    }
    names.insert(item.cast<std::string>());
  }
  for (Variant& v : variants) {
    v.available = names.contains(v.name) || names.contains(v.blob_id);
  }
  return variants;
}

void bind_ids(py::module_& m) {
  m.def(
      "hash_id",
      [](const std::string& prefix, const DataArg& data) {
        unwrap(content::check_prefix(prefix));  // hash_id and IdHasher require it
        return hashing(data.view(), [&](ByteView v) { return content::hash_id(prefix, v); });
      },
      py::arg("prefix"), py::arg("data"),
      "The ID of `data` (bytes-like, or str hashed as UTF-8) under `prefix`: "
      "'<prefix>1~<base64url SHA-256>'. Raises InvalidArgumentError ('CONTENT_ID_MALFORMED') "
      "unless the prefix is one or more ASCII letters.");
  m.def(
      "blob_id",
      [](const DataArg& data) {
        return hashing(data.view(), [](ByteView v) { return content::blob_id(v); });
      },
      py::arg("data"), "The blob ID of raw bytes: 'b1~...'.");
  m.def(
      "file_id",
      [](const DataArg& descriptor) {
        return hashing(descriptor.view(),
                       [](ByteView v) { return content::hash_id(content::kFilePrefix, v); });
      },
      py::arg("descriptor"), "The file ID of descriptor text (its UTF-8 bytes): 'f1~...'.");
  m.def(
      "action_id",
      [](const DataArg& token) {
        return hashing(token.view(),
                       [](ByteView v) { return content::hash_id(content::kActionPrefix, v); });
      },
      py::arg("token"), "The action ID of a compact JWT exactly as received: 'a1~...'.");
  m.def(
      "verify_id",
      [](const std::string& id, const DataArg& data) {
        return hashing(data.view(), [&](ByteView v) { return content::verify_id(id, v); });
      },
      py::arg("id"), py::arg("data"),
      "True when `id` is well-formed and is the ID of `data` under its own prefix and version; "
      "False for a malformed ID or a mismatch.");
  m.def(
      "parse_id",
      [](const std::string& id) {
        content::ContentId parsed = unwrap(content::parse_id(id));
        return py::make_tuple(parsed.prefix, parsed.version, to_py_bytes(parsed.digest));
      },
      py::arg("id"),
      "(prefix, version, digest bytes) of `id`. Raises InvalidArgumentError "
      "('CONTENT_ID_MALFORMED', 'CONTENT_ID_VERSION_UNKNOWN').");
  m.def(
      "blob_ids",
      [](const std::vector<DataArg>& inputs, unsigned threads) {
        std::vector<ByteView> views;
        views.reserve(inputs.size());
        for (const DataArg& d : inputs) views.push_back(d.view());
        std::vector<std::string> out(views.size());
        {
          py::gil_scoped_release release;
          content::blob_ids_batch(views, out, threads);
        }
        return out;
      },
      py::arg("inputs"), py::arg("threads") = 0,
      "The blob ID of every input, hashed over up to `threads` threads (0: one per core).");

  py::class_<PyIdHasher>(m, "IdHasher",
                         "Streaming ID: update(data) ..., then finish(), which equals "
                         "hash_id(prefix, all the data) and starts a new message.")
      .def(py::init([](const std::string& prefix) {
             unwrap(content::check_prefix(prefix));  // hash_id and IdHasher require it
             return std::make_unique<PyIdHasher>(prefix);
           }),
           py::arg("prefix"))
      .def(
          "update",
          [](PyIdHasher& h, const DataArg& data) -> PyIdHasher& {
            h.update(data.view());
            return h;
          },
          py::arg("data"), py::return_value_policy::reference_internal,
          "Adds bytes (or a str as UTF-8); returns the hasher.")
      .def("finish", &PyIdHasher::finish,
           "The ID of everything given since the last finish(); resets the hasher.");
}

void bind_descriptors(py::module_& m) {
  py::class_<Variant>(m, "Variant",
                      "One variant of a file: a blob with a name ('vis.sd'), a format, a byte "
                      "size and pixel dimensions. `available` is not part of the descriptor text.")
      .def(py::init([](std::string name, std::string blob_id, std::string format, uint64_t size,
                       uint32_t width, uint32_t height, std::optional<double> duration,
                       std::optional<uint32_t> bitrate, std::optional<uint32_t> pages,
                       bool available) {
             return Variant{
                 std::move(name), std::move(blob_id), std::move(format), size,  width,
                 height,          duration,           bitrate,           pages, available};
           }),
           py::arg("name"), py::arg("blob_id"), py::arg("format"), py::arg("size"),
           py::arg("width"), py::arg("height"), py::arg("duration") = py::none(),
           py::arg("bitrate") = py::none(), py::arg("pages") = py::none(), py::kw_only(),
           py::arg("available") = true)
      .def_readwrite("name", &Variant::name)
      .def_readwrite("blob_id", &Variant::blob_id)
      .def_readwrite("format", &Variant::format)
      .def_readwrite("size", &Variant::size)
      .def_readwrite("width", &Variant::width)
      .def_readwrite("height", &Variant::height)
      .def_readwrite("duration", &Variant::duration, "Seconds (audio, video), or None.")
      .def_readwrite("bitrate", &Variant::bitrate, "kbps, or None.")
      .def_readwrite("pages", &Variant::pages, "Page count (documents), or None.")
      .def_readwrite("available", &Variant::available, "Whether the blob is present here.")
      .def(
          "__eq__", [](const Variant& a, const Variant& b) { return a == b; }, py::is_operator())
      .def("__repr__", &variant_repr);

  py::class_<Descriptor>(m, "Descriptor",
                         "A file descriptor: the variants of one file and, for files in a "
                         "document tree, the root file's ID.")
      .def(py::init([](std::vector<Variant> variants, std::optional<std::string> root) {
             return Descriptor{std::move(variants), std::move(root)};
           }),
           py::arg("variants"), py::arg("root") = py::none())
      .def_readwrite("variants", &Descriptor::variants,
                     "The variants, as a new list on every read: assign a list to change them.")
      .def_readwrite("root", &Descriptor::root, "The root file's ID ('f1~...'), or None.")
      .def(
          "validate", [](const Descriptor& d) { unwrap(d.validate()); },
          "Raises InvalidArgumentError ('CONTENT_DESCRIPTOR_INVALID') unless to_string() can "
          "write this descriptor exactly.")
      .def("to_string", &descriptor_text,
           "The canonical d2 text. Raises InvalidArgumentError ('CONTENT_DESCRIPTOR_INVALID') for "
           "a descriptor validate() refuses.")
      .def(
          "file_id", [](const Descriptor& d) { return content::file_id(descriptor_text(d)); },
          "The file ID, file_id(to_string()). Raises as to_string() does.")
      .def_static(
          "parse", [](const std::string& text) { return unwrap(Descriptor::parse(text)); },
          py::arg("text"),
          "Parses d2 (or legacy d1~) text; every variant is available. Raises "
          "InvalidArgumentError ('CONTENT_DESCRIPTOR_MALFORMED').")
      .def("__str__", &descriptor_text)
      .def(
          "__eq__", [](const Descriptor& a, const Descriptor& b) { return a == b; },
          py::is_operator())
      .def("__repr__", [](const Descriptor& d) {
        std::string out = "Descriptor([";
        for (size_t i = 0; i < d.variants.size(); ++i) {
          if (i > 0) out += ", ";
          out += variant_repr(d.variants[i]);
        }
        out += "], root=";
        out += d.root ? std::string(py::repr(py::str(*d.root))) : "None";
        return out + ")";
      });

  m.def(
      "file_id", [](const Descriptor& d) { return content::file_id(descriptor_text(d)); },
      py::arg("descriptor"), "The file ID of a Descriptor: Descriptor.file_id().");
  m.def(
      "best_variant",
      [](const py::object& target, const std::optional<std::string>& requested,
         const py::object& available) {
        std::vector<Variant> variants = candidates_of(target, available);
        return unwrap(content::best_variant(variants, requested.value_or("")));
      },
      py::arg("variants"), py::arg("requested") = py::none(), py::arg("available") = py::none(),
      "The variant to serve for `requested` ('vis.hd', 'sd', or ''/None for the original) from a "
      "Descriptor or a list of Variant. With `available` (an iterable of variant names or blob "
      "IDs) only those count as available; otherwise each variant's own flag decides. Raises "
      "NotFoundError ('CONTENT_VARIANT_NOT_FOUND') when no variant is a candidate.");
}

void bind_blob_store(py::module_& m) {
  py::class_<BlobInfo>(m, "BlobInfo", "What BlobStore.stat reports about a stored blob.")
      .def_readonly("id", &BlobInfo::id)
      .def_readonly("size", &BlobInfo::size, "Bytes.")
      .def_readonly("modified", &BlobInfo::modified,
                    "When the blob was last stored, an aware datetime in UTC.")
      .def("__repr__", [](const BlobInfo& i) {
        return "<cairn.content.BlobInfo " + i.id + " size=" + std::to_string(i.size) + ">";
      });

  py::class_<BlobStore>(
      m, "BlobStore",
      "Immutable blobs under their content ID ('b1~...'), separated by tenant (an int >= 0). "
      "Safe to share between threads. Every method takes `tenant` last (default 0).")
      .def_static(
          "open",
          [](const std::string& uri) { return store_call([&] { return BlobStore::open(uri); }); },
          py::arg("uri"),
          "Opens 'memory:' or 'file:/abs/dir' ('file:///abs/dir', 'file:relative/dir'). Raises "
          "InvalidArgumentError ('CONTENT_BLOB_STORE_URI_INVALID') or UnavailableError "
          "('CONTENT_BLOB_STORE_IO').")
      .def(
          "put",
          [](BlobStore& s, const DataArg& data, const std::optional<std::string>& expected_id,
             int64_t tenant) {
            return store_call([&] { return s.put(tenant, data.view(), id_view(expected_id)); });
          },
          py::arg("data"), py::arg("expected_id") = py::none(), py::arg("tenant") = 0,
          "Stores bytes (or a str as UTF-8) and returns the blob ID. With `expected_id` the "
          "data must hash to exactly that ID, or DataLossError ('CONTENT_HASH_MISMATCH') is "
          "raised and nothing is stored.")
      .def(
          "put_stream",
          [](BlobStore& s, const py::object& source, const std::optional<std::string>& expected_id,
             int64_t tenant) {
            PyBlobSource reader(source);
            Result<std::string> id = [&] {
              py::gil_scoped_release release;
              return s.put_stream(tenant, std::ref(reader), id_view(expected_id));
            }();
            reader.rethrow();
            return unwrap(std::move(id));
          },
          py::arg("source"), py::arg("expected_id") = py::none(), py::arg("tenant") = 0,
          "As put, reading the data from a binary file-like object (its read(n), until it returns "
          "b'') or from an iterable of bytes chunks. An exception from the source propagates "
          "unchanged and nothing is stored.")
      .def(
          "get",
          [](BlobStore& s, const std::string& id, int64_t tenant) {
            return to_py_bytes(store_call([&] { return s.get(tenant, id); }));
          },
          py::arg("id"), py::arg("tenant") = 0,
          "The blob's bytes (not re-hashed; see verify). Raises NotFoundError "
          "('CONTENT_BLOB_NOT_FOUND') or InvalidArgumentError ('CONTENT_ID_MALFORMED').")
      .def(
          "get_range",
          [](BlobStore& s, const std::string& id, uint64_t offset, uint64_t length,
             int64_t tenant) {
            return to_py_bytes(store_call([&] { return s.get_range(tenant, id, offset, length); }));
          },
          py::arg("id"), py::arg("offset"), py::arg("length"), py::arg("tenant") = 0,
          "Up to `length` bytes from `offset`, cut at the end of the blob. Raises as get, and "
          "OutOfRangeError ('CONTENT_RANGE_INVALID') for an offset past the end.")
      .def(
          "stat",
          [](BlobStore& s, const std::string& id, int64_t tenant) {
            return store_call([&] { return s.stat(tenant, id); });
          },
          py::arg("id"), py::arg("tenant") = 0, "A BlobInfo (id, size, modified). Raises as get.")
      .def(
          "exists",
          [](BlobStore& s, const std::string& id, int64_t tenant) {
            return store_call([&] { return s.exists(tenant, id); });
          },
          py::arg("id"), py::arg("tenant") = 0, "Whether the blob is stored.")
      .def(
          "delete",
          [](BlobStore& s, const std::string& id, int64_t tenant) {
            store_call([&] { return s.remove(tenant, id); });
          },
          py::arg("id"), py::arg("tenant") = 0,
          "Removes the blob; removing one that is not there succeeds.")
      .def(
          "list",
          [](BlobStore& s, int64_t tenant) { return store_call([&] { return s.list(tenant); }); },
          py::arg("tenant") = 0, "Every blob ID of the tenant, sorted.")
      .def(
          "verify",
          [](BlobStore& s, const std::string& id, int64_t tenant) {
            store_call([&] { return s.verify(tenant, id); });
          },
          py::arg("id"), py::arg("tenant") = 0,
          "Re-hashes the stored blob. Raises DataLossError ('CONTENT_HASH_MISMATCH') when it no "
          "longer matches its ID, or as get.");
}

// ---- Action tokens

// The signing key(s): one PrivateKey (with key_id, or the claims' "k"), or a mapping of key IDs
// to PrivateKeys (the newest signs unless key_id picks one).
std::vector<content::ActionKey> action_keys(const py::object& key,
                                            const std::optional<std::string>& key_id,
                                            const py::dict& claims) {
  std::vector<content::ActionKey> keys;
  if (py::isinstance<crypto::PrivateKey>(key)) {
    std::string id;
    if (key_id) {
      id = *key_id;
    } else if (claims.contains("k") && py::isinstance<py::str>(claims["k"])) {
      id = claims["k"].cast<std::string>();
    } else {
      throw ErrorException{{ErrorCode::kInvalidArgument, "CONTENT_ACTION_KEY_INVALID",
                            "name the key's ID (key_id=, or a 'k' claim)"}};
    }
    keys.push_back({std::move(id), key.cast<crypto::PrivateKey>()});
    return keys;
  }
  if (!py::isinstance<py::dict>(key)) {
    throw py::type_error("key must be a cairn.crypto.PrivateKey or a dict of key IDs to keys");
  }
  for (auto [id, k] : key.cast<py::dict>()) {
    std::string name = id.cast<std::string>();
    if (key_id && name != *key_id) continue;
    keys.push_back({std::move(name), k.cast<crypto::PrivateKey>()});
  }
  return keys;
}

Timestamp now_arg(const std::optional<Timestamp>& now) { return now ? *now : Env::system().now(); }

py::dict action_dict(const content::ActionToken& action) {
  py::dict out = from_json(action.claims);
  return out;
}

void bind_actions(py::module_& m) {
  m.def(
      "action_key_id",
      [](std::optional<Timestamp> now) { return content::action_key_id(now_arg(now)); },
      py::arg("now") = py::none(),
      "The ID of a key made at `now` (an aware datetime; default: the current time): its UTC "
      "date as 'YYMMDD'.");
  m.def(
      "create_action_token",
      [](const py::object& key, const py::dict& claims, const std::optional<std::string>& key_id,
         std::optional<Timestamp> now) {
        std::vector<content::ActionKey> keys = action_keys(key, key_id, claims);
        std::string json = to_json(claims);
        Timestamp at = now_arg(now);
        py::gil_scoped_release release;
        return unwrap(content::create_action_token(json, keys, at));
      },
      py::arg("key"), py::arg("claims"), py::arg("key_id") = py::none(),
      py::arg("now") = py::none(),
      "Signs the action `claims` (a dict: iss, t, and c, p, a, aud, sub, exp, f, v, _ as the type "
      "needs) as an ES384 token in Cloudillo's claim order; 'k' and 'iat' are filled in. `key` is "
      "a P-384 cairn.crypto.PrivateKey (its ID from key_id= or the claims' 'k'), or a dict of key "
      "IDs to keys, of which the newest signs. Raises InvalidArgumentError "
      "('CONTENT_ACTION_INVALID', 'CONTENT_ACTION_TYPE_UNKNOWN', 'CONTENT_ID_TAG_INVALID', "
      "'CONTENT_ACTION_KEY_INVALID').");
  m.def(
      "verify_action_token",
      [](const std::string& token, const crypto::PublicKey& key, std::optional<Timestamp> now,
         uint32_t leeway) {
        Timestamp at = now_arg(now);
        Result<content::ActionToken> action = [&] {
          py::gil_scoped_release release;
          return content::verify_action_token(token, key, at, std::chrono::seconds(leeway));
        }();
        return action_dict(unwrap(std::move(action)));
      },
      py::arg("token"), py::arg("public_key"), py::arg("now") = py::none(), py::arg("leeway") = 60,
      "Verifies an action token as Cloudillo's inbox does (ES384 signature, exp with `leeway` "
      "seconds, canonical id tags, the type's required and forbidden fields) and returns its "
      "claims as a dict. Raises UnauthenticatedError ('AUTH_TOKEN_INVALID', "
      "'AUTH_TOKEN_EXPIRED', ...) or InvalidArgumentError ('CONTENT_ACTION_INVALID', ...).");
  m.def(
      "decode_action_token",
      [](const std::string& token) {
        return action_dict(unwrap(content::decode_action_token(token)));
      },
      py::arg("token"),
      "The claims of a token as a dict, WITHOUT checking its signature (to find the issuer's key "
      "by 'iss' and 'k' first).");
  m.def(
      "check_id_tag", [](const std::string& id_tag) { unwrap(content::check_id_tag(id_tag)); },
      py::arg("id_tag"),
      "Raises InvalidArgumentError ('CONTENT_ID_TAG_INVALID') unless `id_tag` is a canonical id "
      "tag (lower-case LDH DNS name, 5-62 characters).");
  m.def(
      "verify_tree",
      [](const std::string& token, const py::dict& descriptors, const py::dict& blobs,
         const std::optional<std::string>& action_id) {
        std::map<std::string, std::string, std::less<>> descriptor_map;
        for (auto [id, text] : descriptors) {
          descriptor_map.emplace(id.cast<std::string>(),
                                 py::isinstance<Descriptor>(text)
                                     ? descriptor_text(text.cast<const Descriptor&>())
                                     : text.cast<std::string>());
        }
        std::map<std::string, Bytes, std::less<>> blob_map;
        for (auto [id, data] : blobs) {
          DataArg arg;
          if (!arg.load(data)) throw py::type_error("blobs maps blob IDs to bytes");
          blob_map.emplace(id.cast<std::string>(), Bytes(arg.view().begin(), arg.view().end()));
        }
        py::gil_scoped_release release;
        std::optional<std::string_view> expected;
        if (action_id) expected = *action_id;
        unwrap(content::verify_tree(token, descriptor_map, blob_map, expected));
      },
      py::arg("token"), py::arg("descriptors"), py::arg("blobs"), py::arg("action_id") = py::none(),
      "Checks an action's Merkle chain bottom up: blob bytes -> b1 IDs -> descriptors -> f1 IDs "
      "-> the token's attachments -> its a1 ID (== action_id when given). `descriptors` maps "
      "file IDs to descriptor text (or Descriptor), `blobs` blob IDs to bytes. Returns None; "
      "raises DataLossError ('CONTENT_HASH_MISMATCH', naming the ID) at the lowest broken level, "
      "NotFoundError ('CONTENT_BLOB_NOT_FOUND', 'CONTENT_DESCRIPTOR_NOT_FOUND') for missing "
      "pieces. The signature is not checked here (verify_action_token does that).");
}
}  // namespace

void bind_content(py::module_& root) {
  py::module_ m = root.def_submodule(
      "content", "Content-addressed IDs, file descriptors, variant choice and blob stores.");
  bind_ids(m);
  bind_descriptors(m);
  bind_blob_store(m);
  bind_actions(m);
}

}  // namespace cairn::python
