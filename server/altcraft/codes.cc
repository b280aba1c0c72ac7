// get, activate and update: one code of a loyalty program.
#include <date/date.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <optional>
#include <sstream>
#include <string_view>

#include "ledger/activate_key.h"
#include "server/altcraft/call.h"
#include "server/altcraft/handlers.h"

namespace codeledger::server::altcraft {

namespace {

constexpr std::size_t kDateBytesMax = 64;

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// "YYYY-MM-DDTHH:MM:SS[.fraction]+HH:MM" by character class, before date::parse sees it:
// given "08:00:@0" it computed NaN seconds and converted them to an integer (undefined
// behaviour; found by the http_dispatch fuzz target), so it only ever gets digits to read.
bool has_rfc3339_shape(std::string_view s) {
  constexpr std::string_view kHead = "dddd-dd-ddTdd:dd:dd";
  constexpr std::string_view kOffset = "+dd:dd";
  if (s.size() < kHead.size() + kOffset.size()) return false;
  for (std::size_t i = 0; i < kHead.size(); ++i) {
    if (kHead[i] == 'd' ? !is_digit(s[i]) : s[i] != kHead[i]) return false;
  }
  std::size_t i = kHead.size();
  if (s[i] == '.') {
    const std::size_t digits_from = ++i;
    while (i < s.size() && is_digit(s[i])) ++i;
    if (i == digits_from) return false;
  }
  const std::string_view offset = s.substr(i);
  if (offset.size() != kOffset.size() || (offset[0] != '+' && offset[0] != '-')) return false;
  if (!is_digit(offset[1]) || !is_digit(offset[2]) || offset[3] != ':' || !is_digit(offset[4]) ||
      !is_digit(offset[5])) {
    return false;
  }
  // RFC 3339's time-numoffset is 00-23 hours, 00-59 minutes; date::parse takes "+25:00".
  const int hours = (offset[1] - '0') * 10 + (offset[2] - '0');
  const int minutes = (offset[4] - '0') * 10 + (offset[5] - '0');
  return hours <= 23 && minutes <= 59;
}

// RFC 3339 date-time ("2018-08-25T08:00:00Z", "2018-08-25T11:00:00.5+03:00") to epoch ms.
std::optional<ledger::TimeMs> parse_rfc3339(std::string_view text) {
  std::string s(text);
  // date::parse's %Ez wants a numeric offset. Lowercase t and z are RFC 3339 too (its
  // section 5.6 allows them), so they are accepted, not a leniency.
  if (!s.empty() && (s.back() == 'Z' || s.back() == 'z')) {
    s.pop_back();
    s += "+00:00";
  }
  if (s.size() > 10 && s[10] == 't') s[10] = 'T';
  if (!has_rfc3339_shape(s)) return std::nullopt;
  std::istringstream in(s);
  date::sys_time<std::chrono::milliseconds> tp;
  in >> date::parse("%FT%T%Ez", tp);
  if (in.fail() || in.peek() != std::char_traits<char>::eof()) return std::nullopt;
  return tp.time_since_epoch().count();
}

// Altcraft's profile_id: the profile's external id, or its customer id when it has none
// (profiles created through the Capillary dialect may carry only the numeric id).
std::string profile_id(Call& call, ledger::CustomerId customer) {
  ledger::CustomerMatch m{ledger::MatchBy::kCustomerId, std::to_string(customer), {}};
  auto found = call.ledger().find_customer(call.op(), m);
  if (found.ok() && !found->external_id.empty()) return found->external_id;
  return m.value;
}

// `activated`: the time of the code's first redemption that still stands.
Value code_info(Call& call, const Program& program, const ledger::CodeUses& uses) {
  const ledger::CodeView& v = uses.code;
  const ledger::TimeMs till = v.valid_till_ms;  // within the program's end (CodeView)
  const bool expired = till != ledger::kNoTime && call.op().now_ms > till;
  const ledger::TimeMs activated = uses.first_standing_ms;
  auto time_or_empty = [&](ledger::TimeMs ms, bool show) {
    return Value::string(show && ms != ledger::kNoTime ? call.rfc3339(ms) : std::string());
  };
  Value data = Value::object();
  data.add("code", Value::string(std::string(v.code.view())))
      .add("loyalty_id", Value::integer(program.number))
      .add("created", time_or_empty(v.created_ms, true))
      .add("is_attached", Value::boolean(v.customer != 0))
      .add("attached", Value::string(""))  // the ledger keeps who, not when
      .add("is_activated", Value::boolean(v.redemption_count > 0))
      .add("activated", time_or_empty(activated, v.redemption_count > 0))
      .add("is_expired", Value::boolean(expired))
      .add("expired", time_or_empty(till, expired))
      .add("expire_date", time_or_empty(till, true));
  if (v.customer != 0) {
    data.add("database_id", Value::integer(kDefaultDatabaseId))
        .add("profile_id", Value::string(profile_id(call, v.customer)));
  }
  return data;
}

// What get, activate and update read first, in the order their refusals are checked: the
// caller (with `scope`), loyalty_id, then the required code; `answer` gets the call, the
// program and the code text. A template, so the handler's lambda is inlined: the request
// path gains no call through a pointer and no copy of the program or the code.
template <class Answer>
Reply with_program_code(RequestContext& ctx, Scope scope, Answer answer) {
  Call call(ctx);
  if (auto refused = call.open(scope)) return std::move(*refused);
  auto program = loyalty_program(call);
  if (!program.ok()) return call.fail(program.status());
  auto code = code_param(call, Need::kRequired);
  if (!code.ok()) return call.fail(code.status());
  return answer(call, *program, **code);
}

}  // namespace

Reply get_code(RequestContext& ctx) {
  return with_program_code(ctx, Scope::kRead, [](Call& call, const Program& program,
                                                 const std::string& code) {
    auto uses = code_uses_in_program(call, program, code);
    if (!uses.ok()) return call.fail(uses.status());
    return call.ok(code_info(call, program, *uses));
  });
}

// Altcraft's activate carries no idempotency key, so each activate is one new use. The
// ledger's transaction key is the code and the use number it claims ("altcraft:activate:
// CODE:1" for the first use, counting reversed uses too so a key is never reused). Two
// racing activates may claim the same number: the ledger then answers the loser with the
// winner's redemption (replayed), which is NOT the loser's success, so it re-reads the code
// and claims the next use, and a used-up code answers 1004. Each replay also moves the
// number one further: the key may be held by a redemption that is not this code's (one a
// Capillary client named "altcraft:activate:CODE:1" before Capillary's redeem reserved the
// prefix, kept in an old log or snapshot), and re-reading the code then gives the same
// number again, which refused the activate for good (probe 32c). Numbers skipped that way
// stay unused. Bounded by the code's use limit, plus one attempt per concurrent winner or
// held key we can tolerate: since the prefix is reserved, no client can add held keys.
constexpr int kActivateAttemptsMax = 16;

// The number an attempt claims: the one after the code's uses (its history rows, reversed
// uses too) and after every activate key its uses hold, so that a key skipped past a held one
// (below) is not tried again by the next activate, plus one per key found held. None past
// kActivateUseMax, where the ledger stops counting keys (activate_key.h; only a key named
// before the prefix was reserved comes near it): a use claimed above it would not move the
// next activate's number, which would walk the same held keys again; and no sum here wraps
// past 2^64. Saturating instead would try the max's key, held after one use, on every
// attempt, and refuse as "being activated concurrently", which it is not.
std::optional<std::uint64_t> activate_use(const ledger::CodeUses& uses, int attempt) {
  const std::uint64_t last = std::max(uses.use_count, uses.highest_activate_use);
  const std::uint64_t step = 1 + static_cast<std::uint64_t>(attempt);  // attempt < 16
  if (last > ledger::kActivateUseMax - step) return std::nullopt;
  return last + step;
}

Result<ledger::RedeemOutcome> redeem_next_use(Call& call, const Program& program,
                                              const std::string& code) {
  // Each attempt after the first follows a replay: one more key found taken.
  for (int attempt = 0; attempt < kActivateAttemptsMax; ++attempt) {
    auto uses = code_uses_in_program(call, program, code);
    if (!uses.ok()) return uses.status();
    const ledger::CodeView& v = uses->code;
    if (v.customer == 0) {
      return Status(ErrorCode::kInvalidRequest, "promo code '" + code +
                        "' is not attached to a profile: attach it before activating");
    }
    const std::optional<std::uint64_t> use = activate_use(*uses, attempt);
    if (!use) {
      return Status(ErrorCode::kCodeAlreadyRedeemed,
                    "promo code '" + code + "' has no activate number left: one of its redemptions "
                    "is named altcraft:activate:" + code + ":N with N near 10^18, the highest "
                    "number counted");
    }
    ledger::RedeemRequest req;
    req.customer = v.customer;
    req.transaction_identifier = ledger::activate_key(code, *use);
    req.transaction_date_ms = call.op().now_ms;
    ledger::RedemptionItem item;
    item.code = v.code;
    item.mode = program.view.spec.mode;
    req.items.push_back(item);
    auto redeemed = call.ledger().redeem(call.op(), std::move(req));
    if (!redeemed.ok() || !redeemed->replayed) return redeemed;
  }
  return Status(ErrorCode::kCodeAlreadyRedeemed,
                "promo code '" + code + "' is being activated concurrently; try again");
}

Reply activate(RequestContext& ctx) {
  return with_program_code(ctx, Scope::kWrite, [](Call& call, const Program& program,
                                                  const std::string& code) {
    auto redeemed = redeem_next_use(call, program, code);
    if (!redeemed.ok()) return call.fail(redeemed.status());
    return call.ok(Value());
  });
}

// `activated` is the code's active flag (Altcraft: "promo code activation or
// deactivation"), not a redemption; `expire_date` is its validTill.
Reply update(RequestContext& ctx) {
  return with_program_code(ctx, Scope::kWrite, [](Call& call, const Program& program,
                                                  const std::string& code) {
    const auto date_text = call.params().text("expire_date", Need::kOptional, kDateBytesMax);
    const auto active = call.params().boolean("activated", Need::kOptional);
    if (!call.params().ok()) return call.fail(call.params().status());
    if (!date_text && !active) {
      return call.fail(Status(ErrorCode::kInvalidRequest,
                              "give expire_date, activated or both: there is nothing to update"));
    }
    std::optional<ledger::TimeMs> till;
    if (date_text) {
      till = parse_rfc3339(*date_text);
      // The same range as every time the Capillary dialect takes (wire::kIsoTimeMaxMs): the
      // date must read back with a four-digit year in every zone.
      if (!till || *till <= 0 || *till > wire::kIsoTimeMaxMs) {
        return call.fail(Status(ErrorCode::kInvalidRequest,
                                "expire_date must be an RFC 3339 date-time after 1970 and before "
                                "9999-12-31, such as 2018-08-25T08:00:00Z"));
      }
    }
    auto v = code_in_program(call, program, code);
    if (!v.ok()) return call.fail(v.status());
    auto updated = call.ledger().update_code(call.op(), program.view.spec.mode, code, till, active);
    if (!updated.ok()) return call.fail(updated.status());
    return call.ok(Value());
  });
}

}  // namespace codeledger::server::altcraft
