// Errors are values in the ledger: every fallible call returns Status or Result<T>.
// The numeric codes are the ones the Capillary seeds document (400, 404, 7xx, 9xx, 10xx);
// server/ owns the single mapping from ErrorCode to HTTP status and envelope.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace codeledger {

enum class ErrorCode : std::uint16_t {
  kOk = 0,
  kInvalidRequest = 400,            // missing / malformed parameter
  kNotFound = 404,                  // promotion or customer not found
  kConflict = 409,                  // duplicate (code already exists, promotion name taken)
  kLimitExceeded = 413,             // a named limit (codes per call, promotions per org) hit
  kActivePromotionsExceeded = 705,
  kPromotionExpired = 706,
  kPromotionTypeNotSupported = 707,
  kEarnedFromTypeChanged = 713,
  kEarnNotSupported = 714,
  kEarnedPromotionNotFound = 729,
  kEarnedPromotionRedeemed = 730,
  kEarnedPromotionRevoked = 731,
  kCodeNotAlphanumeric = 902,
  kCodeTooShort = 903,
  kCodeTooLong = 904,
  kCodeNotUppercase = 905,
  kInvalidCode = 1001,
  kCodeExpired = 1002,
  kCodeAlreadyRedeemed = 1004,
  kCodeLinkedToAnotherCustomer = 1005,
  kInvalidCustomer = 1006,
  kCustomerLookupFailed = 1007,
  kCartEvaluationRequired = 1008,
  kRedemptionValidationFailed = 1009,
  kInternal = 500,
  kStorageUnavailable = 503,        // sticky WAL failure: mutations refused until restart
};

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(ErrorCode code, std::string message) : code_(code), message_(std::move(message)) {}
  static Status Ok() { return {}; }

  bool ok() const { return code_ == ErrorCode::kOk; }
  ErrorCode code() const { return code_; }
  const std::string& message() const { return message_; }

 private:
  ErrorCode code_ = ErrorCode::kOk;
  std::string message_;
};

template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}                      // NOLINT: implicit by design
  Result(Status status) : v_(std::move(status)) {}                // NOLINT: must not be ok
  Result(ErrorCode code, std::string message) : v_(Status(code, std::move(message))) {}
  // A default T for the caller to fill where it lies: a large view is then never moved
  // into the Result (and out of it into a vector).
  explicit Result(std::in_place_t) : v_(std::in_place_index<0>) {}

  bool ok() const { return std::holds_alternative<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T& value() & { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  const T& operator*() const& { return value(); }
  T& operator*() & { return value(); }
  const T* operator->() const { return &value(); }
  T* operator->() { return &value(); }
  Status status() const { return ok() ? Status() : std::get<Status>(v_); }

 private:
  std::variant<T, Status> v_;
};

// Always-on invariant check for programmer errors (never for operating errors).
[[noreturn]] void invariant_failed(const char* expr, const char* file, int line);
// A logged event could not be applied (an allocation failed): says so on stderr and ends the
// process with kExitApplyFailed, without unwinding, so nothing writes the half-applied state
// anywhere (a shutdown snapshot would).
inline constexpr int kExitApplyFailed = 3;
[[noreturn]] void apply_failed(std::uint64_t lsn, const char* what);
#define CL_CHECK(expr) \
  ((expr) ? (void)0 : ::codeledger::invariant_failed(#expr, __FILE__, __LINE__))

}  // namespace codeledger
