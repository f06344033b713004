#include "cairn/secrets/subject.hpp"

#include <algorithm>

#include "cairn/secrets/entities.hpp"
#include "cairn/secrets/limits.hpp"

namespace cairn::secrets {
namespace {

constexpr size_t kOrgIdChars = 32;

Unexpected<Error> invalid(const char* message) {
  return fail(ErrorCode::kInvalidArgument, "SECRETS_SUBJECT_INVALID", message);
}

bool is_org_id(std::string_view id) {
  return id.size() == kOrgIdChars && std::all_of(id.begin(), id.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

}  // namespace

Result<Subject> Subject::user(std::string_view email) {
  if (names_service_account(email)) return invalid("a user's name may not start with \"sa:\"");
  bool ok = !email.empty() && email.size() <= kMaxUserBytes &&
            std::all_of(email.begin(), email.end(), [](char c) { return c > ' ' && c <= '~'; });
  if (!ok) {
    return invalid("a user is 1-254 printable ASCII characters without spaces (an email)");
  }
  return Subject(Kind::kUser, std::string(email), {});
}

Result<Subject> Subject::service_account(std::string_view name, std::string_view org_id) {
  if (!check_name(name) || (!org_id.empty() && !is_org_id(org_id))) {
    return invalid("a service account subject is sa:<name> or sa:<org id>:<name>");
  }
  return Subject(Kind::kServiceAccount, std::string(name), std::string(org_id));
}

Result<Subject> Subject::parse(std::string_view text) {
  if (!names_service_account(text)) return user(text);
  std::string_view rest = text.substr(kServicePrefix.size());
  size_t colon = rest.find(':');
  if (colon == std::string_view::npos) return service_account(rest);
  // An empty org id before the colon is refused too: "sa::x" is no subject.
  if (colon == 0) return invalid("a service account subject is sa:<name> or sa:<org id>:<name>");
  return service_account(rest.substr(colon + 1), rest.substr(0, colon));
}

std::string Subject::to_string() const {
  if (is_user()) return name_;
  std::string out(kServicePrefix);
  if (!org_id_.empty()) {
    out += org_id_;
    out += ':';
  }
  return out + name_;
}

std::string Subject::in_org() const {
  if (is_user()) return name_;
  return std::string(kServicePrefix) + name_;
}

Subject ServiceAccount::actor() const {
  return Subject(Subject::Kind::kServiceAccount, name, org_id);
}

}  // namespace cairn::secrets
