// Errors are values in wal/ too. wal/ must not include ledger/, so it has its own small
// Status and Result; the store translates them at the boundary.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <variant>

namespace codeledger::wal {

enum class Code : std::uint8_t {
  kOk = 0,
  kIoError,          // the operating system refused (write, fsync, rename, open)
  kCorruption,       // bytes on disk are not what the format says
  kInvalidArgument,  // the caller broke a documented limit
  kNotFound,
  kFailed,           // the writer is in sticky failure; nothing more is accepted
  kBusy,             // someone else holds it: the data directory's lock (FileSystem::lock_dir)
  kLogTooShort,      // the log ends before an LSN the caller requires (ReadOptions::end_lsn_min)
};

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(Code code, std::string message) : code_(code), message_(std::move(message)) {}
  static Status Ok() { return {}; }

  bool ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  const std::string& message() const { return message_; }

 private:
  Code code_ = Code::kOk;
  std::string message_;
};

template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}                // NOLINT: implicit by design
  Result(Status status) : v_(std::move(status)) {}          // NOLINT: must not be ok
  Result(Code code, std::string message) : v_(Status(code, std::move(message))) {}

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

// Always-on check for programmer errors inside wal/ (never for operating errors).
[[noreturn]] void check_failed(const char* expr, const char* file, int line);
#define WAL_CHECK(expr) \
  ((expr) ? (void)0 : ::codeledger::wal::check_failed(#expr, __FILE__, __LINE__))

}  // namespace codeledger::wal
