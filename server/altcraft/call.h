// What every Altcraft handler shares: reading the body, choosing the answer format,
// resolving the caller (body `token`, Bearer header, or a caller the HTTP layer already
// authenticated), and the resolvers from Altcraft's names to the ledger's: db_id to a
// customer database, loyalty_id to a code-linked promotion (by its number), `matching` to
// a customer profile, `code` to a validated code of that promotion.
//
// Every refusal after authentication is a Status whose code is the Altcraft `error` number
// (see docs/api.md, "Altcraft promocodes API"); its HTTP status is errors.h's mapping.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "ledger/ledger.h"
#include "server/altcraft/params.h"
#include "server/altcraft/reply.h"
#include "server/http/handler.h"
#include "server/wire/iso_time.h"

namespace codeledger::server::altcraft {

// Customer databases: the configuration names none, so every organisation has exactly one,
// database 1, holding the profiles the customers upsert stores.
inline constexpr std::int64_t kDefaultDatabaseId = 1;
// Longest code text read: the body's own value limit, so every code a body can carry gets
// the ledger's answer (40 to 1 024 bytes is 904, as for any code over 39 characters) rather
// than a 400 for its length. Messages quote at most 64 bytes of it (CodeKey::make).
inline constexpr std::size_t kCodeTextBytesMax = kValueBytesMax;

inline constexpr int kTokenRequired = 401;
inline constexpr int kForbidden = 403;

// One request. Not copyable or movable: op().api_key views the resolved caller's key name.
class Call {
 public:
  explicit Call(RequestContext& ctx) : ctx_(ctx) {}
  Call(const Call&) = delete;
  Call& operator=(const Call&) = delete;

  // Parses the body, picks the answer format, authenticates and checks `scope`. A refusal
  // comes back as the reply to send (400, 401 or 403).
  [[nodiscard]] std::optional<Reply> open(Scope scope);

  Params& params() { return params_; }
  ledger::Op& op() { return op_; }
  ledger::Ledger& ledger() { return ctx_.ledger; }
  const RequestContext& context() const { return ctx_; }
  Format format() const { return format_; }

  // Answers, carrying op().visible_lsn so `sync` durability covers refusals too.
  Reply ok(const Value& data, const Extras& extras = {}) const;
  Reply fail(const Status& status) const;

  // The organisation's zone for RFC 3339 times (UTC writes "Z").
  std::string rfc3339(ledger::TimeMs ms) const;

 private:
  Status read_query_format(const std::string*& out);
  Status read_format(const std::string* query_format);
  std::optional<Reply> authenticate(Scope scope);

  RequestContext& ctx_;
  Params params_;
  Format format_ = Format::kJson;
  Caller caller_;
  ledger::Op op_;
  mutable std::optional<wire::IsoZone> zone_;  // looked up on first use
};

// db_id (required, 1 or more): 404 unless it names one of the organisation's databases.
Status check_database(Call& call);

// A loyalty program: a code-linked promotion and its number (Altcraft's loyalty_id).
struct Program {
  ledger::PromotionView view;
  std::uint32_t number = 0;
};

// loyalty_id (required, 1 to 2^32-1): the organisation's promotion with that number. 404 when
// there is none (another organisation's numbers are never visible), 707 when it holds no codes.
Result<Program> loyalty_program(Call& call);

// `matching` (profile_id by default, email, phone, custom with field_name/field_value) and
// its value: the profile's customer id. 400 for an unknown mode or a missing value, 404
// when no profile matches.
Result<ledger::CustomerId> match_profile(Call& call);

// `code`: a valid code text (902-905 otherwise); nullopt when absent and optional.
Result<std::optional<std::string>> code_param(Call& call, Need need);

// The code in the loyalty program: 404 when it does not exist there (also when it belongs
// to another program of the organisation).
Result<ledger::CodeView> code_in_program(Call& call, const Program& program,
                                         const std::string& code);
// The same, with the code's use summary: what get and activate read of its history, in
// O(1) however long that is (ledger Ledger::get_code_uses).
Result<ledger::CodeUses> code_uses_in_program(Call& call, const Program& program,
                                              const std::string& code);

}  // namespace codeledger::server::altcraft
