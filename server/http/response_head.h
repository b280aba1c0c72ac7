// The status line and header block of an answer, written straight into a reused string.
//
// Why not Beast's serializer: every answer used to go through an http::response (one heap
// node per header field, freed again on clear()) and Beast's generic buffer-sequence
// serializer. Profiled on the io thread at ~33k redeems/s, that path (field nodes, the
// serializer's buffers_cat_view iteration, on_handled) was about 8% of the thread's time
// for a head of six known fields (docs/benchmarks-history.md, session 9). Beast still parses every
// request; answers are the only thing written here.
#pragma once

#include <string>
#include <string_view>

#include "server/http/handler.h"

namespace codeledger::server {

// Appends "HTTP/1.1 <code> <reason>", Server, Date, Content-Type, the reply's own headers,
// its RateLimit-Policy and RateLimit (Reply::rate),
// Content-Length (not for 1xx, 204 and 304, which carry no body) and "Connection: close"
// when keep_alive is false, then the blank line. A header whose name or value holds a CR,
// LF or NUL is left out (a handler bug must not split the answer).
// `announce_keep_alive`: the client is HTTP/1.0, which takes an answer as ending at the close
// unless it says "Connection: keep-alive" (RFC 9112 9.3 and Appendix C.2.2); written when
// the connection stays open. HTTP/1.1 persists by default and needs no field.
void append_response_head(std::string& out, const Reply& reply, std::string_view date,
                          bool keep_alive, bool announce_keep_alive = false);

// Whether an answer with this status carries a body (RFC 9110: not 1xx, 204, 304).
bool status_has_body(http::status status);

}  // namespace codeledger::server
