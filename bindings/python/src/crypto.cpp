// cairn._core.crypto: hashes, HMAC, HKDF, AES-256-GCM, randomness, signatures, the field cipher.
#include <pybind11/stl.h>

#include "cairn/crypto/aead.hpp"
#include "cairn/crypto/field_cipher.hpp"
#include "cairn/crypto/hash.hpp"
#include "cairn/crypto/mac.hpp"
#include "cairn/crypto/random.hpp"
#include "cairn/crypto/secure.hpp"
#include "cairn/crypto/sign.hpp"
#include "conversions.hpp"

namespace cairn::python {
namespace {

using crypto::PrivateKey;
using crypto::PublicKey;
using crypto::SignatureAlgorithm;

// Hashing small inputs is faster than releasing and retaking the GIL; only long inputs release it.
constexpr size_t kReleaseGilAbove = size_t{64} * 1024;

template <class Digest, class Fn>
py::bytes hash_with(const BytesArg& data, Fn fn) {
  ByteView view = data.view();
  Digest digest;
  if (view.size() > kReleaseGilAbove) {
    py::gil_scoped_release release;
    digest = fn(view);
  } else {
    digest = fn(view);
  }
  return to_py_bytes(digest);
}

SignatureAlgorithm algorithm_arg(const std::string& name) {
  return unwrap(crypto::parse_algorithm(name));
}

py::bytes sign(const PrivateKey& key, const BytesArg& data) {
  Result<Bytes> signature = [&] {
    py::gil_scoped_release release;
    return key.sign(data.view());
  }();
  return to_py_bytes(unwrap(std::move(signature)));
}

bool verify(const PublicKey& key, const BytesArg& data, const BytesArg& signature) {
  py::gil_scoped_release release;
  return key.verify(data.view(), signature.view());
}

// A streaming hasher with hashlib's manners: update() chains, digest() does not end the message.
template <class Hasher>
void bind_hasher(py::module_& m, const char* name) {
  py::class_<Hasher>(m, name, "Streaming hash: update(data) ..., then digest().")
      .def(py::init<>())
      .def(
          "update",
          [](Hasher& h, const BytesArg& d) -> Hasher& {
            h.update(d.view());
            return h;
          },
          py::arg("data"), py::return_value_policy::reference_internal)
      .def(
          "digest",
          [](const Hasher& h) {
            Hasher copy = h;  // finish a copy, so more update() calls may follow
            return to_py_bytes(copy.finish());
          },
          "The digest of everything given so far.");
}

// A field cipher's master key: a str is the hex form, anything bytes-like the 32 raw bytes. The
// str's UTF-8 is read in place, so no copy of the key is left behind here.
crypto::FieldCipher field_cipher(const py::object& master_key, const std::string& family) {
  if (py::isinstance<py::str>(master_key)) {
    Py_ssize_t size = 0;
    const char* text = PyUnicode_AsUTF8AndSize(master_key.ptr(), &size);
    if (text == nullptr) throw py::error_already_set();
    return unwrap(crypto::FieldCipher::from_hex({text, static_cast<size_t>(size)}, family));
  }
  BytesArg bytes;
  if (PyObject_CheckBuffer(master_key.ptr()) == 0 || !bytes.load(master_key.ptr())) {
    throw py::type_error("master_key must be 32 bytes or a str of 64 hex characters, not " +
                         std::string(py::str(py::type::handle_of(master_key).attr("__name__"))));
  }
  return unwrap(crypto::FieldCipher::create(bytes.view(), family));
}

// A field's associated data: bytes as given, or a (table, row_id, column) tuple of str built by
// crypto::field_aad().
Bytes field_aad_arg(const py::object& aad) {
  if (py::isinstance<py::tuple>(aad)) {
    auto parts = aad.cast<py::tuple>();
    if (parts.size() != 3 || !py::isinstance<py::str>(parts[0]) ||
        !py::isinstance<py::str>(parts[1]) || !py::isinstance<py::str>(parts[2])) {
      throw py::type_error("aad must be bytes or a (table, row_id, column) tuple of str");
    }
    return unwrap(crypto::field_aad(parts[0].cast<std::string>(), parts[1].cast<std::string>(),
                                    parts[2].cast<std::string>()));
  }
  BytesArg bytes;
  if (PyObject_CheckBuffer(aad.ptr()) == 0 || !bytes.load(aad.ptr())) {
    throw py::type_error("aad must be bytes or a (table, row_id, column) tuple of str, not " +
                         std::string(py::str(py::type::handle_of(aad).attr("__name__"))));
  }
  ByteView view = bytes.view();
  return {view.begin(), view.end()};
}

void bind_field_cipher(py::module_& m) {
  using crypto::FieldCipher;
  py::class_<FieldCipher>(m, "FieldCipher",
                          "Encrypts single database values under a per-column-family key "
                          "(HKDF-SHA256 of the master key, info = family): 0x01 | nonce | "
                          "AES-256-GCM ciphertext | tag, bound to mandatory associated data. "
                          "Immutable; safe to share between threads.")
      .def(py::init(&field_cipher), py::arg("master_key"), py::arg("family"),
           "master_key: 32 bytes or 64 hex characters; family: 1 to 128 bytes of UTF-8.")
      .def_property_readonly("family", &FieldCipher::family)
      .def(
          "encrypt",
          [](const FieldCipher& c, const BytesArg& plaintext, const py::object& aad) {
            Bytes bound = field_aad_arg(aad);
            Result<Bytes> sealed = [&] {
              py::gil_scoped_release release;
              return c.encrypt(plaintext.view(), bound);
            }();
            return to_py_bytes(unwrap(std::move(sealed)));
          },
          py::arg("plaintext"), py::arg("aad"),
          "The ciphertext of plaintext bound to aad (bytes, or a (table, row_id, column) tuple).")
      .def(
          "decrypt",
          [](const FieldCipher& c, const BytesArg& ciphertext, const py::object& aad) {
            Bytes bound = field_aad_arg(aad);
            Result<Bytes> plaintext = [&] {
              py::gil_scoped_release release;
              return c.decrypt(ciphertext.view(), bound);
            }();
            Bytes value = unwrap(std::move(plaintext));
            py::bytes out = to_py_bytes(value);
            crypto::secure_wipe(value);
            return out;
          },
          py::arg("ciphertext"), py::arg("aad"),
          "The plaintext; DataLossError (CRYPTO_FIELD_DECRYPT_FAILED) for another row's aad, "
          "another key or family, or a changed byte.")
      .def("__repr__", [](const FieldCipher& c) {
        return "<cairn.crypto.FieldCipher family=" + std::string(py::repr(py::str(c.family()))) +
               ">";
      });
  m.def(
      "field_aad",
      [](const std::string& table, const std::string& row_id, const std::string& column) {
        return to_py_bytes(unwrap(crypto::field_aad(table, row_id, column)));
      },
      py::arg("table"), py::arg("row_id"), py::arg("column"),
      "The associated data FieldCipher builds from a (table, row_id, column) tuple.");
}

}  // namespace

void bind_crypto(py::module_& root) {
  py::module_ m = root.def_submodule("crypto", "Hashes, MACs, AEAD and signatures on OpenSSL 3.");

  m.def(
      "sha256",
      [](const BytesArg& d) { return hash_with<crypto::Sha256Digest>(d, crypto::sha256); },
      py::arg("data"));
  m.def(
      "sha384",
      [](const BytesArg& d) { return hash_with<crypto::Sha384Digest>(d, crypto::sha384); },
      py::arg("data"));
  m.def(
      "sha3_256",
      [](const BytesArg& d) { return hash_with<crypto::Sha3_256Digest>(d, crypto::sha3_256); },
      py::arg("data"));
  m.def(
      "sha256_batch",
      [](const std::vector<BytesArg>& inputs, unsigned threads) {
        std::vector<ByteView> views;
        views.reserve(inputs.size());
        for (const BytesArg& b : inputs) views.push_back(b.view());
        std::vector<crypto::Sha256Digest> out(views.size());
        {
          py::gil_scoped_release release;
          crypto::sha256_batch(views, out, threads);
        }
        py::list result;
        for (const auto& d : out) result.append(to_py_bytes(d));
        return result;
      },
      py::arg("inputs"), py::arg("threads") = 0,
      "SHA-256 of every input, spread over threads (0: one per core).");

  bind_hasher<crypto::Sha256>(m, "Sha256");
  bind_hasher<crypto::Sha384>(m, "Sha384");
  bind_hasher<crypto::Sha3_256>(m, "Sha3_256");

  m.def(
      "hmac_sha256",
      [](const BytesArg& key, const BytesArg& data) {
        return to_py_bytes(crypto::hmac_sha256(key.view(), data.view()));
      },
      py::arg("key"), py::arg("data"));
  m.def(
      "hkdf_sha256",
      [](const BytesArg& key, const BytesArg& salt, const BytesArg& info, size_t length) {
        return to_py_bytes(
            unwrap(crypto::hkdf_sha256(key.view(), salt.view(), info.view(), length)));
      },
      py::arg("key"), py::arg("salt"), py::arg("info"), py::arg("length"));
  m.def(
      "aes_gcm_encrypt",
      [](const BytesArg& key, const BytesArg& plaintext, const BytesArg& aad) {
        Result<Bytes> blob = [&] {
          py::gil_scoped_release release;
          return crypto::aes_gcm_encrypt(key.view(), plaintext.view(), aad.view());
        }();
        return to_py_bytes(unwrap(std::move(blob)));
      },
      py::arg("key"), py::arg("plaintext"), py::arg("aad") = py::bytes(),
      "AES-256-GCM with a random nonce: returns nonce || ciphertext || tag.");
  m.def(
      "aes_gcm_decrypt",
      [](const BytesArg& key, const BytesArg& blob, const BytesArg& aad) {
        Result<Bytes> plaintext = [&] {
          py::gil_scoped_release release;
          return crypto::aes_gcm_decrypt(key.view(), blob.view(), aad.view());
        }();
        return to_py_bytes(unwrap(std::move(plaintext)));
      },
      py::arg("key"), py::arg("blob"), py::arg("aad") = py::bytes(),
      "Decrypts aes_gcm_encrypt() output; DataLossError (CRYPTO_DECRYPT_FAILED) if anything is "
      "wrong.");
  m.def(
      "aes_gcm_seal",
      [](const BytesArg& key, const BytesArg& nonce, const BytesArg& plaintext,
         const BytesArg& aad) {
        return to_py_bytes(
            unwrap(crypto::aes_gcm_seal(key.view(), nonce.view(), plaintext.view(), aad.view())));
      },
      py::arg("key"), py::arg("nonce"), py::arg("plaintext"), py::arg("aad") = py::bytes(),
      "AES-256-GCM with the caller's 12-byte nonce (never reuse one): ciphertext || tag.");
  m.def(
      "aes_gcm_open",
      [](const BytesArg& key, const BytesArg& nonce, const BytesArg& sealed, const BytesArg& aad) {
        return to_py_bytes(
            unwrap(crypto::aes_gcm_open(key.view(), nonce.view(), sealed.view(), aad.view())));
      },
      py::arg("key"), py::arg("nonce"), py::arg("sealed"), py::arg("aad") = py::bytes(),
      "Opens aes_gcm_seal() output; DataLossError (CRYPTO_DECRYPT_FAILED) if anything is wrong.");
  m.def(
      "random_bytes", [](size_t n) { return to_py_bytes(crypto::random_bytes(n)); }, py::arg("n"));
  m.def(
      "constant_time_equal",
      [](const BytesArg& a, const BytesArg& b) {
        return crypto::constant_time_equal(a.view(), b.view());
      },
      py::arg("a"), py::arg("b"));

  py::class_<PublicKey>(m, "PublicKey", "A public key: ES256, ES384 or Ed25519. Immutable.")
      .def_property_readonly(
          "algorithm",
          [](const PublicKey& k) { return std::string(crypto::algorithm_name(k.algorithm())); })
      .def("verify", &verify, py::arg("data"), py::arg("signature"),
           "True when signature is valid for data (raw r||s for ECDSA).")
      .def("public_pem", &PublicKey::to_pem, "SPKI PEM.")
      .def("public_pem_body", &PublicKey::to_pem_body, "The PEM body on one line, no armor.")
      .def(
          "raw", [](const PublicKey& k) { return to_py_bytes(k.to_raw()); },
          "32 bytes (Ed25519) or the uncompressed point 0x04||x||y (ECDSA).")
      .def(
          "public_key", [](const PublicKey& k) { return k; }, "This key itself.")
      .def("__repr__", [](const PublicKey& k) {
        return "<cairn.crypto.PublicKey " + std::string(crypto::algorithm_name(k.algorithm())) +
               ">";
      });

  py::class_<PrivateKey>(m, "PrivateKey", "A private key: ES256, ES384 or Ed25519. Immutable.")
      .def_property_readonly(
          "algorithm",
          [](const PrivateKey& k) { return std::string(crypto::algorithm_name(k.algorithm())); })
      .def("sign", &sign, py::arg("data"),
           "The signature of data: raw r||s for ECDSA (64/96 bytes), 64 bytes for Ed25519.")
      .def(
          "verify",
          [](const PrivateKey& k, const BytesArg& data, const BytesArg& signature) {
            return verify(k.public_key(), data, signature);
          },
          py::arg("data"), py::arg("signature"))
      .def("private_pem", &PrivateKey::to_pem, "PKCS#8 PEM (secret).")
      .def("private_pem_body", &PrivateKey::to_pem_body,
           "The PKCS#8 PEM body on one line (secret).")
      .def("public_pem", [](const PrivateKey& k) { return k.public_key().to_pem(); })
      .def("public_pem_body", [](const PrivateKey& k) { return k.public_key().to_pem_body(); })
      .def("public_key", &PrivateKey::public_key)
      .def("__repr__", [](const PrivateKey& k) {
        return "<cairn.crypto.PrivateKey " + std::string(crypto::algorithm_name(k.algorithm())) +
               ">";
      });

  m.def(
      "generate_key",
      [](const std::string& alg) { return unwrap(PrivateKey::generate(algorithm_arg(alg))); },
      py::arg("alg"), "A new private key; alg is 'ES256', 'ES384' or 'Ed25519'.");
  m.def(
      "load_private_key", [](const std::string& pem) { return unwrap(PrivateKey::from_pem(pem)); },
      py::arg("pem"), "A private key from PKCS#8 PEM or its one-line body.");
  m.def(
      "load_public_key", [](const std::string& pem) { return unwrap(PublicKey::from_pem(pem)); },
      py::arg("pem"), "A public key from SPKI PEM or its one-line body.");
  m.def(
      "private_key_from_raw",
      [](const std::string& alg, const BytesArg& raw) {
        return unwrap(PrivateKey::from_raw(algorithm_arg(alg), raw.view()));
      },
      py::arg("alg"), py::arg("raw"), "An Ed25519 key from its 32-byte seed.");
  m.def(
      "public_key_from_raw",
      [](const std::string& alg, const BytesArg& raw) {
        return unwrap(PublicKey::from_raw(algorithm_arg(alg), raw.view()));
      },
      py::arg("alg"), py::arg("raw"),
      "A public key from 32 raw Ed25519 bytes or an uncompressed EC point.");

  bind_field_cipher(m);
}

}  // namespace cairn::python
