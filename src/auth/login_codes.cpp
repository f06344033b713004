// AuthService: magic login codes, store-backed rate limiters and maintenance.
#include <nlohmann/json.hpp>

#include "auth/internal/session_cache.hpp"
#include "auth/internal/validate.hpp"
#include "cairn/auth/service.hpp"
#include "cairn/crypto/mac.hpp"
#include "cairn/crypto/secure.hpp"

namespace cairn::auth {
namespace {

using internal::audit_entry;

// Revoked API keys stay listed this long before purge_expired() removes them.
constexpr std::chrono::hours kRevokedKeyRetention{30 * 24};

std::chrono::microseconds micros(std::chrono::seconds s) {
  return std::chrono::duration_cast<std::chrono::microseconds>(s);
}

// The first instant inside the window of length `window` that ends at `now`: an event exactly
// `window` ago has just left it.
Timestamp window_start(Timestamp now, std::chrono::seconds window) {
  return now - micros(window) + std::chrono::microseconds(1);
}

std::chrono::milliseconds until(Timestamp then, Timestamp now) {
  // Rounded up, so a caller that waits exactly this long is never early.
  auto delta = then - now;
  auto ms = std::chrono::ceil<std::chrono::milliseconds>(delta);
  return ms.count() > 0 ? ms : std::chrono::milliseconds(1);
}

Bytes code_mac(ByteView key, std::string_view email, std::string_view code) {
  std::string input(email);
  input += '\n';
  input += code;
  crypto::Sha256Digest mac = crypto::hmac_sha256(key, as_bytes(input));
  return {mac.begin(), mac.end()};
}

// The key limits and lockouts of one email from one client are counted under (an IPv6 client by
// its /64: client_bucket()). An email never contains a space, so "<email> <address>" cannot
// collide with another email's key.
std::string address_key(std::string_view email, const RequestInfo& request) {
  std::string key(email);
  key += ' ';
  key += client_bucket(request.ip);
  return key;
}

bool is_six_digits(std::string_view code) {
  return code.size() == 6 &&
         std::all_of(code.begin(), code.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// A store-backed GCRA limiter: state under "<name>:<key>".
class StoreRateLimiter final : public RateLimiter {
 public:
  StoreRateLimiter(AuthStore& store, std::string name, const RateLimit& limit, Env& env)
      : store_(store), name_(std::move(name)), limit_(limit), env_(env) {}

  Result<RateDecision> hit(std::string_view key) override {
    CAIRN_TRY(check_rate_key(key));
    int64_t now = to_unix_micros(env_.now());
    RateDecision decision;
    std::string full = name_ + ":" + std::string(key);
    CAIRN_TRY(store_.update_rate_state(full, [&](std::optional<int64_t> tat) {
      GcraStep step = gcra_step(tat, now, limit_);
      decision = step.decision;
      return step.decision.allowed ? std::optional<int64_t>(step.tat) : std::nullopt;
    }));
    return decision;
  }
  const RateLimit& limit() const noexcept override { return limit_; }

 private:
  AuthStore& store_;
  std::string name_;
  RateLimit limit_;
  Env& env_;
};

}  // namespace

Result<std::optional<Timestamp>> AuthService::lockout_until(std::string_view key, Timestamp now) {
  const LoginCodeOptions& o = options_.login_codes;
  CAIRN_ASSIGN_OR_RETURN(std::vector<Timestamp> failures,
                         store_.login_events(key, LoginEvent::kFailedVerification,
                                             window_start(now, o.failure_window)));
  if (static_cast<int64_t>(failures.size()) < o.failure_limit) return std::optional<Timestamp>();
  // Locked until the oldest failure that keeps the count at the limit leaves the window.
  Timestamp end =
      failures[failures.size() - static_cast<size_t>(o.failure_limit)] + micros(o.failure_window);
  if (end <= now) return std::optional<Timestamp>();
  return std::optional<Timestamp>(end);
}

Result<std::string> AuthService::request_login_code(std::string_view email,
                                                    const RequestInfo& request) {
  CAIRN_ASSIGN_OR_RETURN(std::string normalized, internal::normalize_email(email));
  CAIRN_TRY(internal::check_request(request));
  const LoginCodeOptions& o = options_.login_codes;
  Timestamp now = env_.now();
  std::string key = address_key(normalized, request);
  CAIRN_ASSIGN_OR_RETURN(std::optional<Timestamp> locked, lockout_until(key, now));
  if (locked) {
    Error error{ErrorCode::kResourceExhausted, "AUTH_LOCKED_OUT",
                "too many failed verifications for this email; try again later"};
    error.retry_after = until(*locked, now);
    return fail(std::move(error));
  }
  auto rate_limited = [&](Timestamp oldest) {
    Error error{ErrorCode::kResourceExhausted, "AUTH_RATE_LIMITED",
                "too many login codes requested for this email; try again later"};
    error.retry_after = until(oldest + micros(o.request_window), now);
    return fail(std::move(error));
  };
  // The address's own budget first, so a stranger's requests are refused before they use up
  // the email's shared one.
  CAIRN_ASSIGN_OR_RETURN(
      std::optional<Timestamp> oldest,
      store_.admit_login_event(key, LoginEvent::kCodeRequest, now,
                               window_start(now, o.request_window), o.request_limit));
  if (oldest) return rate_limited(*oldest);
  CAIRN_ASSIGN_OR_RETURN(oldest, store_.admit_login_event(normalized, LoginEvent::kCodeRequest, now,
                                                          window_start(now, o.request_window),
                                                          o.request_limit_per_email));
  if (oldest) return rate_limited(*oldest);
  // Six uniform digits: rejection sampling below the largest multiple of 10^6 under 2^32.
  uint32_t value = 0;
  do {
    std::array<uint8_t, 4> bytes{};
    env_.random_bytes(bytes);
    value = static_cast<uint32_t>(bytes[0]) | static_cast<uint32_t>(bytes[1]) << 8 |
            static_cast<uint32_t>(bytes[2]) << 16 | static_cast<uint32_t>(bytes[3]) << 24;
  } while (value >= 4294000000U);
  std::string code = std::to_string(value % 1000000);
  code.insert(0, 6 - code.size(), '0');

  LoginCodeRecord record{normalized, code_mac(code_key_, normalized, code), now,
                         now + micros(o.ttl)};
  CAIRN_ASSIGN_OR_RETURN(auto user, store_.user_by_email(normalized));
  if (user) {
    CAIRN_TRY(audit_.record(audit_entry("user", user->user.id, "auth.code.request", "user",
                                        user->user.id, "ok", request)));
  }
  CAIRN_TRY(store_.put_login_code(record));
  return code;
}

Result<NewSession> AuthService::verify_login_code(std::string_view email, std::string_view code,
                                                  const RequestInfo& request) {
  CAIRN_ASSIGN_OR_RETURN(std::string normalized, internal::normalize_email(email));
  CAIRN_TRY(internal::check_request(request));
  // A code that is not six digits is a typing slip, not a guess: it neither uses the code up
  // nor counts towards a lockout.
  if (!is_six_digits(code)) {
    return fail(ErrorCode::kInvalidArgument, "AUTH_CODE_MALFORMED",
                "a login code is exactly six digits");
  }
  Timestamp now = env_.now();
  std::string key = address_key(normalized, request);
  CAIRN_ASSIGN_OR_RETURN(std::optional<Timestamp> locked, lockout_until(key, now));
  if (locked) {
    Error error{ErrorCode::kResourceExhausted, "AUTH_LOCKED_OUT",
                "too many failed verifications for this email; try again later"};
    error.retry_after = until(*locked, now);
    return fail(std::move(error));
  }
  auto invalid = [] {
    return fail(ErrorCode::kUnauthenticated, "AUTH_CODE_INVALID",
                "the login code is wrong or was already used; request a new one");
  };
  CAIRN_ASSIGN_OR_RETURN(std::optional<LoginCodeRecord> stored, store_.take_login_code(normalized));
  // No code, no guess: nothing is counted or audited, so calls for an email nobody asked a code
  // for can neither lock its owner out nor grow the store.
  if (!stored) return invalid();
  bool match =
      crypto::constant_time_equal(stored->code_hash, code_mac(code_key_, normalized, code));
  CAIRN_ASSIGN_OR_RETURN(auto user, store_.user_by_email(normalized));
  // Events of emails without a user stay out of the append-only audit log (see the header).
  auto record = [&](std::string_view action, std::string_view outcome,
                    std::string details = "") -> Status {
    if (!user) return ok_status();
    return audit_.record(audit_entry("user", user->user.id, std::string(action), "user",
                                     user->user.id, std::string(outcome), request,
                                     std::move(details)));
  };
  if (match && now >= stored->expires_at) {
    CAIRN_TRY(record("auth.code.verify", "expired"));
    return fail(ErrorCode::kUnauthenticated, "AUTH_CODE_EXPIRED",
                "the login code has expired; request a new one");
  }
  if (!match) {
    CAIRN_TRY(store_.add_login_event(key, LoginEvent::kFailedVerification, now));
    CAIRN_TRY(record("auth.code.verify", "failed"));
    CAIRN_ASSIGN_OR_RETURN(std::optional<Timestamp> now_locked, lockout_until(key, now));
    if (now_locked) {
      nlohmann::json details = {{"until", to_unix_micros(*now_locked)}, {"ip", request.ip}};
      CAIRN_TRY(record("auth.lockout", "ok", details.dump()));
    }
    return invalid();
  }
  User account;
  if (user) {
    account = user->user;
  } else if (options_.login_codes.creates_users) {
    CAIRN_ASSIGN_OR_RETURN(account, create_user(normalized));
  } else {
    return invalid();
  }
  if (account.status != UserStatus::kActive) {
    CAIRN_TRY(audit_.record(audit_entry("user", account.id, "auth.code.verify", "user", account.id,
                                        "denied", request)));
    return fail(ErrorCode::kPermissionDenied, "AUTH_USER_SUSPENDED", "this user is suspended");
  }
  CAIRN_TRY(audit_.record(
      audit_entry("user", account.id, "auth.code.verify", "user", account.id, "ok", request)));
  return start_session(account, request, "code");
}

Result<std::unique_ptr<RateLimiter>> AuthService::rate_limiter(std::string_view name,
                                                               const RateLimit& limit) {
  CAIRN_TRY(check_rate_limit(limit));
  // No ':' in names, so "<name>:<key>" is unambiguous.
  if (name.empty() || name.size() > 64 || !internal::is_plain_text(name) ||
      name.find(':') != std::string_view::npos) {
    return fail(ErrorCode::kInvalidArgument, "AUTH_RATE_LIMIT_NAME_INVALID",
                "a rate limiter's name is 1-64 bytes of text without ':'");
  }
  return std::unique_ptr<RateLimiter>(
      std::make_unique<StoreRateLimiter>(store_, std::string(name), limit, env_));
}

Result<PurgeCounts> AuthService::purge_expired() {
  Timestamp now = env_.now();
  PurgeCounts counts;
  CAIRN_ASSIGN_OR_RETURN(counts.sessions,
                         store_.purge_sessions(now, now - micros(options_.session_idle_timeout)));
  CAIRN_ASSIGN_OR_RETURN(counts.login_codes, store_.purge_login_codes(now));
  CAIRN_ASSIGN_OR_RETURN(counts.api_keys, store_.purge_api_keys(now, now - kRevokedKeyRetention));
  auto window = std::max(options_.login_codes.request_window, options_.login_codes.failure_window);
  CAIRN_ASSIGN_OR_RETURN(counts.login_events, store_.purge_login_events(now - micros(window)));
  CAIRN_ASSIGN_OR_RETURN(counts.rate_states, store_.purge_rate_states(to_unix_micros(now)));
  cache_->erase_if([&](const SessionRecord& r) { return r.absolute_expires_at <= now; });
  return counts;
}

}  // namespace cairn::auth
