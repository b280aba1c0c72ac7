// Beast's response parser without the header fields: the load generator reads an answer's
// status, body and keep-alive, and nothing else. Beast would store every field in the
// message (a heap node each) and free them all with the parser; codeledgerd's answers carry
// six fields. Keep-alive comes from the parser's own reading of Connection
// (AnswerParser::keep_alive()), framing from its reading of Content-Length and
// Transfer-Encoding, neither of which needs the stored fields (as server/http/request_parser.h
// does for requests). callgrind, ledger-load against codeledgerd none, link: 14,200 -> 11,600
// client instructions a request (docs/benchmarks-history.md, session 24).
#pragma once

#include <boost/beast/http/field.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

namespace codeledger::bench {

class AnswerParser final
    : public boost::beast::http::response_parser<boost::beast::http::string_body> {
 private:
  // Overrides Beast's (private) hook, which inserts every field.
  void on_field_impl(boost::beast::http::field, boost::beast::string_view, boost::beast::string_view,
                     boost::beast::error_code& ec) override {
    ec = {};
  }
};

}  // namespace codeledger::bench
