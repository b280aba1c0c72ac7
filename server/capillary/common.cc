#include "server/capillary/common.h"

#include <algorithm>
#include <charconv>

#include "server/http/answer_body.h"

namespace codeledger::server::capillary {

// An end the ledger caps (an entry's) must be one its ISO twin can show as it is.
static_assert(ledger::kEndMaxMs == wire::kIsoTimeMaxMs);

namespace {

Status bad_query(std::string_view name, std::string_view what) {
  std::string msg(name);
  msg.append(" ").append(what);
  return Status(ErrorCode::kInvalidRequest, std::move(msg));
}

// Splits "A,B" into trimmed, non-empty items.
Status split_codes(std::string_view list, std::size_t codes_max, std::vector<std::string>& out) {
  while (!list.empty()) {
    const std::size_t comma = list.find(',');
    std::string_view item = list.substr(0, comma);
    list = comma == std::string_view::npos ? std::string_view() : list.substr(comma + 1);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    if (item.empty()) continue;
    if (out.size() == codes_max) {
      return bad_query("codes", "lists more than " + std::to_string(codes_max) + " codes");
    }
    out.emplace_back(item);
  }
  return Status::Ok();
}

}  // namespace

ledger::Op make_op(const RequestContext& ctx) {
  ledger::Op op;
  op.org = ctx.caller.org;
  op.api_key = ctx.caller.key_name;
  op.now_ms = ctx.now_ms;
  op.dialect = ledger::Dialect::kCapillary;
  return op;
}

wire::IsoZone org_zone(const RequestContext& ctx) {
  const auto settings = ctx.ledger.org_settings(ctx.caller.org);
  if (!settings) return wire::IsoZone();
  return wire::IsoZone::find_or_utc(settings->time_zone);
}

Reply fail(const Status& status, const ledger::Op& op) {
  Reply reply = capillary_error(status);
  reply.await_lsn = op.visible_lsn;
  return reply;
}

std::string about(std::string_view subject, std::string_view message) {
  if (subject.size() > kQuotedValueBytesMax) subject = subject.substr(0, kQuotedValueBytesMax);
  // An empty subject (the code "") names nothing: the message says `code ''` itself.
  if (subject.empty() || message.find(subject) != std::string_view::npos) {
    return std::string(message);
  }
  std::string out(subject);
  out.append(": ").append(message);
  return out;
}

// The body comes with room for most answers, recycled from an answer this thread's sessions
// have written (answer_body.h): no allocation, and no doublings of the string from 15 bytes.
Envelope::Envelope()
    : body_(take_answer_body()), data_writer_(body_), error_writer_(errors_) {
  data_writer_.begin_object().key("data");
}

void Envelope::add_error(const Status& status) {
  if (first_error_ == ErrorCode::kOk) first_error_ = status.code();
  error_writer_.begin_object()
      .field("code", static_cast<int>(status.code()))
      .field("message", status.message())
      .end_object();
}

void Envelope::next_cursor(std::string_view cursor) {
  data_writer_.key("nextCursor");
  if (cursor.empty()) {
    data_writer_.null();
  } else {
    data_writer_.value(cursor);
  }
}

Reply Envelope::finish(bool any_success, ledger::Lsn await_lsn) {
  Reply reply;
  if (has_errors()) {
    body_.append(",\"errors\":[").append(errors_).push_back(']');
    if (!any_success) reply.status = http_status_for(first_error_);
  }
  body_.push_back('}');
  reply.body = std::move(body_);
  reply.await_lsn = await_lsn;
  return reply;
}

void write_time(wire::JsonWriter& w, wire::FieldName name, ledger::TimeMs ms,
                const wire::IsoZone& zone) {
  if (ms == ledger::kNoTime) {
    w.key(name).null().key(name, "ISO").null();
    return;
  }
  // `ms,"nameISO":"text"` in one append after the key: the times took 1,722 of the 3,885
  // instructions of a link's answer, five appends each (callgrind,
  // docs/benchmarks-history.md, session 26). The ISO text is plain ASCII.
  // Digits with sign, the ISO key, the quoted ISO text.
  char text[20 + wire::JsonWriter::kKeyBytesMax + 1 + wire::IsoZone::kTextBytesMax + 1];
  char* p = std::to_chars(text, text + 20, ms).ptr;
  p = wire::JsonWriter::write_key(p, /*comma=*/true, name, "ISO");
  *p++ = '"';
  p = zone.write(p, ms);
  *p++ = '"';
  w.key(name).raw(std::string_view(text, static_cast<std::size_t>(p - text)));
}

Result<wire::dom::object> body_object(const RequestContext& ctx) {
  auto root = wire::parse_json(ctx.request.body());
  if (!root.ok()) return root.status();
  wire::dom::object obj;
  if (Status s = wire::read_object(*root, "request body", obj); !s.ok()) return s;
  return obj;
}

Result<wire::dom::array> body_array(const RequestContext& ctx, std::string_view what,
                                    std::size_t items_max) {
  auto root = wire::parse_json(ctx.request.body());
  if (!root.ok()) return root.status();
  wire::dom::array arr;
  if (Status s = wire::read_array(*root, what, items_max, arr); !s.ok()) return s;
  return arr;
}

Status query_one(const RequestContext& ctx, std::string_view name, const std::string*& out) {
  out = ctx.query.find(name);
  if (out != nullptr && ctx.query.count(name) > 1) return bad_query(name, "is given more than once");
  return Status::Ok();
}

Status query_mode(const RequestContext& ctx, ledger::Mode& out) {
  const std::string* mode = nullptr;
  if (Status s = query_one(ctx, "mode", mode); !s.ok()) return s;
  if (mode == nullptr) return bad_query("mode", "is required");
  return wire::parse_mode(*mode, "mode", out);
}

Status query_bool(const RequestContext& ctx, std::string_view name, bool& out) {
  const std::string* v = nullptr;
  out = false;
  if (Status s = query_one(ctx, name, v); !s.ok()) return s;
  if (v == nullptr || *v == "false") return Status::Ok();
  if (*v == "true") {
    out = true;
    return Status::Ok();
  }
  return bad_query(name, "must be true or false");
}

Status query_codes(const RequestContext& ctx, std::size_t codes_max, std::vector<std::string>& out) {
  for (const auto& [name, value] : ctx.query.items()) {
    if (name != "codes" && name != "code") continue;
    if (Status s = split_codes(value, codes_max, out); !s.ok()) return s;
  }
  if (out.empty()) return bad_query("codes", "is required (one or more codes, comma separated)");
  return Status::Ok();
}

Status query_page(const RequestContext& ctx, std::size_t limit_default, std::size_t page_max,
                  std::string_view& cursor, std::size_t& limit) {
  limit = std::min(limit_default, page_max);
  const std::string* c = nullptr;
  const std::string* l = nullptr;
  if (Status s = query_one(ctx, "cursor", c); !s.ok()) return s;
  if (Status s = query_one(ctx, "limit", l); !s.ok()) return s;
  if (c != nullptr) {
    if (c->size() > kCursorBytesMax) {
      return bad_query("cursor", "is longer than " + std::to_string(kCursorBytesMax) + " bytes");
    }
    cursor = *c;
  }
  if (l != nullptr) {
    std::size_t v = 0;
    auto [ptr, ec] = std::from_chars(l->data(), l->data() + l->size(), v);
    if (ec != std::errc() || ptr != l->data() + l->size() || v == 0 || v > page_max) {
      return bad_query("limit", "must be an integer from 1 to " + std::to_string(page_max));
    }
    // One spelling per value, as Altcraft's export takes its limit: "05" is not one we write.
    if (*l != std::to_string(v)) {
      return bad_query("limit", "must be an integer from 1 to " + std::to_string(page_max) +
                                    " without leading zeros");
    }
    limit = v;
  }
  return Status::Ok();
}

Status path_promotion_id(const RequestContext& ctx, ledger::ObjectId& out) {
  const std::string_view text = ctx.path.get("promotionId");
  auto id = ledger::ObjectId::parse(text);
  if (!id) return bad_query("promotionId", "must be a 24-character hexadecimal id");
  out = *id;
  return Status::Ok();
}

}  // namespace codeledger::server::capillary
