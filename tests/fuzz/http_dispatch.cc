// Every endpoint of both dialects, in process: arbitrary query strings and bodies (JSON and
// XML, well-formed or not) against the demo ledger, through the same Dispatcher the io
// threads use (routing, query decoding, authentication, scope, handler).
//
// Properties, beyond "no crash, no sanitizer report":
//   - no answer is a 500: handlers report errors as values, and the dispatcher turns an
//     escaped exception into 500, so a 500 here is a bug;
//   - an answer in the 4xx range changed nothing: no event was logged (the ledger's last LSN
//     is unchanged) and, for an input of one request, the ledger's state hash is unchanged
//     too (state changes only through logged events; the hash serialises the whole state,
//     which per request took a third of the fuzzer's time). Bad input gets a clear error and
//     no partial write (docs/api.md);
//   - every XML answer is a well-formed XML 1.0 document: it parses, holds only characters
//     XML 1.0 allows and valid UTF-8, and no character reference (the writer replaces what
//     XML cannot carry with U+FFFD; a reference such as &#1; is refused by XML 1.0 too);
//   - no request reads or changes the other organisation (kOtherOrgId, no key of its own):
//     its counts, its marked code and its marked promotion are unchanged, and no answer
//     shows one of its promotion ids (every view of its promotions or codes carries one) or
//     kOtherOrgMarker (its code, its promotion's name) unless the input carried it: error
//     messages echo their request, and an earlier request may store what a later answer
//     shows (a contextId given as one of its ids was a false alarm before). (An input that spells the marker with JSON or
//     percent escapes would be a false alarm.) Path parameters may name the other
//     organisation's promotions too, so a read by id is covered by the marker.
//
// Input: up to kRequestsPerInputMax requests, separated by kRequestSeparator (four zero
// bytes), run in order against one fresh demo world. A request: byte 0 picks the endpoint,
// byte 1 the path parameters, byte 2 the flags (bit 0: send the demo key's Basic
// credentials; bit 1: Content-Type application/xml); then the query string up to the first
// '\n', then the body.
#include <array>
#include <cstdio>
#include <cstdlib>
#include <iterator>
#include <string>
#include <string_view>

#include <pugixml.hpp>

#include "server/http/crypto.h"
#include "server/wire/xml_text.h"
#include "tests/fuzz/demo_world.h"
#include "tests/fuzz/fuzz_targets.h"

namespace codeledger::fuzz {
namespace {

namespace http = server::http;

// The demo key's Basic credentials, as a Capillary client sends them.
const std::string& demo_basic() {
  static const std::string header =
      server::capillary_basic_header(server::capillary::kDemoKeyName, server::capillary::kDemoPassword);
  return header;
}

// CODELEDGER_FUZZ_VERBOSE=1: each request and the start of its answer on stderr (to see
// what a seed or a kept input does).
bool verbose() {
  static const bool on = std::getenv("CODELEDGER_FUZZ_VERBOSE") != nullptr;
  return on;
}

// The pattern with each `{name}` replaced by a value picked by three bits of `choice`.
std::string fill_pattern(std::string_view pattern, std::uint8_t choice, const DemoWorld& w) {
  const std::array<std::string, 8> values = {w.ids.code_promotion.hex(), w.ids.issuable_promotion.hex(),
                                             "566881933", "DQCV73",
                                             w.other_ids.code_promotion.hex(), w.other_ids.issuable_promotion.hex(),
                                             "566135941", std::string(kOtherOrgMarker) + "1"};
  std::string out;
  for (std::size_t i = 0; i < pattern.size();) {
    if (pattern[i] != '{') {
      out += pattern[i++];
      continue;
    }
    const std::size_t close = pattern.find('}', i);  // the router checked the pattern
    out += values[choice & 7];
    choice >>= 3;
    i = close + 1;
  }
  return out;
}

// An Altcraft answer in XML (docs/api.md, "Answer format"): well-formed XML 1.0, which a
// strict parser reads whole. pugixml alone is lenient (it reads "&#1;" and U+FFFF), so the
// characters are checked against XML 1.0's set as well.
bool well_formed_xml(const std::string& body) {
  pugi::xml_document doc;
  if (!doc.load_buffer(body.data(), body.size(), pugi::parse_default, pugi::encoding_utf8)) return false;
  return body.find("&#") == std::string::npos && server::wire::xml_char_data(body) == body;
}

// `whole` is the input all requests came from: an earlier request may have stored what a later
// answer shows (a contextId, a code), so the leak check skips what the input itself carried.
void dispatch_one(DemoWorld& w, std::string_view input, std::string_view whole, bool check_hash) {
  if (input.size() < 3) return;
  const auto* data = reinterpret_cast<const std::uint8_t*>(input.data());
  const server::Router& router = w.dispatcher.router();
  const server::Endpoint& endpoint = router.endpoint(data[0] % router.size());
  const std::string_view rest = input.substr(3);
  const std::size_t newline = rest.find('\n');
  const std::string_view query = rest.substr(0, newline);
  const std::string_view body = newline == std::string_view::npos ? std::string_view{} : rest.substr(newline + 1);

  std::string target = fill_pattern(endpoint.pattern, data[1], w);
  if (!query.empty()) target.append("?").append(query);
  server::HttpRequest request{endpoint.method, target, 11};
  if (data[2] & 1) request.set(http::field::authorization, demo_basic());
  if (data[2] & 2) request.set(http::field::content_type, "application/xml");
  request.body() = std::string(body);
  request.prepare_payload();

  const OtherOrgState other_before = w.other_org_state();
  const ledger::Lsn lsn_before = w.ledger.last_lsn();
  const std::uint64_t hash_before = check_hash ? w.ledger.state_hash() : 0;
  const server::Reply reply = w.dispatcher.handle(request);
  const unsigned status = static_cast<unsigned>(reply.status);
  if (verbose()) {
    std::fprintf(stderr, "%s %s -> %u %.200s\n", std::string(http::to_string(endpoint.method)).c_str(),
                 target.c_str(), status, reply.body.c_str());
  }
  CL_FUZZ_CHECK(status != 500, "an answer was 500 (a handler threw, or an internal error)");
  if (reply.content_type.find("xml") != std::string_view::npos) {
    CL_FUZZ_CHECK(well_formed_xml(reply.body), "an XML answer is not well-formed XML 1.0");
  }
  CL_FUZZ_CHECK(w.other_org_state() == other_before, "a request changed the other organisation");
  const std::string other_org_marks[] = {w.other_ids.code_promotion.hex(), w.other_ids.issuable_promotion.hex(),
                                   std::string(kOtherOrgMarker)};
  for (const std::string& mark : other_org_marks) {
    if (whole.find(mark) != std::string_view::npos || target.find(mark) != std::string::npos) continue;
    CL_FUZZ_CHECK(reply.body.find(mark) == std::string::npos, "an answer shows the other organisation's data");
  }
  if (status >= 400 && status < 500) {
    CL_FUZZ_CHECK(w.ledger.last_lsn() == lsn_before, "a 4xx answer logged an event");
    CL_FUZZ_CHECK(!check_hash || w.ledger.state_hash() == hash_before, "a 4xx answer changed the ledger");
  }
}

}  // namespace

void http_dispatch_requests(DemoWorld& w, std::string_view input) {
  const std::string_view whole = input;
  const bool one_request = input.find(kRequestSeparator) == std::string_view::npos;
  for (std::size_t n = 0; n < kRequestsPerInputMax; ++n) {
    const std::size_t end = input.find(kRequestSeparator);
    dispatch_one(w, input.substr(0, end), whole, one_request);
    if (end == std::string_view::npos) return;
    input.remove_prefix(end + kRequestSeparator.size());
  }
}

int http_dispatch(const std::uint8_t* data, std::size_t size) {
  DemoWorld w;
  http_dispatch_requests(w, std::string_view(reinterpret_cast<const char*>(data), size));
  return 0;
}

std::vector<std::string> http_dispatch_seeds() { return http_seed_requests(); }

}  // namespace codeledger::fuzz
