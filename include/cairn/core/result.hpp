// cairn::Result<T>: a value of type T or a cairn::Error, and the macros that propagate errors.
//
// Example:
//   Result<Bytes> r = encoding::hex_decode("c0ffee");
//   if (!r) return cairn::fail(r.error());       // or: CAIRN_TRY / CAIRN_ASSIGN_OR_RETURN
//   use(*r);
//
// Result is std::expected<T, Error> where the standard library has it (__cpp_lib_expected) and
// cairn::Expected, a small equivalent with the same core interface, otherwise (C++20, clang 14).
// Code in cairn uses only the part both share: has_value(), operator bool, value(), error(),
// operator*, operator->, value_or(); errors are made with cairn::fail(...). No monadic calls: GCC
// 12's std::expected lacks them. Propagate with CAIRN_TRY(expr) and CAIRN_ASSIGN_OR_RETURN(lhs,
// expr).
//
// Thread-safety: a Result is a plain value; concurrent reads are safe, writes need external
// locking.
#pragma once

#include <cassert>
#include <optional>
#include <type_traits>
#include <utility>
#include <variant>

#include "cairn/core/error.hpp"

namespace cairn {

// The error side of an Expected, as std::unexpected.
template <class E>
class Unexpected {
 public:
  explicit Unexpected(E error) : error_(std::move(error)) {}
  const E& error() const& noexcept { return error_; }
  E& error() & noexcept { return error_; }
  E&& error() && noexcept { return std::move(error_); }

 private:
  E error_;
};

// A value of type T or an error of type E: the subset of std::expected that cairn uses.
template <class T, class E>
class [[nodiscard]] Expected {
 public:
  using value_type = T;
  using error_type = E;

  Expected() requires std::is_default_constructible_v<T> : state_(std::in_place_index<0>) {}
  template <class U = T>
  requires(std::is_constructible_v<T, U&&> && !std::is_same_v<std::remove_cvref_t<U>, Expected> &&
           !std::is_same_v<std::remove_cvref_t<U>, Unexpected<E> >)
      // NOLINTNEXTLINE(google-explicit-constructor,bugprone-forwarding-reference-overload)
      Expected(U&& value)  // mirrors std::expected; the requires clause excludes Expected itself
      : state_(std::in_place_index<0>, std::forward<U>(value)) {}
  template <class G>
  Expected(const Unexpected<G>& u)  // NOLINT(google-explicit-constructor)
      : state_(std::in_place_index<1>, u.error()) {}
  template <class G>
  Expected(Unexpected<G>&& u)  // NOLINT(google-explicit-constructor)
      : state_(std::in_place_index<1>, std::move(u).error()) {}

  [[nodiscard]] bool has_value() const noexcept { return state_.index() == 0; }
  explicit operator bool() const noexcept { return has_value(); }

  T& value() & { return checked_value(); }
  const T& value() const& { return const_cast<Expected*>(this)->checked_value(); }
  T&& value() && { return std::move(checked_value()); }

  E& error() & { return *std::get_if<1>(&state_); }
  const E& error() const& { return *std::get_if<1>(&state_); }
  E&& error() && { return std::move(*std::get_if<1>(&state_)); }

  T& operator*() & { return checked_value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(checked_value()); }
  T* operator->() { return &checked_value(); }
  const T* operator->() const { return &value(); }

  template <class U>
  T value_or(U&& fallback) const& {
    return has_value() ? value() : static_cast<T>(std::forward<U>(fallback));
  }

 private:
  T& checked_value() {
    assert(has_value() && "Result accessed without a value");
    return *std::get_if<0>(&state_);
  }
  std::variant<T, E> state_;
};

// Expected<void, E>: success carries nothing.
template <class E>
class [[nodiscard]] Expected<void, E> {
 public:
  using value_type = void;
  using error_type = E;

  Expected() = default;
  template <class G>
  Expected(const Unexpected<G>& u)  // NOLINT(google-explicit-constructor)
      : error_(u.error()) {}
  template <class G>
  Expected(Unexpected<G>&& u)  // NOLINT(google-explicit-constructor)
      : error_(std::move(u).error()) {}

  [[nodiscard]] bool has_value() const noexcept { return !error_.has_value(); }
  explicit operator bool() const noexcept { return has_value(); }
  void value() const { assert(has_value() && "Status accessed without a value"); }
  void operator*() const { value(); }

  E& error() & { return *error_; }
  const E& error() const& { return *error_; }
  E&& error() && { return std::move(*error_); }

 private:
  std::optional<E> error_;
};

// A value of type T or a cairn::Error.
template <class T>
using Result = Expected<T, Error>;

// Success or a cairn::Error.
using Status = Result<void>;

// The failure side of any Result: `return fail(ErrorCode::kNotFound, "SECRET_NOT_FOUND", msg);`
inline Unexpected<Error> fail(ErrorCode code, std::string reason, std::string message) {
  return Unexpected<Error>(Error{code, std::move(reason), std::move(message)});
}
inline Unexpected<Error> fail(Error error) { return Unexpected<Error>(std::move(error)); }

// A successful Status: `return ok_status();`.
inline Status ok_status() { return {}; }

}  // namespace cairn

#define CAIRN_CONCAT_INNER_(a, b) a##b
#define CAIRN_CONCAT_(a, b) CAIRN_CONCAT_INNER_(a, b)

// Evaluates `expr` (a Result or Status); on error returns that error from the enclosing function.
#define CAIRN_TRY(expr)                                           \
  do {                                                            \
    auto&& cairn_try_result_ = (expr);                            \
    if (!cairn_try_result_) {                                     \
      return ::cairn::fail(std::move(cairn_try_result_).error()); \
    }                                                             \
  } while (false)

// Evaluates `expr` (a Result<T>); on error returns it, else moves the value into `lhs`, which may
// be a declaration (`CAIRN_ASSIGN_OR_RETURN(auto db, open(uri));`).
#define CAIRN_ASSIGN_OR_RETURN(lhs, expr) \
  CAIRN_ASSIGN_OR_RETURN_IMPL_(CAIRN_CONCAT_(cairn_result_, __LINE__), lhs, expr)
#define CAIRN_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr)      \
  auto tmp = (expr);                                      \
  if (!tmp) return ::cairn::fail(std::move(tmp).error()); \
  lhs = std::move(tmp).value()
