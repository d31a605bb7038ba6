#pragma once
/// \file result.hpp
/// Result<T>: the one error-carrying return type of the engine.
///
/// Errors that input can cause are returned, never thrown. Exceptions are kept for programmer
/// errors and resource exhaustion and are caught at the library boundary (assay::scan).
/// When the toolchain gains std::expected, Result becomes an alias in this one file.

#include <cassert>
#include <string>
#include <utility>
#include <variant>

namespace assay {

/// What went wrong. Every value is one a caller may need to act on differently.
enum class Errc {
  kTruncated,    ///< the input ends before a structure it declares (a header, a table, a stream)
  kMalformed,    ///< a structure is present but inconsistent (bad magic, checksum, offsets)
  kUnsupported,  ///< well-formed input in a variant Assay does not read (say which in the message)
  kLimit,        ///< a scan limit tripped (depth, count, bytes, ratio, time); see Limits
  kIo,           ///< the operating system refused a read, write, map or create
  kUsage,        ///< the caller asked for something impossible (bad option, missing file)
  kCancelled,    ///< the scan was cancelled (signal or deadline)
  kInternal,     ///< a bug in Assay; report it
};

/// Short stable name of an error code ("truncated", "malformed", ...), used in reports.
const char* errc_name(Errc code) noexcept;

/// An error value: a code and a human sentence that names the offending structure or offset.
struct Error {
  Errc code = Errc::kInternal;
  std::string message;
};

inline Error make_error(Errc code, std::string message) { return Error{code, std::move(message)}; }

/// A value or an Error. [[nodiscard]]: ignoring a Result is a bug.
template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}          // NOLINT(google-explicit-constructor)
  Result(Error error) : v_(std::move(error)) {}      // NOLINT(google-explicit-constructor)

  bool ok() const noexcept { return v_.index() == 0; }
  explicit operator bool() const noexcept { return ok(); }

  T& value() & { assert(ok()); return std::get<0>(v_); }
  const T& value() const& { assert(ok()); return std::get<0>(v_); }
  T&& value() && { assert(ok()); return std::get<0>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  const Error& error() const& { assert(!ok()); return std::get<1>(v_); }
  Error&& error() && { assert(!ok()); return std::get<1>(std::move(v_)); }

  /// The value, or `fallback` when this holds an error.
  T value_or(T fallback) const& { return ok() ? std::get<0>(v_) : std::move(fallback); }

 private:
  std::variant<T, Error> v_;
};

/// Result<void>: success or an Error.
template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : err_(std::move(error)), ok_(false) {}  // NOLINT(google-explicit-constructor)

  bool ok() const noexcept { return ok_; }
  explicit operator bool() const noexcept { return ok_; }
  const Error& error() const& { assert(!ok_); return err_; }
  Error&& error() && { assert(!ok_); return std::move(err_); }

 private:
  Error err_;
  bool ok_ = true;
};

using Status = Result<void>;

}  // namespace assay

#define ASSAY_CONCAT_INNER_(a, b) a##b
#define ASSAY_CONCAT_(a, b) ASSAY_CONCAT_INNER_(a, b)

/// Propagates an error: `ASSAY_TRY(auto x, reader.read_le<uint32_t>());`
#define ASSAY_TRY(decl, expr)                                           \
  auto ASSAY_CONCAT_(assay_try_, __LINE__) = (expr);                    \
  if (!ASSAY_CONCAT_(assay_try_, __LINE__).ok())                        \
    return std::move(ASSAY_CONCAT_(assay_try_, __LINE__)).error();      \
  decl = std::move(ASSAY_CONCAT_(assay_try_, __LINE__)).value()

/// Propagates an error from a Status-returning expression.
#define ASSAY_TRY_STATUS(expr)                                          \
  do {                                                                  \
    auto assay_try_status_ = (expr);                                    \
    if (!assay_try_status_.ok()) return std::move(assay_try_status_).error(); \
  } while (0)
