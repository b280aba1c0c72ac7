// import and export_all: a loyalty program's codes in bulk.
#include <unordered_map>

#include "server/altcraft/call.h"
#include "server/altcraft/handlers.h"

namespace codeledger::server::altcraft {

namespace {

struct CodeOutcome {
  std::string code;
  Status status;  // ok = inserted
};

// Altcraft imports code by code, while the ledger's import is all or nothing: codes the
// ledger rejects (malformed 902-905, existing 409) are set aside and the rest imported
// again. Each round removes at least one code, so the loop ends; it repeats only when a
// concurrent import added one of the remaining codes in between.
Status import_each(Call& call, const Program& program, std::vector<CodeOutcome>& outcomes) {
  std::unordered_map<std::string_view, std::size_t> index;
  for (std::size_t i = 0; i < outcomes.size(); ++i) {
    if (outcomes[i].status.ok()) index.emplace(outcomes[i].code, i);
  }
  while (true) {
    std::vector<std::string> pending;
    for (const CodeOutcome& o : outcomes) {
      if (o.status.ok()) pending.push_back(o.code);
    }
    if (pending.empty()) return Status::Ok();
    auto report = call.ledger().import_codes(call.op(), program.view.id, pending, {});
    if (!report.ok()) return report.status();
    if (report->rejected.empty()) return Status::Ok();
    for (const ledger::CodeRejection& r : report->rejected) {
      auto it = index.find(r.code);
      CL_CHECK(it != index.end());
      outcomes[it->second].status = Status(r.error, r.message);
    }
  }
}

Reply import_answer(Call& call, const std::vector<CodeOutcome>& outcomes, std::size_t discarded) {
  Value data = Value::list();
  std::int64_t inserted = 0, duplicated = 0;
  for (const CodeOutcome& o : outcomes) {
    if (o.status.ok()) ++inserted;
    if (o.status.code() == ErrorCode::kConflict) ++duplicated;
    Value item = Value::object();
    item.add("code", Value::string(o.code))
        .add("error", Value::integer(static_cast<int>(o.status.code())))
        .add("error_text", Value::string(o.status.message()));
    data.push(std::move(item));
  }
  const Extras extras = {{"discarded_by_limit", Value::integer(static_cast<std::int64_t>(discarded))},
                         {"duplicated", Value::integer(duplicated)},
                         {"inserted", Value::integer(inserted)}};
  return call.ok(data, extras);
}

}  // namespace

// Per-code results in request order; the call itself succeeds even when some codes are
// refused, as Altcraft's does. Codes beyond codes_per_call_max are not imported and only
// counted (discarded_by_limit).
Reply import_codes(RequestContext& ctx) {
  Call call(ctx);
  if (auto refused = call.open(Scope::kAdmin)) return std::move(*refused);
  auto program = loyalty_program(call);
  if (!program.ok()) return call.fail(program.status());
  const auto codes = call.params().list("codes", Need::kRequired, kCodeTextBytesMax);
  if (!call.params().ok()) return call.fail(call.params().status());
  const std::size_t limit = call.ledger().options().limits.codes_per_call_max;
  const std::size_t taken = std::min(codes->size(), limit);
  std::vector<CodeOutcome> outcomes;
  outcomes.reserve(taken);
  std::unordered_map<std::string_view, bool> seen;
  for (std::size_t i = 0; i < taken; ++i) {
    const std::string_view text = (*codes)[i];
    CodeOutcome o{std::string(text), Status::Ok()};
    if (auto key = ledger::CodeKey::make(text); !key.ok()) {
      o.status = key.status();
    } else if (!seen.emplace(text, true).second) {
      o.status = Status(ErrorCode::kConflict,
                        "code '" + o.code + "' appears more than once in the request");
    }
    outcomes.push_back(std::move(o));
  }
  if (Status s = import_each(call, *program, outcomes); !s.ok()) return call.fail(s);
  return import_answer(call, outcomes, codes->size() - taken);
}

// One page of the program's codes (export_page_max by default). Altcraft's export_all has
// no paging; a program larger than a page answers next_cursor, which the next call passes
// as `cursor` ("" when the export is complete).
Reply export_all(RequestContext& ctx) {
  Call call(ctx);
  if (auto refused = call.open(Scope::kAdmin)) return std::move(*refused);
  auto program = loyalty_program(call);
  if (!program.ok()) return call.fail(program.status());
  const auto page_max = static_cast<std::int64_t>(call.ledger().options().limits.export_page_max);
  const auto cursor = call.params().text("cursor", Need::kOptional);
  const auto limit = call.params().integer("limit", Need::kOptional, 1, page_max, Spelling::kCanonical);
  if (!call.params().ok()) return call.fail(call.params().status());
  auto page = call.ledger().export_codes(call.op(), program->view.id, cursor.value_or(""),
                                         static_cast<std::size_t>(limit.value_or(page_max)));
  if (!page.ok()) return call.fail(page.status());
  Value data = Value::list();
  for (const ledger::CodeView& v : page->codes) {
    const ledger::TimeMs till = v.valid_till_ms;  // within the program's end (CodeView)
    Value item = Value::object();
    item.add("code", Value::string(std::string(v.code.view())))
        .add("created", Value::string(call.rfc3339(v.created_ms)))
        .add("is_attached", Value::boolean(v.customer != 0))
        .add("is_activated", Value::boolean(v.redemption_count > 0))
        .add("is_expired", Value::boolean(till != ledger::kNoTime && call.op().now_ms > till))
        .add("expire_date", Value::string(till != ledger::kNoTime ? call.rfc3339(till) : ""));
    data.push(std::move(item));
  }
  return call.ok(data, {{"next_cursor", Value::string(page->next_cursor)}});
}

}  // namespace codeledger::server::altcraft
