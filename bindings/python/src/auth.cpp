// cairn._core.auth: passwords, API keys, JWTs, rate limits, token files, and engine.auth.
//
// Times cross this edge as aware datetimes, durations as float seconds (conversions.hpp). Calls
// that hash passwords, sign, or reach the engine's store run without the GIL; engine.auth's go
// through ServiceHandle.
#include <pybind11/stl.h>

#include <optional>

#include "cairn/auth/email.hpp"
#include "cairn/auth/jwt.hpp"
#include "cairn/auth/rate_limit.hpp"
#include "cairn/auth/service.hpp"
#include "cairn/auth/token.hpp"
#include "cairn/auth/token_file.hpp"
#include "cairn/crypto/password.hpp"
#include "conversions.hpp"
#include "engine.hpp"

namespace cairn::python {
namespace {

using auth::ApiKey;
using auth::Session;
using auth::User;
using crypto::PrivateKey;
using crypto::PublicKey;

py::object text_or_none(const std::string& text) {
  if (text.empty()) return py::none();
  return py::str(text);
}

std::string path_arg(const py::object& path) {
  return py::module_::import("os").attr("fspath")(path).cast<std::string>();
}

auth::RequestInfo request_arg(const std::optional<std::string>& ip,
                              const std::optional<std::string>& user_agent) {
  return {ip.value_or(""), user_agent.value_or("")};
}

// ---- JWT keys

bool load_secret(const py::handle& key, BytesArg& secret) {
  return PyObject_CheckBuffer(key.ptr()) != 0 && secret.load(key.ptr());
}

[[noreturn]] void bad_key_type(const py::handle& key) {
  throw py::type_error(
      "a JWT key is bytes (an HS256 secret) or a cairn.crypto PrivateKey or PublicKey, not " +
      std::string(py::str(py::type::handle_of(key).attr("__name__"))));
}

// A key that verifies: bytes are an HS256 secret, a private key stands for its public half.
auth::JwtKey verifying_key(const py::handle& key, std::string kid) {
  if (py::isinstance<PrivateKey>(key)) {
    return auth::JwtKey::verifying(key.cast<const PrivateKey&>().public_key(), std::move(kid));
  }
  if (py::isinstance<PublicKey>(key)) {
    return auth::JwtKey::verifying(key.cast<const PublicKey&>(), std::move(kid));
  }
  BytesArg secret;
  if (load_secret(key, secret)) return unwrap(auth::JwtKey::hmac(secret.view(), std::move(kid)));
  bad_key_type(key);
}

// {"keys": [...]}: a JWKS document rather than a {kid: key} mapping.
bool is_jwks(const py::handle& keys) {
  if (!py::isinstance<py::dict>(keys)) return false;
  auto mapping = py::reinterpret_borrow<py::dict>(keys);
  if (!mapping.contains("keys")) return false;
  py::object list = mapping["keys"];
  return py::isinstance<py::list>(list) || py::isinstance<py::tuple>(list);
}

// The verifier's keys: one key, a list of keys, a {kid: key} dict, or a JWKS dict.
auth::JwtKeySet key_set(const py::handle& keys) {
  if (is_jwks(keys)) return unwrap(auth::JwtKeySet::from_jwks(to_json(keys)));
  auth::JwtKeySet set;
  if (py::isinstance<py::dict>(keys)) {
    for (const auto& [kid, key] : py::reinterpret_borrow<py::dict>(keys)) {
      if (!py::isinstance<py::str>(kid)) throw py::type_error("key ids (kid) must be str");
      unwrap(set.add(verifying_key(key, kid.cast<std::string>())));
    }
  } else if (py::isinstance<py::list>(keys) || py::isinstance<py::tuple>(keys)) {
    for (const py::handle& key : keys) unwrap(set.add(verifying_key(key, "")));
  } else {
    unwrap(set.add(verifying_key(keys, "")));
  }
  return set;
}

auth::JwtAlgorithm algorithm_arg(const std::string& name) {
  return unwrap(auth::parse_jwt_algorithm(name));
}

std::string jwt_encode(const py::object& claims, const py::object& key, const std::string& alg,
                       const std::optional<std::string>& kid,
                       const std::optional<std::string>& typ) {
  auth::JwtAlgorithm wanted = algorithm_arg(alg);
  auto mismatch = [&](auth::JwtAlgorithm have) {
    return ErrorException{{ErrorCode::kInvalidArgument, "AUTH_JWT_ALGORITHM_MISMATCH",
                           "alg is " + alg + " but the key is an " +
                               std::string(auth::jwt_algorithm_name(have)) + " key"}};
  };
  std::string id = kid.value_or("");
  std::optional<auth::JwtKey> signer;
  BytesArg secret;
  if (py::isinstance<PrivateKey>(key)) {
    signer = auth::JwtKey::signing(key.cast<const PrivateKey&>(), id);
  } else if (py::isinstance<PublicKey>(key)) {
    signer = auth::JwtKey::verifying(key.cast<const PublicKey&>(), id);  // cannot sign: says so
  } else if (load_secret(key, secret)) {
    if (wanted != auth::JwtAlgorithm::kHs256) throw mismatch(auth::JwtAlgorithm::kHs256);
    signer = unwrap(auth::JwtKey::hmac(secret.view(), id));
  } else {
    bad_key_type(key);
  }
  if (signer->algorithm() != wanted) throw mismatch(signer->algorithm());
  std::string claims_json = to_json(claims);
  Result<std::string> token = [&] {
    py::gil_scoped_release release;
    return auth::jwt_encode(claims_json, *signer, typ.value_or(""));
  }();
  return unwrap(std::move(token));
}

py::object jwt_decode(const std::string& token, const py::object& keys,
                      const std::vector<std::string>& algorithms,
                      const std::optional<std::string>& audience,
                      const std::optional<std::string>& issuer, uint32_t leeway,
                      std::optional<Timestamp> now, const std::vector<std::string>& required,
                      const std::optional<std::string>& typ) {
  auth::JwtVerifyOptions options;
  for (const std::string& name : algorithms) options.algorithms.push_back(algorithm_arg(name));
  options.audience = audience.value_or("");
  options.issuer = issuer.value_or("");
  options.leeway = std::chrono::seconds(leeway);
  options.required_claims = required;
  options.typ = typ.value_or("");
  Timestamp at = now ? *now : Env::system().now();
  auth::JwtKeySet set = key_set(keys);
  Result<auth::Jwt> jwt = [&] {
    py::gil_scoped_release release;
    return auth::jwt_decode(token, set, options, at);
  }();
  return from_json(unwrap(std::move(jwt)).claims);
}

// ---- engine.auth and rate limiters

auth::AuthService& auth_of(Engine& engine) { return engine.auth(); }

// engine.auth.
using PyAuth = ServiceHandle<auth::AuthService, &auth_of>;

// A RateLimiter as Python sees it: in memory (its own clock) or in an engine's store, reached
// through engine.auth's ServiceHandle like every other engine call.
class PyRateLimiter {
 public:
  PyRateLimiter(std::shared_ptr<Env> env, std::unique_ptr<auth::RateLimiter> limiter)
      : env_(std::move(env)), limiter_(std::move(limiter)) {}
  PyRateLimiter(py::object owner, const PyAuth& service, std::unique_ptr<auth::RateLimiter> limiter)
      : owner_(std::move(owner)), service_(service), limiter_(std::move(limiter)) {}

  py::tuple hit(const std::string& key) {
    auth::RateDecision d =
        service_ ? service_->call([&](auth::AuthService&) { return limiter_->hit(key); })
                 : unwrap(limiter_->hit(key));  // memory only: quicker than the GIL
    return py::make_tuple(d.allowed, seconds_of(d.retry_after));
  }

  const auth::RateLimit& limit() const { return limiter_->limit(); }
  bool persistent() const { return service_.has_value(); }

 private:
  // Declared before the limiter, which borrows them.
  std::shared_ptr<Env> env_;       // a memory limiter's clock (null: the system clock)
  py::object owner_;               // a store-backed limiter's engine.auth, kept alive
  std::optional<PyAuth> service_;  // a store-backed limiter's engine service
  std::unique_ptr<auth::RateLimiter> limiter_;
};

PyRateLimiter memory_limiter(double rate_per_second, uint32_t burst, const py::object& clock) {
  std::shared_ptr<Env> env = clock.is_none() ? nullptr : clock_env(clock);
  auto limiter =
      unwrap(auth::MemoryRateLimiter::create({rate_per_second, burst}, env ? *env : Env::system()));
  return {std::move(env), std::move(limiter)};
}

py::tuple session_pair(auth::NewSession&& created) {
  return py::make_tuple(py::cast(std::move(created.session)), std::move(created.token));
}

}  // namespace

void bind_auth(py::module_& core, py::class_<PyEngine>& engine_class) {
  py::module_ m = core.def_submodule(
      "auth", "Passwords, API keys, JWTs, rate limits, token files and the engine's AuthService.");

  // ---- passwords and API keys
  const crypto::PasswordParams defaults;
  m.def(
      "hash_password",
      [](const std::string& password, uint32_t memory_kib, uint32_t iterations,
         uint32_t parallelism) {
        crypto::PasswordParams params{memory_kib, iterations, parallelism};
        Result<std::string> phc = [&] {
          py::gil_scoped_release release;
          return crypto::hash_password(password, params);
        }();
        return unwrap(std::move(phc));
      },
      py::arg("password"), py::kw_only(), py::arg("memory_kib") = defaults.memory_kib,
      py::arg("iterations") = defaults.iterations, py::arg("parallelism") = defaults.parallelism,
      "The Argon2id PHC string of password ('$argon2id$v=19$m=19456,t=2,p=1$...').");
  m.def(
      "verify_password_hash",
      [](const std::string& phc, const std::string& password) {
        Result<bool> match = [&] {
          py::gil_scoped_release release;
          return crypto::verify_password(phc, password);
        }();
        return unwrap(std::move(match));
      },
      py::arg("phc"), py::arg("password"),
      "True when password matches the Argon2id PHC string. InvalidArgumentError "
      "(CRYPTO_PASSWORD_HASH_INVALID, CRYPTO_PASSWORD_HASH_UNSUPPORTED) for other text.");
  m.def(
      "generate_api_key",
      [](const std::string& prefix) { return unwrap(auth::generate_api_key(prefix)); },
      py::arg("prefix") = "cairn",
      "A new checksummed API key: '<prefix>_' + 30 random base62 characters + 6 of CRC32.");
  m.def(
      "normalize_email",
      [](const std::string& email) { return unwrap(auth::normalize_email(email)); },
      py::arg("email"),
      "The email as cairn stores and compares it: spaces and tabs around it removed, ASCII "
      "letters lower-cased. InvalidArgumentError (AUTH_EMAIL_INVALID) for control characters "
      "anywhere (CR and LF included) or anything that is not local@domain.");
  m.def(
      "api_key_checksum_ok", [](const std::string& key) { return auth::api_key_checksum_ok(key); },
      py::arg("key"),
      "True when key has an API key's shape and its checksum matches (proves nothing more).");

  // ---- JWT
  m.def("jwt_encode", &jwt_encode, py::arg("claims"), py::arg("key"), py::arg("alg"),
        py::arg("kid") = py::none(), py::kw_only(), py::arg("typ") = "JWT",
        "A compact JWS of the claims (a dict). key: bytes (HS256) or a cairn.crypto.PrivateKey "
        "(ES256, ES384, Ed25519 for EdDSA); alg must be the key's (else InvalidArgumentError "
        "AUTH_JWT_ALGORITHM_MISMATCH).");
  m.def("jwt_decode", &jwt_decode, py::arg("token"), py::arg("key_or_keys"), py::arg("algorithms"),
        py::arg("audience") = py::none(), py::arg("issuer") = py::none(), py::arg("leeway") = 0,
        py::kw_only(), py::arg("now") = py::none(),
        py::arg("required") = std::vector<std::string>{}, py::arg("typ") = py::none(),
        "The verified claims of token as a dict (see cairn.auth.jwt_decode).");
  m.def(
      "jwks", [](const py::object& keys) { return from_json(key_set(keys).to_jwks()); },
      py::arg("keys"),
      "The JWKS document ({'keys': [...]}) of the public keys among keys (HS256 secrets are left "
      "out).");

  // ---- token files
  m.def(
      "write_token_file",
      [](const py::object& path, const std::string& token) {
        std::string p = path_arg(path);
        Status status = [&] {
          py::gil_scoped_release release;
          return auth::write_token_file(p, token);
        }();
        unwrap(std::move(status));
      },
      py::arg("path"), py::arg("token"),
      "Writes token and a newline to path: mode 0600 from the first byte, directory 0700, atomic.");
  m.def(
      "read_token_file",
      [](const py::object& path) {
        std::string p = path_arg(path);
        Result<std::string> token = [&] {
          py::gil_scoped_release release;
          return auth::read_token_file(p);
        }();
        return unwrap(std::move(token));
      },
      py::arg("path"),
      "The token in path. PermissionDeniedError (AUTH_TOKEN_FILE_MODE) when the file is group- or "
      "world-accessible, (AUTH_TOKEN_FILE_OWNER) when another user owns it.");

  // ---- rate limiters
  py::class_<PyRateLimiter>(m, "RateLimiter",
                            "A GCRA rate limiter: rate_per_second on average, bursts of burst.")
      .def(py::init(&memory_limiter), py::arg("rate_per_second"), py::arg("burst") = 1,
           py::kw_only(), py::arg("clock") = py::none(),
           "A limiter in process memory. clock: a callable returning an aware datetime (default: "
           "the "
           "system clock).")
      .def("hit", &PyRateLimiter::hit, py::arg("key"),
           "Counts one request for key: (allowed, retry_after_seconds), 0.0 when allowed.")
      .def_property_readonly("rate_per_second",
                             [](const PyRateLimiter& l) { return l.limit().rate_per_second; })
      .def_property_readonly("burst", [](const PyRateLimiter& l) { return l.limit().burst; })
      .def_property_readonly("persistent", &PyRateLimiter::persistent,
                             "True when the state lives in an engine's store.")
      .def("__repr__", [](const PyRateLimiter& l) {
        return "<cairn.auth.RateLimiter " +
               py::repr(py::float_(l.limit().rate_per_second)).cast<std::string>() + "/s burst " +
               std::to_string(l.limit().burst) + (l.persistent() ? " stored>" : " memory>");
      });

  // ---- value types
  py::class_<User>(m, "User", "A user (holds no secret).")
      .def_readonly("id", &User::id)
      .def_readonly("email", &User::email)
      .def_property_readonly("name", [](const User& u) { return text_or_none(u.name); })
      .def_readonly("roles", &User::roles)
      .def_property_readonly(
          "status", [](const User& u) { return std::string(auth::user_status_name(u.status)); })
      .def_readonly("created_at", &User::created_at)
      .def("__repr__", [](const User& u) {
        return "<cairn.auth.User " + u.id + " " + u.email + " " +
               std::string(auth::user_status_name(u.status)) + ">";
      });

  py::class_<Session>(m, "Session", "A session (its id is not the token; safe to show and log).")
      .def_readonly("id", &Session::id)
      .def_readonly("user_id", &Session::user_id)
      .def_readonly("created_at", &Session::created_at)
      .def_readonly("last_seen", &Session::last_seen)
      .def_readonly("expires_at", &Session::expires_at)
      .def_property_readonly("ip", [](const Session& s) { return text_or_none(s.ip); })
      .def_property_readonly("user_agent",
                             [](const Session& s) { return text_or_none(s.user_agent); })
      .def("__repr__", [](const Session& s) {
        return "<cairn.auth.Session " + s.id + " of " + s.user_id + ">";
      });

  py::class_<ApiKey>(m, "ApiKey", "An API key's record (never the key itself).")
      .def_readonly("id", &ApiKey::id)
      .def_readonly("owner_id", &ApiKey::owner_id)
      .def_property_readonly("name", [](const ApiKey& k) { return text_or_none(k.name); })
      .def_readonly("prefix", &ApiKey::prefix)
      .def_readonly("display", &ApiKey::display)
      .def_readonly("scopes", &ApiKey::scopes)
      .def_readonly("created_at", &ApiKey::created_at)
      .def_readonly("expires_at", &ApiKey::expires_at)
      .def_readonly("last_used_at", &ApiKey::last_used_at)
      .def_readonly("revoked_at", &ApiKey::revoked_at)
      .def("__repr__", [](const ApiKey& k) {
        return "<cairn.auth.ApiKey " + k.id + " " + k.display + "... of " + k.owner_id + ">";
      });

  // ---- engine.auth
  py::class_<PyAuth>(m, "AuthService", "The engine's users, sessions, API keys and login codes.")
      // users
      .def(
          "create_user",
          [](PyAuth& a, const std::string& email, const std::optional<std::string>& name,
             const std::optional<std::string>& password, std::vector<std::string> roles) {
            return a.call([&](auth::AuthService& s) {
              return s.create_user(email, name.value_or(""), password.value_or(""),
                                   std::move(roles));
            });
          },
          py::arg("email"), py::arg("name") = py::none(), py::arg("password") = py::none(),
          py::arg("roles") = std::vector<std::string>{},
          "Creates a user (password None: no password login). Hashes the password (Argon2id).")
      .def(
          "user",
          [](PyAuth& a, const std::string& id) {
            return a.call([&](auth::AuthService& s) { return s.user(id); });
          },
          py::arg("id"))
      .def(
          "user_by_email",
          [](PyAuth& a, const std::string& email) {
            return a.call([&](auth::AuthService& s) { return s.user_by_email(email); });
          },
          py::arg("email"))
      .def("users",
           [](PyAuth& a) { return a.call([](auth::AuthService& s) { return s.users(); }); })
      .def(
          "set_password",
          [](PyAuth& a, const std::string& user_id, const std::optional<std::string>& password) {
            a.call([&](auth::AuthService& s) {
              return s.set_password(user_id, password.value_or(""));
            });
          },
          py::arg("user_id"), py::arg("password"), "Sets the password; None or '' removes it.")
      .def(
          "set_status",
          [](PyAuth& a, const std::string& user_id, const std::string& status,
             const std::string& actor) {
            auth::UserStatus parsed = unwrap(auth::parse_user_status(status));
            a.call([&](auth::AuthService& s) { return s.set_status(user_id, parsed, actor); });
          },
          py::arg("user_id"), py::arg("status"), py::arg("actor") = "system",
          "status: 'active' or 'suspended' (suspending revokes every session of the user).")
      .def(
          "set_roles",
          [](PyAuth& a, const std::string& user_id, std::vector<std::string> roles,
             const std::string& actor) {
            a.call([&](auth::AuthService& s) {
              return s.set_roles(user_id, std::move(roles), actor);
            });
          },
          py::arg("user_id"), py::arg("roles"), py::arg("actor") = "system")
      .def(
          "link_identity",
          [](PyAuth& a, const std::string& user_id, const std::string& provider,
             const std::string& subject) {
            a.call(
                [&](auth::AuthService& s) { return s.link_identity(user_id, provider, subject); });
          },
          py::arg("user_id"), py::arg("provider"), py::arg("subject"))
      .def(
          "user_by_identity",
          [](PyAuth& a, const std::string& provider, const std::string& subject) {
            return a.call(
                [&](auth::AuthService& s) { return s.user_by_identity(provider, subject); });
          },
          py::arg("provider"), py::arg("subject"))
      .def(
          "login_password",
          [](PyAuth& a, const std::string& email, const std::string& password,
             const std::optional<std::string>& ip, const std::optional<std::string>& user_agent) {
            auth::RequestInfo request = request_arg(ip, user_agent);
            return a.call(
                [&](auth::AuthService& s) { return s.login_password(email, password, request); });
          },
          py::arg("email"), py::arg("password"), py::arg("ip") = py::none(),
          py::arg("user_agent") = py::none(),
          "The user these credentials belong to. UnauthenticatedError (AUTH_INVALID_CREDENTIALS) "
          "for an unknown email or a wrong password alike.")
      // sessions
      .def(
          "create_session",
          [](PyAuth& a, const std::string& user_id, const std::optional<std::string>& ip,
             const std::optional<std::string>& user_agent) {
            auth::RequestInfo request = request_arg(ip, user_agent);
            return session_pair(
                a.call([&](auth::AuthService& s) { return s.create_session(user_id, request); }));
          },
          py::arg("user_id"), py::arg("ip") = py::none(), py::arg("user_agent") = py::none(),
          "A new session: (Session, token). The token exists only in this answer.")
      .def(
          "validate_session",
          [](PyAuth& a, const std::string& token) {
            return a.call([&](auth::AuthService& s) { return s.validate_session(token); });
          },
          py::arg("token"),
          "The live Session of token. UnauthenticatedError (AUTH_TOKEN_INVALID, "
          "AUTH_TOKEN_EXPIRED).")
      .def(
          "rotate_session",
          [](PyAuth& a, const std::string& token) {
            return session_pair(
                a.call([&](auth::AuthService& s) { return s.rotate_session(token); }));
          },
          py::arg("token"), "A new token for the same session: (Session, token); the old one ends.")
      .def(
          "revoke_session",
          [](PyAuth& a, const std::string& token) {
            a.call([&](auth::AuthService& s) { return s.revoke_session(token); });
          },
          py::arg("token"))
      .def(
          "revoke_session_id",
          [](PyAuth& a, const std::string& user_id, const std::string& session_id) {
            a.call([&](auth::AuthService& s) { return s.revoke_session_id(user_id, session_id); });
          },
          py::arg("user_id"), py::arg("session_id"))
      .def(
          "revoke_all_sessions",
          [](PyAuth& a, const std::string& user_id) {
            return a.call([&](auth::AuthService& s) { return s.revoke_all_sessions(user_id); });
          },
          py::arg("user_id"), "Ends every session of the user; returns how many.")
      .def(
          "sessions",
          [](PyAuth& a, const std::string& user_id) {
            return a.call([&](auth::AuthService& s) { return s.sessions(user_id); });
          },
          py::arg("user_id"), "The user's live sessions, newest first.")
      // API keys
      .def(
          "create_api_key",
          [](PyAuth& a, const std::string& owner_id, const std::string& prefix,
             std::vector<std::string> scopes, std::optional<Timestamp> expires_at,
             const std::optional<std::string>& name) {
            auth::ApiKeyOptions options;
            options.prefix = prefix;
            options.scopes = std::move(scopes);
            options.expires_at = expires_at;
            options.name = name.value_or("");
            auth::NewApiKey created =
                a.call([&](auth::AuthService& s) { return s.create_api_key(owner_id, options); });
            return py::make_tuple(py::cast(std::move(created.key)), std::move(created.secret));
          },
          py::arg("owner_id"), py::arg("prefix") = "cairn",
          py::arg("scopes") = std::vector<std::string>{}, py::arg("expires_at") = py::none(),
          py::arg("name") = py::none(),
          "A new API key: (ApiKey, key). The key text exists only in this answer. expires_at: "
          "an aware datetime.")
      .def(
          "validate_api_key",
          [](PyAuth& a, const std::string& key) {
            return a.call([&](auth::AuthService& s) { return s.validate_api_key(key); });
          },
          py::arg("key"),
          "The live ApiKey of key. UnauthenticatedError (AUTH_TOKEN_INVALID, AUTH_TOKEN_EXPIRED).")
      .def(
          "revoke_api_key",
          [](PyAuth& a, const std::string& key_id, const std::string& actor) {
            a.call([&](auth::AuthService& s) { return s.revoke_api_key(key_id, actor); });
          },
          py::arg("key_id"), py::arg("actor") = "system")
      .def(
          "api_keys",
          [](PyAuth& a, const std::string& owner_id) {
            return a.call([&](auth::AuthService& s) { return s.api_keys(owner_id); });
          },
          py::arg("owner_id"))
      // login codes
      .def(
          "request_login_code",
          [](PyAuth& a, const std::string& email, const std::optional<std::string>& ip,
             const std::optional<std::string>& user_agent) {
            auth::RequestInfo request = request_arg(ip, user_agent);
            return a.call(
                [&](auth::AuthService& s) { return s.request_login_code(email, request); });
          },
          py::arg("email"), py::arg("ip") = py::none(), py::arg("user_agent") = py::none(),
          "A new 6-digit code for email (deliver it yourself). ResourceExhaustedError "
          "(AUTH_RATE_LIMITED, AUTH_LOCKED_OUT) with .retry_after.")
      .def(
          "verify_login_code",
          [](PyAuth& a, const std::string& email, const std::string& code,
             const std::optional<std::string>& ip, const std::optional<std::string>& user_agent) {
            auth::RequestInfo request = request_arg(ip, user_agent);
            return session_pair(a.call(
                [&](auth::AuthService& s) { return s.verify_login_code(email, code, request); }));
          },
          py::arg("email"), py::arg("code"), py::arg("ip") = py::none(),
          py::arg("user_agent") = py::none(),
          "Exchanges the code for a session: (Session, token). Any attempt uses the code up.")
      // rate limits and maintenance
      .def(
          "rate_limiter",
          [](const py::object& self, const std::string& name, double rate_per_second,
             uint32_t burst) {
            PyAuth& a = self.cast<PyAuth&>();
            auth::RateLimit limit{rate_per_second, burst};
            auto limiter =
                a.call([&](auth::AuthService& s) { return s.rate_limiter(name, limit); });
            return PyRateLimiter(self, a, std::move(limiter));
          },
          py::arg("name"), py::arg("rate_per_second"), py::arg("burst") = 1,
          "A GCRA limiter whose state lives in the engine's store under '<name>:<key>'.")
      .def("purge_expired", [](PyAuth& a) {
        auth::PurgeCounts counts = a.call([](auth::AuthService& s) { return s.purge_expired(); });
        py::dict d;
        d["sessions"] = counts.sessions;
        d["login_codes"] = counts.login_codes;
        d["api_keys"] = counts.api_keys;
        d["login_events"] = counts.login_events;
        d["rate_states"] = counts.rate_states;
        return d;
      });

  bind_service_property<PyAuth>(
      engine_class, "auth",
      "The engine's auth service (users, sessions, API keys, login codes, rate limits).");
}

}  // namespace cairn::python
