// Request-smuggling screen over the raw request head (start line + fields, up to and
// including the blank line), run before Beast parses it. Beast 1.81 accepts some shapes that
// let a front proxy and this server disagree on where a request ends; we refuse them all and
// close the connection:
//   - any Transfer-Encoding field (we never need chunked request bodies),
//   - more than one Content-Length field, or one whose value is not just digits,
//   - obsolete line folding (a field line starting with a space or tab),
//   - a bare LF or CR inside the head.
#pragma once

#include <cstddef>
#include <string_view>

namespace codeledger::server {

// Empty when the head is acceptable, else the reason (static text). A head that opens with an
// empty line is refused: the session drops up to kLeadingEmptyLinesMax of them first.
std::string_view screen_request_head(std::string_view head);

// RFC 9112 2.2: a server SHOULD ignore at least one empty line (CRLF) before a request line.
// A pipelining client may end a POST body with a stray CRLF, which then opens the next
// request. Bounded, so blank lines cannot hold a connection open.
constexpr std::size_t kLeadingEmptyLinesMax = 4;

// How many whole CRLFs (at most `lines_max`) open `data`.
std::size_t leading_empty_lines(std::string_view data, std::size_t lines_max);

// Offset one past the blank line ending the head ("\r\n\r\n", or a bare "\n\n" for the
// screen to refuse), or 0 if not complete yet.
// `from` lets a caller resume the search where the previous one stopped.
std::size_t find_head_end(std::string_view data, std::size_t from = 0);

}  // namespace codeledger::server
