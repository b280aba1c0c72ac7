#include "fixture.h"

#include "server/http/router.h"
#include "tests/support/documented_status.h"

namespace codeledger::server::altcraft::testing {

std::optional<Caller> FakeTokens::authenticate_token(std::string_view token) const {
  if (token == kTokenA) return Caller{kOrgA, "key-a", 7};
  if (token == kTokenAReadOnly) return Caller{kOrgA, "key-a-ro", 1};
  if (token == kTokenAWrite) return Caller{kOrgA, "key-a-w", 3};
  if (token == kTokenB) return Caller{kOrgB, "key-b", 7};
  return std::nullopt;
}

AltcraftTest::AltcraftTest(ledger::LedgerOptions options, ledger::EventSink* sink)
    : ledger_(std::make_unique<ledger::Ledger>(options, sink)) {}

ledger::Op AltcraftTest::admin_op(ledger::OrgId org) {
  ledger::Op op;
  op.org = org;
  op.api_key = "setup";
  op.now_ms = now_;
  op.dialect = ledger::Dialect::kAdmin;
  return op;
}

void AltcraftTest::SetUp() {
  ledger::OrgSettings a;
  ASSERT_TRUE(ledger_->configure_org(kOrgA, a).ok());
  ledger::OrgSettings b;
  b.time_zone = "Asia/Kolkata";
  ASSERT_TRUE(ledger_->configure_org(kOrgB, b).ok());

  std::vector<ledger::CustomerProfile> profiles_a(2);
  profiles_a[0] = {kCustomer1, "prof-1", "one@example.com", "+79000000001", {{"card", "C-1"}}};
  profiles_a[1] = {kCustomer2, "prof-2", "two@example.com", "+79000000002", {{"card", "C-2"}}};
  ledger::Op op_a = admin_op(kOrgA);
  ASSERT_TRUE(ledger_->upsert_customers(op_a, profiles_a).ok());
  std::vector<ledger::CustomerProfile> profiles_b(1);
  profiles_b[0] = {kCustomer1, "prof-b1", "b1@example.com", "+79000000009", {}};
  ledger::Op op_b = admin_op(kOrgB);
  ASSERT_TRUE(ledger_->upsert_customers(op_b, profiles_b).ok());

  program_ = make_program(kOrgA, {"AAA111", "AAA222", "AAA333"});
  ASSERT_EQ(program_, 1u);
  ASSERT_EQ(make_program(kOrgB, {"BBB111"}), 1u);
}

Reply AltcraftTest::call(Handler h, std::string_view body, const Caller* header_caller,
                         std::string_view authorization, std::string_view target) {
  HttpRequest req{http::verb::post, std::string(target), 11};
  const bool is_xml = !body.empty() && body.find_first_not_of(" \t\r\n") != std::string_view::npos &&
                      body[body.find_first_not_of(" \t\r\n")] == '<';
  req.set(http::field::content_type, is_xml ? "application/xml" : "application/json");
  if (!authorization.empty()) req.set(http::field::authorization, authorization);
  req.body() = std::string(body);
  req.prepare_payload();
  QueryParams query;  // read as the dispatcher reads it
  EXPECT_TRUE(parse_query(split_target(target).query, query)) << target;
  PathParams path;
  const Caller none;
  RequestContext ctx{req, header_caller ? *header_caller : none, query, path, *ledger_, now_,
                     with_tokens_ ? &tokens_ : nullptr};
  return h(ctx);
}

std::string AltcraftTest::json(std::string_view fields, std::string_view token) {
  std::string out = "{";
  if (!token.empty()) out.append("\"token\":\"").append(token).append("\"");
  if (!token.empty() && !fields.empty()) out.append(",");
  out.append(fields).append("}");
  return out;
}

std::string AltcraftTest::xml(std::string_view elements, std::string_view token) {
  std::string out = "<xml>\n";
  if (!token.empty()) out.append("<token>").append(token).append("</token>\n");
  out.append(elements).append("\n</xml>");
  return out;
}

Answer AltcraftTest::answer(const Reply& r) {
  Answer a;
  if (r.content_type.find("xml") != std::string::npos) {
    a.xml = true;
    pugi::xml_document doc;
    EXPECT_TRUE(doc.load_buffer(r.body.data(), r.body.size())) << "reply is not XML: " << r.body;
    const pugi::xml_node root = doc.child("xml");
    EXPECT_TRUE(root) << r.body;
    a.error = root.child("error").text().as_int(-1);
    a.error_text = root.child("error_text").text().as_string();
    EXPECT_EQ(r.status, codeledger::testing::documented_status(a.error)) << r.body;
    return a;
  }
  dom::element root = parse(r);
  std::int64_t e = -1;
  std::string_view text;
  EXPECT_EQ(root["error"].get(e), simdjson::SUCCESS) << r.body;
  EXPECT_EQ(root["error_text"].get(text), simdjson::SUCCESS) << r.body;
  a.error = static_cast<int>(e);
  a.error_text = std::string(text);
  EXPECT_EQ(r.status, codeledger::testing::documented_status(a.error)) << r.body;
  return a;
}

dom::element AltcraftTest::parse(const Reply& r) {
  last_body_ = r.body;
  dom::element root;
  const auto err = parser_.parse(last_body_).get(root);
  EXPECT_EQ(err, simdjson::SUCCESS) << "reply is not JSON: " << r.body;
  return root;
}

pugi::xml_node AltcraftTest::xml_data(const Reply& r) {
  EXPECT_TRUE(xml_doc_.load_buffer(r.body.data(), r.body.size())) << r.body;
  return xml_doc_.child("xml").child("data");
}

std::uint32_t AltcraftTest::make_program(ledger::OrgId org, std::vector<std::string> codes,
                                         std::uint32_t per_code_max, std::string name) {
  ledger::Op op = admin_op(org);
  ledger::PromotionSpec spec;
  spec.name = name.empty() ? "program " + std::to_string(ledger_->list_promotions(op).size() + 1)
                           : name;
  spec.valid_till_ms = kValidTill;
  spec.per_code_redemptions_max = per_code_max;
  auto created = ledger_->create_promotion(op, spec);
  EXPECT_TRUE(created.ok()) << created.status().message();
  for (const std::string& code : codes) {  // one by one: some tests shrink codes_per_call_max
    const std::string one[] = {code};
    auto imported = ledger_->import_codes(op, created->id, one, {});
    EXPECT_TRUE(imported.ok() && imported->rejected.empty()) << code;
  }
  for (std::uint32_t n = 1; n < 1000; ++n) {
    auto p = ledger_->get_promotion_by_number(op, n);
    if (p.ok() && p->id == created->id) return n;
  }
  ADD_FAILURE() << "promotion number not found";
  return 0;
}

void AltcraftTest::extend_program_without_end() {
  ledger::Op op = admin_op(kOrgA);
  ledger::PromotionPatch patch;
  patch.valid_till_ms = ledger::kNoTime;
  auto updated = ledger_->update_promotion(op, program_id(kOrgA, 1), patch);
  ASSERT_TRUE(updated.ok()) << updated.status().message();
  ASSERT_EQ(updated->spec.valid_till_ms, ledger::kNoTime);
}

ledger::ObjectId AltcraftTest::program_id(ledger::OrgId org, std::uint32_t number) {
  ledger::Op op = admin_op(org);
  auto p = ledger_->get_promotion_by_number(op, number);
  EXPECT_TRUE(p.ok());
  return p.ok() ? p->id : ledger::ObjectId{};
}

ledger::CodeView AltcraftTest::code_view(std::string_view code, ledger::OrgId org) {
  ledger::Op op = admin_op(org);
  const std::string codes[] = {std::string(code)};
  auto found = ledger_->get_codes(op, ledger::Mode::kDiscount, codes, false);
  EXPECT_TRUE(found[0].ok()) << found[0].status().message();
  return found[0].ok() ? *found[0] : ledger::CodeView{};
}

void AltcraftTest::link(std::string_view code, ledger::CustomerId customer, ledger::OrgId org) {
  ledger::Op op = admin_op(org);
  ASSERT_TRUE(ledger_->link_code(op, ledger::Mode::kDiscount, code, customer).ok());
}

void AltcraftTest::redeem(std::string_view code, ledger::CustomerId customer, std::string txn) {
  ledger::Op op = admin_op(kOrgA);
  ledger::RedeemRequest req;
  req.customer = customer;
  req.transaction_identifier = std::move(txn);
  ledger::RedemptionItem item;
  item.code = *ledger::CodeKey::make(code);
  req.items.push_back(item);
  ASSERT_TRUE(ledger_->redeem(op, req).ok());
}

}  // namespace codeledger::server::altcraft::testing
