// Beast's request parser, keeping only the header fields this server reads.
//
// Beast stores every field of a request in the message (a heap node each, linked into a
// list and a search tree), and frees them all again with the parser. The server reads two:
// Authorization (dispatcher.cc, altcraft/call.cc) and Connection (keep_alive()). Framing is
// not affected: the parser reads Content-Length, Transfer-Encoding and Connection itself
// before a field reaches on_field_impl, and head_screen.h has screened the head already.
// ledger-load's requests carry five fields: callgrind, codeledgerd none, link, about 1,900
// fewer instructions a request with three of them dropped (docs/benchmarks-history.md, session 23).
// A browser or an SDK sends more, and saves more.
//
// A handler that needs another field must add it to kept_field.
//
// The target and the kept fields come from the session's arena (Session::arena_), released
// whole before the next request's parser: with the heap they were two allocations a
// request (callgrind, docs/benchmarks-history.md, session 29).
#pragma once

#include <boost/beast/http/field.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

#include <memory_resource>

#include "server/http/handler.h"

namespace codeledger::server {

// The fields a request keeps (every other is parsed, checked and dropped).
constexpr bool kept_field(boost::beast::http::field name) {
  using boost::beast::http::field;
  return name == field::authorization || name == field::connection;
}

class RequestParser final
    : public boost::beast::http::parser<true, boost::beast::http::string_body, FieldsAllocator> {
 public:
  // The target and kept fields are allocated from `arena`, which must outlive the parser.
  explicit RequestParser(std::pmr::memory_resource* arena)
      : parser(boost::beast::http::request_header<RequestFields>(FieldsAllocator(arena))) {}
  // Without an arena (tests, fuzzing): the heap.
  RequestParser() : RequestParser(std::pmr::get_default_resource()) {}

 private:
  // Overrides Beast's (private) hook, which inserts every field.
  void on_field_impl(boost::beast::http::field name, boost::beast::string_view name_string,
                     boost::beast::string_view value, boost::beast::error_code& ec) override {
    ec = {};
    if (kept_field(name)) get().insert(name, name_string, value);
  }
};

}  // namespace codeledger::server
