#pragma once
// The project's one error convention: a function that can fail returns Result<T> (or Status),
// carrying an Error whose code says what kind of failure it is and whose message names the
// operation and the object, without a trailing period ("open /x/state.db: file is not a database").
// Exceptions are not used across layer boundaries.

#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace mk {

enum class Errc {
  invalid_argument,  // the caller's input is wrong
  not_found,
  already_exists,
  conflict,          // a compare-and-swap failed
  compacted,         // a revision older than the store keeps
  future_revision,   // a revision newer than the store has
  cancelled,         // e.g. a watch dropped for being slow
  unavailable,       // shut down, or not ready yet
  too_large,
  permission_denied,
  unsupported,
  corrupt,           // data on disk cannot be read
  io,                // the operating system refused
  internal,
};

std::string_view errc_name(Errc code);

struct Error {
  Errc code = Errc::internal;
  std::string message;

  // "message" prefixed with the operation: wrap("open db") -> "open db: <message>".
  Error wrap(std::string_view context) const;
};

inline Error make_error(Errc code, std::string message) { return Error{code, std::move(message)}; }

// Error from errno, with the operation and object named: "open /x: No such file or directory".
Error errno_error(std::string_view what, int err);

// A value or an Error. Minimal on purpose: has_value, value, error, operator bool, ->, *.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::in_place_index<0>, std::move(value)) {}
  Result(Error error) : v_(std::in_place_index<1>, std::move(error)) {}

  bool has_value() const { return v_.index() == 0; }
  explicit operator bool() const { return has_value(); }

  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

  const Error& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, Error> v_;
};

// Result<void>: success or an Error.
class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(Error error) : error_(std::move(error)), ok_(false) {}
  static Status ok() { return Status(); }

  bool has_value() const { return ok_; }
  explicit operator bool() const { return ok_; }
  const Error& error() const { return error_; }

 private:
  Error error_;
  bool ok_ = true;
};

}  // namespace mk
