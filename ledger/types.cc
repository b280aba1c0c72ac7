// Value-type helpers: names of enums, ObjectId text form, code validation, invariant_failed.
#include <cstdio>
#include <cstdlib>

#include "ledger/events.h"
#include "ledger/hex.h"
#include "ledger/types.h"

namespace codeledger {

void invariant_failed(const char* expr, const char* file, int line) {
  std::fprintf(stderr, "invariant failed: %s at %s:%d\n", expr, file, line);
  std::abort();
}

void apply_failed(std::uint64_t lsn, const char* what) {
  std::fprintf(stderr,
               "codeledgerd: could not apply lsn %llu, which is in the log (%s): the ledger in "
               "memory no longer matches the log, so the process stops (exit %d); the next start "
               "replays the log\n",
               static_cast<unsigned long long>(lsn), what, kExitApplyFailed);
  std::_Exit(kExitApplyFailed);
}

}  // namespace codeledger

namespace codeledger::ledger {

std::string_view to_string(Mode m) {
  return m == Mode::kDiscount ? "DISCOUNT" : "PAYMENT_VOUCHER";
}

std::optional<Mode> parse_mode(std::string_view s) {
  if (s == "DISCOUNT") return Mode::kDiscount;
  if (s == "PAYMENT_VOUCHER") return Mode::kPaymentVoucher;
  return std::nullopt;
}

std::string_view to_string(PromotionKind k) {
  return k == PromotionKind::kCodeLinked ? "CODE_LINKED" : "ISSUABLE";
}

std::optional<PromotionKind> parse_kind(std::string_view s) {
  if (s == "CODE_LINKED") return PromotionKind::kCodeLinked;
  if (s == "ISSUABLE") return PromotionKind::kIssuable;
  return std::nullopt;
}

std::string_view to_string(EarnStatus s) {
  switch (s) {
    case EarnStatus::kActive: return "ACTIVE";
    case EarnStatus::kRedeemed: return "REDEEMED";
    case EarnStatus::kRevoked: return "REVOKED";
  }
  return "ACTIVE";
}

std::string_view to_string(Dialect d) {
  switch (d) {
    case Dialect::kAdmin: return "admin";
    case Dialect::kCapillary: return "capillary";
    case Dialect::kAltcraft: return "altcraft";
    case Dialect::kReplay: return "replay";
  }
  return "admin";
}

ObjectId::Hex ObjectId::hex_chars() const {
  Hex out{};
  write_hex(bytes.data(), bytes.size(), out.chars.data());
  return out;
}

std::optional<ObjectId> ObjectId::parse(std::string_view hex24) {
  if (hex24.size() != 24) return std::nullopt;
  ObjectId id;
  for (std::size_t i = 0; i < 12; ++i) {
    int hi = hex_digit_value(hex24[2 * i]);
    int lo = hex_digit_value(hex24[2 * i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    id.bytes[i] = static_cast<std::uint8_t>(hi << 4 | lo);
  }
  return id;
}

bool ObjectId::is_zero() const {
  for (auto b : bytes) {
    if (b != 0) return false;
  }
  return true;
}

Result<CodeKey> CodeKey::make(std::string_view text) {
  // Character checks come first so that "ab-c" reports the special character, not the length.
  bool lower = false;
  for (char c : text) {
    bool upper_or_digit = (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    if (upper_or_digit) continue;
    if (c >= 'a' && c <= 'z') {
      lower = true;
      continue;
    }
    return Result<CodeKey>(ErrorCode::kCodeNotAlphanumeric,
                           "code '" + std::string(text.substr(0, 64)) +
                               "' is not alphanumeric: special characters are not allowed");
  }
  if (text.size() < kMinLength) {
    return Result<CodeKey>(ErrorCode::kCodeTooShort,
                           "code '" + std::string(text) + "' is shorter than 6 characters");
  }
  if (text.size() > kMaxLength) {
    return Result<CodeKey>(ErrorCode::kCodeTooLong, "code '" + std::string(text.substr(0, 64)) +
                                                        "' is longer than 39 characters");
  }
  if (lower) {
    return Result<CodeKey>(ErrorCode::kCodeNotUppercase,
                           "code '" + std::string(text) + "' must be upper case only");
  }
  CodeKey key;
  for (std::size_t i = 0; i < text.size(); ++i) key.data_[i] = text[i];
  key.len_ = static_cast<std::uint8_t>(text.size());
  return key;
}

}  // namespace codeledger::ledger
