// The HTTP status docs/api.md documents for an application error code (the table "HTTP status
// of an error code" under Conventions, Altcraft's "Error numbers", and "Errors of every
// endpoint"). Written out here, not taken from server/http/errors.cc, so a test that checks a
// reply against it checks the code against the document. For a handler's reply: its 413 is a
// named ledger limit (400); the HTTP layer's own 413 (body over the limit) never reaches one.
#pragma once

#include <cstdint>

#include <boost/beast/http/status.hpp>

namespace codeledger::testing {

inline boost::beast::http::status documented_status(std::int64_t code) {
  using boost::beast::http::status;
  switch (code) {
    case 0: return status::ok;
    case 401: return status::unauthorized;
    case 403: return status::forbidden;
    case 404: return status::not_found;
    case 405: return status::method_not_allowed;
    case 409: return status::conflict;
    case 429: return status::too_many_requests;
    case 431: return status::request_header_fields_too_large;
    case 500: return status::internal_server_error;
    case 1007: return status::internal_server_error;  // never returned; api.md names its status
    case 503: return status::service_unavailable;
    // 400, 413 (a ledger limit), 705-707, 713, 714, 729-731, 902-905, 1001-1006, 1008, 1009.
    default: return status::bad_request;
  }
}

}  // namespace codeledger::testing
