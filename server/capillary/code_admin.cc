// Code administration of a code-linked promotion: import a list, generate, export a page.
#include <algorithm>
#include <random>

#include "server/capillary/common.h"
#include "server/capillary/handlers.h"
#include "server/capillary/views.h"

namespace codeledger::server::capillary {

using wire::Need;

namespace {

constexpr std::size_t kAlphabetBytesMax = 64;
constexpr std::int64_t kGenerateLengthDefault = 8;

ledger::CodeImportOptions read_validity(wire::Fields& f) {
  ledger::CodeImportOptions o;
  o.redeemable_from_ms = f.integer("redeemableFrom", Need::kOptional, 0, wire::kIsoTimeMaxMs)
                             .value_or(0);
  o.valid_till_ms = f.integer("validTill", Need::kOptional, 0, wire::kIsoTimeMaxMs).value_or(0);
  return o;
}

Status read_code_list(wire::Fields& f, std::size_t codes_max, std::vector<std::string>& out) {
  const auto codes = f.array("codes", Need::kRequired, codes_max);
  if (!f.ok()) return f.status();
  if (codes->size() == 0) return Status(ErrorCode::kInvalidRequest, "codes must not be empty");
  out.reserve(codes->size());
  std::size_t index = 0;
  for (wire::dom::element e : *codes) {
    std::string_view code;
    const std::string field = "codes[" + std::to_string(index++) + "]";
    if (Status s = wire::read_string(e, field, kCodeTextBytesMax, code); !s.ok()) return s;
    out.emplace_back(code);
  }
  return Status::Ok();
}

Result<ledger::GenerateSpec> read_generate(wire::dom::object body, std::size_t count_max,
                                           std::optional<std::int64_t>& seed) {
  wire::Fields f(body);
  ledger::GenerateSpec spec;
  const auto count = f.integer("count", Need::kRequired, 1, static_cast<std::int64_t>(count_max));
  const auto length = f.integer("length", Need::kOptional,
                                static_cast<std::int64_t>(ledger::CodeKey::kMinLength),
                                static_cast<std::int64_t>(ledger::CodeKey::kMaxLength));
  const auto prefix = f.string("prefix", Need::kOptional, ledger::CodeKey::kMaxLength);
  const auto alphabet = f.string("alphabet", Need::kOptional, kAlphabetBytesMax);
  seed = f.integer("seed", Need::kOptional, 0, wire::kJsonIntegerMax);
  spec.validity = read_validity(f);
  if (f.ok() && alphabet && alphabet->size() < 2) {
    f.fail(Status(ErrorCode::kInvalidRequest, "alphabet must hold at least 2 characters"));
  }
  if (!f.ok()) return f.status();
  spec.count = static_cast<std::size_t>(*count);
  spec.length = static_cast<std::size_t>(length.value_or(kGenerateLengthDefault));
  if (prefix) spec.prefix = std::string(*prefix);
  if (alphabet) spec.alphabet = std::string(*alphabet);
  return spec;
}

}  // namespace

// All or nothing: when any code is rejected nothing is imported and every rejection is
// listed in `errors` (naming the code).
Reply import_codes(RequestContext& ctx) {
  ledger::ObjectId promotion;
  if (Status s = path_promotion_id(ctx, promotion); !s.ok()) return capillary_error(s);
  auto body = body_object(ctx);
  if (!body.ok()) return capillary_error(body.status());
  wire::Fields f(*body);
  std::vector<std::string> codes;
  const Status list = read_code_list(f, ctx.ledger.options().limits.codes_per_call_max, codes);
  const ledger::CodeImportOptions options = read_validity(f);
  if (!list.ok()) return capillary_error(list);
  if (!f.ok()) return capillary_error(f.status());

  ledger::Op op = make_op(ctx);
  auto report = ctx.ledger.import_codes(op, promotion, codes, options);
  if (!report.ok()) return fail(report.status(), op);
  Envelope env;
  env.data().begin_object().field("promotionId", promotion.hex_chars().view())
      .field("imported", report->imported).end_object();
  for (const ledger::CodeRejection& r : report->rejected) {
    env.add_error(Status(r.error, about(r.code, r.message)));
  }
  return env.finish(report->rejected.empty(), op.visible_lsn);
}

Reply generate_codes(RequestContext& ctx) {
  ledger::ObjectId promotion;
  if (Status s = path_promotion_id(ctx, promotion); !s.ok()) return capillary_error(s);
  auto body = body_object(ctx);
  if (!body.ok()) return capillary_error(body.status());
  std::optional<std::int64_t> seed;
  auto spec = read_generate(*body, ctx.ledger.options().limits.codes_per_generate_max, seed);
  if (!spec.ok()) return capillary_error(spec.status());

  // The ledger is deterministic and takes its randomness as a seed; the codes themselves
  // are carried in the events, so replay does not need the seed.
  const std::uint64_t s = seed ? static_cast<std::uint64_t>(*seed)
                               : (std::uint64_t{std::random_device{}()} << 32) ^
                                     std::random_device{}();
  ledger::Op op = make_op(ctx);
  auto report = ctx.ledger.generate_codes(op, promotion, *spec, s);
  if (!report.ok()) return fail(report.status(), op);
  Envelope env;
  env.data().begin_object().field("promotionId", promotion.hex_chars().view())
      .field("generated", report->generated).key("sample").begin_array();
  for (const std::string& code : report->sample) env.data().value(code);
  env.data().end_array().end_object();
  return env.finish(true, op.visible_lsn);
}

Reply export_codes(RequestContext& ctx) {
  ledger::ObjectId promotion;
  std::string_view cursor;
  std::size_t limit = 0;
  Status s = path_promotion_id(ctx, promotion);
  if (s.ok()) {
    s = query_page(ctx, kExportPageDefault, ctx.ledger.options().limits.export_page_max, cursor,
                   limit);
  }
  if (!s.ok()) return capillary_error(s);

  ledger::Op op = make_op(ctx);
  auto page = ctx.ledger.export_codes(op, promotion, cursor, limit);
  if (!page.ok()) return fail(page.status(), op);
  const wire::IsoZone zone = org_zone(ctx);
  Envelope env;
  env.data().begin_object().key("codes").begin_array();
  for (const ledger::CodeView& c : page->codes) write_code(env.data(), c, zone, false);
  env.data().end_array().key("nextCursor");
  if (page->next_cursor.empty()) env.data().null(); else env.data().value(page->next_cursor);
  env.data().end_object();
  return env.finish(true, op.visible_lsn);
}

}  // namespace codeledger::server::capillary
