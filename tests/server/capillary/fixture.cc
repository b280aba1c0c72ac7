#include "fixture.h"

#include <cctype>

#include "tests/support/documented_status.h"

namespace codeledger::server::capillary::testing {

namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

std::string percent_decode(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && hex_value(s[i + 1]) >= 0 && hex_value(s[i + 2]) >= 0) {
      out.push_back(static_cast<char>(hex_value(s[i + 1]) * 16 + hex_value(s[i + 2])));
      i += 2;
    } else {
      out.push_back(s[i] == '+' ? ' ' : s[i]);
    }
  }
  return out;
}

QueryParams parse_query(std::string_view target) {
  QueryParams q;
  const std::size_t mark = target.find('?');
  if (mark == std::string_view::npos) return q;
  std::string_view rest = target.substr(mark + 1);
  while (!rest.empty()) {
    const std::size_t amp = rest.find('&');
    const std::string_view item = rest.substr(0, amp);
    rest = amp == std::string_view::npos ? std::string_view() : rest.substr(amp + 1);
    const std::size_t eq = item.find('=');
    q.add(percent_decode(item.substr(0, eq)),
          eq == std::string_view::npos ? std::string() : percent_decode(item.substr(eq + 1)));
  }
  return q;
}

}  // namespace

void CapillaryTest::SetUp() {
  ledger::OrgSettings a;
  a.time_zone = "UTC";
  ASSERT_TRUE(ledger_.configure_org(kOrgA, a).ok());
  ledger::OrgSettings b;
  b.time_zone = "Asia/Kolkata";
  ASSERT_TRUE(ledger_.configure_org(kOrgB, b).ok());
}

Reply CapillaryTest::call(Handler h, http::verb verb, std::string_view target,
                          std::string_view body, PathList path, const Caller* caller) {
  HttpRequest req{verb, std::string(target), 11};
  req.set(http::field::content_type, "application/json");
  req.body() = std::string(body);
  req.prepare_payload();
  const QueryParams query = parse_query(target);
  PathParams params;
  for (const auto& [name, value] : path) params.add(name, value);
  RequestContext ctx{req, caller ? *caller : caller_a_, query, params, ledger_, now_, nullptr};
  return h(ctx);
}

dom::element CapillaryTest::parse(const Reply& r) {
  last_body_ = r.body;
  dom::element root;
  const auto err = parser_.parse(last_body_).get(root);
  EXPECT_EQ(err, simdjson::SUCCESS) << "reply is not JSON: " << r.body;
  return root;
}

std::vector<std::int64_t> CapillaryTest::error_codes(const Reply& r) {
  std::vector<std::int64_t> out;
  const dom::element root = parse(r);
  dom::array errors;
  if (root["errors"].get(errors) != simdjson::SUCCESS) return out;
  for (dom::element e : errors) out.push_back(std::int64_t(e["code"]));
  if (out.empty()) return out;
  if (r.status == http::status::ok) {
    dom::array records;
    dom::object record_map;
    const bool some = (root["data"].get(records) == simdjson::SUCCESS && records.size() > 0) ||
                      (root["data"].get(record_map) == simdjson::SUCCESS && record_map.size() > 0);
    EXPECT_TRUE(some) << "200 with errors but no record succeeded: " << r.body;
  } else {
    EXPECT_EQ(r.status, codeledger::testing::documented_status(out.front())) << r.body;
  }
  return out;
}

std::string CapillaryTest::first_message(const Reply& r) {
  dom::array errors;
  if (parse(r)["errors"].get(errors) != simdjson::SUCCESS || errors.size() == 0) return {};
  std::string_view msg;
  if (errors.at(0)["message"].get(msg) != simdjson::SUCCESS) return {};
  return std::string(msg);
}

std::string CapillaryTest::make_code_promotion(std::initializer_list<std::string_view> codes,
                                               std::string_view extra_fields,
                                               std::string_view name) {
  std::string body = R"({"name":")" + std::string(name) +
                     R"(","mode":"DISCOUNT","kind":"CODE_LINKED","validTill":)" +
                     std::to_string(kValidTill);
  if (!extra_fields.empty()) body.append(",").append(extra_fields);
  body.append("}");
  Reply created = call(&create_promotion, http::verb::post, "/api_gateway/v1/promotions", body);
  EXPECT_EQ(created.status, http::status::ok) << created.body;
  const std::string id(std::string_view(data(created)["id"]));
  std::string list = R"({"codes":[)";
  bool first = true;
  for (std::string_view c : codes) {
    list.append(first ? "\"" : ",\"").append(c).append("\"");
    first = false;
  }
  list.append("]}");
  if (codes.size() != 0) {
    Reply imported = call(&import_codes, http::verb::post,
                          "/api_gateway/v1/promotions/" + id + "/codes", list, {{"promotionId", id}});
    EXPECT_EQ(imported.status, http::status::ok) << imported.body;
  }
  return id;
}

std::string CapillaryTest::make_issuable_promotion(std::string_view extra_fields) {
  std::string body = R"({"name":"issuable promotion","mode":"DISCOUNT","kind":"ISSUABLE",)"
                     R"("validTill":)" + std::to_string(kValidTill);
  if (!extra_fields.empty()) body.append(",").append(extra_fields);
  body.append("}");
  Reply created = call(&create_promotion, http::verb::post, "/api_gateway/v1/promotions", body);
  EXPECT_EQ(created.status, http::status::ok) << created.body;
  return std::string(std::string_view(data(created)["id"]));
}

void CapillaryTest::add_customers(const Caller* caller) {
  const std::string body = "[{\"customerId\":" + std::to_string(kCustomer) +
                           "},{\"customerId\":\"" + std::to_string(kCustomer2) + "\"}]";
  Reply r = call(&upsert_customers, http::verb::post, "/api_gateway/v1/customers/bulk", body, {},
                 caller);
  EXPECT_EQ(r.status, http::status::ok) << r.body;
}

namespace {

// "YYYY-MM-DDTHH:MM:SS" (std::regex trips GCC 12's -Wmaybe-uninitialized under -O2).
bool is_iso_prefix(std::string_view s) {
  static constexpr std::string_view kShape = "dddd-dd-ddTdd:dd:dd";
  if (s.size() < kShape.size()) return false;
  for (std::size_t i = 0; i < kShape.size(); ++i) {
    const bool ok = kShape[i] == 'd' ? std::isdigit(static_cast<unsigned char>(s[i])) != 0
                                     : s[i] == kShape[i];
    if (!ok) return false;
  }
  return true;
}

}  // namespace

bool is_iso_utc(std::string_view s) {
  return is_iso_prefix(s) && s.size() == 20 && s.back() == 'Z';
}

bool is_iso_offset(std::string_view s, std::string_view offset) {
  return is_iso_prefix(s) && s.size() == 25 && s.substr(19) == offset;
}

}  // namespace codeledger::server::capillary::testing
