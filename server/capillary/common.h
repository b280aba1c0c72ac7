// What every Capillary handler shares: the Op for the caller, the organisation's time zone,
// the `{"data": ..., "errors": [...]}` envelope, and body/query/path parsing whose failures
// are 400s naming the field. Whole-call errors go through capillary_error (server/http),
// the one mapping from domain errors to HTTP.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ledger/ledger.h"
#include "server/http/errors.h"
#include "server/http/handler.h"
#include "server/wire/iso_time.h"
#include "server/wire/json_reader.h"
#include "server/wire/json_writer.h"

namespace codeledger::server::capillary {

// Bytes of a caller-supplied value quoted back in an error message.
inline constexpr std::size_t kQuotedValueBytesMax = 64;
inline constexpr std::size_t kExportPageDefault = 1'000;
// Longest `cursor` read from a query: the ledger's cursors are a few digits.
inline constexpr std::size_t kCursorBytesMax = 256;
// Longest code text read from a body; longer than CodeKey::kMaxLength is already 904, this
// only bounds what a message may quote.
inline constexpr std::size_t kCodeTextBytesMax = 1'024;

ledger::Op make_op(const RequestContext& ctx);
wire::IsoZone org_zone(const RequestContext& ctx);

// A whole-call failure, holding the LSN of any state the refusal reveals (1005 shows that a
// code is linked), so `sync` durability covers error answers too.
Reply fail(const Status& status, const ledger::Op& op);

// `message`, prefixed with "<subject>: " unless it already names the subject (cut to
// kQuotedValueBytesMax) or the subject is empty, so per-record errors say which record
// they are about.
std::string about(std::string_view subject, std::string_view message);

// Builds one response. Successes are written into data(); per-record failures are collected
// with add_error. The answer is 200 unless every record failed, in which case it carries the
// first failure's HTTP status (and still lists every error).
class Envelope {
 public:
  Envelope();
  Envelope(const Envelope&) = delete;
  Envelope& operator=(const Envelope&) = delete;

  wire::JsonWriter& data() { return data_writer_; }
  void add_error(const Status& status);
  bool has_errors() const { return first_error_ != ErrorCode::kOk; }
  // A member "nextCursor" beside data, after data is complete: the cursor of a paged list
  // whose data is the array clients already read (null when `cursor` is empty: the last page).
  void next_cursor(std::string_view cursor);
  // `any_success`: whether data holds at least one record (or the call is not per-record).
  Reply finish(bool any_success, ledger::Lsn await_lsn);

 private:
  std::string body_;
  wire::JsonWriter data_writer_;
  std::string errors_;
  wire::JsonWriter error_writer_;
  ErrorCode first_error_ = ErrorCode::kOk;
};

// Writes "<name>": ms and "<name>ISO": "..." (both null when ms is 0, "no time").
void write_time(wire::JsonWriter& w, wire::FieldName name, ledger::TimeMs ms,
                const wire::IsoZone& zone);

// The request body as a JSON object / array (400 naming the problem otherwise).
Result<wire::dom::object> body_object(const RequestContext& ctx);
Result<wire::dom::array> body_array(const RequestContext& ctx, std::string_view what,
                                    std::size_t items_max);

// Query parameters. `mode` is required; booleans accept true/false; `codes` may be
// comma separated and/or repeated.
// A single-valued query parameter: its value, or nullptr when absent. Given twice it is 400
// ("mode is given more than once") rather than read by its first value, which a proxy in
// front may not have read the same way (probe 32); only codes= may repeat (query_codes).
Status query_one(const RequestContext& ctx, std::string_view name, const std::string*& out);
Status query_mode(const RequestContext& ctx, ledger::Mode& out);
Status query_bool(const RequestContext& ctx, std::string_view name, bool& out);
Status query_codes(const RequestContext& ctx, std::size_t codes_max, std::vector<std::string>& out);
// A paged list's `cursor` (empty when absent; at most kCursorBytesMax bytes) and `limit`
// (1..page_max, `limit_default` when absent): 400 naming the parameter otherwise.
Status query_page(const RequestContext& ctx, std::size_t limit_default, std::size_t page_max,
                  std::string_view& cursor, std::size_t& limit);
// Path parameter {promotionId}: 400 unless it is a 24-character hexadecimal id.
Status path_promotion_id(const RequestContext& ctx, ledger::ObjectId& out);

}  // namespace codeledger::server::capillary
