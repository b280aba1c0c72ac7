// Beast's request parser, keeping only the header fields this server reads.
//
// Beast stores every field of a request in the message (a heap node each, linked into a
// list and a search tree), and frees them all again with the parser. The server reads two:
// Authorization (dispatcher.cc, altcraft/call.cc) and Connection (the message's keep_alive();
// the session itself asks connection_persists(), below). Framing is not affected: the parser
// reads Content-Length, Transfer-Encoding and Connection itself before a field reaches
// on_field_impl, and head_screen.h has screened the head already.
// ledger-load's requests carry five fields: callgrind, codeledgerd none, link, about 1,900
// fewer instructions a request with three of them dropped (docs/benchmarks-history.md, session 23).
// A browser or an SDK sends more, and saves more.
//
// A handler that needs another field must add it to kept_field.
//
// The parser also notes what the session needs to frame the exchange, each O(1) per field:
// whether any Connection field says `close` (connection_persists), the Expect field
// (expectation), and it reduces an absolute-form target to origin form (on_request_impl),
// noting userinfo in it (target_had_userinfo).
//
// The target and the kept fields come from the session's arena (Session::arena_), released
// whole before the next request's parser: with the heap they were two allocations a
// request (callgrind, docs/benchmarks-history.md, session 29).
#pragma once

#include <boost/beast/core/string.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/rfc7230.hpp>
#include <boost/beast/http/string_body.hpp>

#include <cstdint>
#include <memory_resource>
#include <optional>
#include <string>
#include <string_view>

#include "server/http/handler.h"

namespace codeledger::server {

// The fields a request keeps (every other is parsed, checked and dropped).
constexpr bool kept_field(boost::beast::http::field name) {
  using boost::beast::http::field;
  return name == field::authorization || name == field::connection;
}

// The path and query of an absolute-form target ("http://host:port/p?q" -> "/p?q"; RFC 9112
// 3.2.2: a server MUST accept the absolute form), empty or starting with '?' when the target
// has no path. nullopt when the target is not an http or https absolute form.
inline std::optional<std::string_view> absolute_form_rest(std::string_view target) {
  std::size_t authority = 0;
  if (target.size() >= 7 && boost::beast::iequals(target.substr(0, 7), "http://")) {
    authority = 7;
  } else if (target.size() >= 8 && boost::beast::iequals(target.substr(0, 8), "https://")) {
    authority = 8;
  } else {
    return std::nullopt;
  }
  const std::size_t rest = target.find_first_of("/?", authority);
  return rest == std::string_view::npos ? std::string_view{} : target.substr(rest);
}

// Whether an http(s) absolute-form target's authority holds userinfo ("http://u:p@h/"): RFC
// 9110 4.2.4 says to treat such a target as an error (a password in a URI is a leak, and a
// proxy may read the host differently).
inline bool absolute_form_has_userinfo(std::string_view target) {
  const std::optional<std::string_view> rest = absolute_form_rest(target);
  if (!rest) return false;
  const std::string_view before_path = target.substr(0, target.size() - rest->size());
  return before_path.find('@') != std::string_view::npos;
}

// What the request's Expect field asks (RFC 9110 10.1.1).
enum class Expectation : std::uint8_t { kNone, kContinue, kUnknown };

class RequestParser final
    : public boost::beast::http::parser<true, boost::beast::http::string_body, FieldsAllocator> {
 public:
  // The target and kept fields are allocated from `arena`, which must outlive the parser.
  explicit RequestParser(std::pmr::memory_resource* arena)
      : parser(boost::beast::http::request_header<RequestFields>(FieldsAllocator(arena))) {}
  // Without an arena (tests, fuzzing): the heap.
  RequestParser() : RequestParser(std::pmr::get_default_resource()) {}

  // Whether the connection may stay open after the answer; only once the header is parsed.
  // Not the message's keep_alive(): that reads only the first Connection field, so
  // "keep-alive" then a second field's "close" kept the connection open. A `close` token in
  // any Connection field closes it (RFC 9110 7.6.1); Beast's own flags cover the rest
  // (HTTP/1.0 needs keep-alive), but let an HTTP/1.0 keep-alive outweigh a close.
  bool connection_persists() const { return !close_requested_ && keep_alive(); }
  Expectation expectation() const { return expectation_; }
  // The start line's target was an absolute form with userinfo (the session refuses it).
  bool target_had_userinfo() const { return target_had_userinfo_; }

 private:
  // Overrides Beast's (private) hook, which inserts every field.
  void on_field_impl(boost::beast::http::field name, boost::beast::string_view name_string,
                     boost::beast::string_view value, boost::beast::error_code& ec) override {
    using boost::beast::http::field;
    ec = {};
    if (name == field::expect) note_expectation(value);
    if (!kept_field(name)) return;
    if (name == field::connection && boost::beast::http::token_list{value}.exists("close")) {
      close_requested_ = true;
    }
    get().insert(name, name_string, value);
  }

  // Overrides Beast's (private) hook, which stores the start line as it came. Beast's also
  // refuses a second message through the same parser; the session makes a parser per request.
  void on_request_impl(boost::beast::http::verb method, boost::beast::string_view method_str,
                       boost::beast::string_view target, int version,
                       boost::beast::error_code& ec) override {
    ec = {};
    auto& request = get();
    set_target(target);
    if (method != boost::beast::http::verb::unknown) {
      request.method(method);
    } else {
      request.method_string(method_str);
    }
    request.version(version);
  }

  // An absolute-form target is routed by its path and query; the authority is dropped, as
  // Host is (this server serves one origin).
  void set_target(std::string_view target) {
    const std::optional<std::string_view> rest =
        target.starts_with('/') ? std::nullopt : absolute_form_rest(target);
    if (!rest) return get().target(target);
    target_had_userinfo_ = absolute_form_has_userinfo(target);
    if (rest->starts_with('/')) return get().target(*rest);
    get().target("/" + std::string(*rest));  // "http://h" or "http://h?q": rare, may allocate
  }

  // 100-continue (any case) is the one expectation defined; more than one Expect field is
  // fine if each says 100-continue.
  void note_expectation(std::string_view value) {
    const bool is_continue = boost::beast::iequals(value, "100-continue");
    if (!is_continue) {
      expectation_ = Expectation::kUnknown;
    } else if (expectation_ == Expectation::kNone) {
      expectation_ = Expectation::kContinue;
    }
  }

  bool close_requested_ = false;
  bool target_had_userinfo_ = false;
  Expectation expectation_ = Expectation::kNone;
};

}  // namespace codeledger::server
