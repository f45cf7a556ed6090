// expected.h — a small std::expected-style result type (gcc 12 has no <expected>).
//
// Expected<T, E> holds either a value of T or an error of E. Functions that can fail return it
// instead of throwing, so callers must look at the outcome: the project's rule is explicit error
// returns everywhere a caller can recover (crypto, codecs, validation, storage).
#pragma once

#include <cassert>
#include <type_traits>
#include <utility>
#include <variant>

namespace unm {

// Unexpected wraps an error so that `return Unexpected{e};` converts into any Expected<T, E>.
template <class E>
struct Unexpected {
  E error;
};
template <class E>
Unexpected(E) -> Unexpected<E>;

// Expected is a value-or-error sum type. Accessing the wrong side is a programming error
// (asserted in debug builds), never a way to report failures.
template <class T, class E>
class [[nodiscard]] Expected {
 public:
  using value_type = T;
  using error_type = E;

  Expected() requires std::is_default_constructible_v<T> : v_(std::in_place_index<0>) {}
  Expected(const T& v) : v_(std::in_place_index<0>, v) {}
  Expected(T&& v) : v_(std::in_place_index<0>, std::move(v)) {}
  template <class G>
  requires std::is_constructible_v<E, G> Expected(Unexpected<G> u)
      : v_(std::in_place_index<1>, std::move(u.error)) {}

  bool has_value() const noexcept { return v_.index() == 0; }
  explicit operator bool() const noexcept { return has_value(); }

  T& value() & {
    assert(has_value());
    return std::get<0>(v_);
  }
  const T& value() const& {
    assert(has_value());
    return std::get<0>(v_);
  }
  T&& value() && {
    assert(has_value());
    return std::get<0>(std::move(v_));
  }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  const E& error() const& {
    assert(!has_value());
    return std::get<1>(v_);
  }
  E& error() & {
    assert(!has_value());
    return std::get<1>(v_);
  }

  template <class U>
  T value_or(U&& fallback) const& {
    return has_value() ? value() : static_cast<T>(std::forward<U>(fallback));
  }

 private:
  std::variant<T, E> v_;
};

// Expected<void, E>: success carries nothing.
template <class E>
class [[nodiscard]] Expected<void, E> {
 public:
  Expected() = default;
  template <class G>
  requires std::is_constructible_v<E, G> Expected(Unexpected<G> u)
      : err_(std::move(u.error)), ok_(false) {}

  bool has_value() const noexcept { return ok_; }
  explicit operator bool() const noexcept { return ok_; }
  const E& error() const {
    assert(!ok_);
    return err_;
  }

 private:
  E err_{};
  bool ok_ = true;
};

}  // namespace unm
