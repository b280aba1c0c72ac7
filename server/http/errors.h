// The one place domain errors become HTTP: status codes and the two dialects' envelopes.
//   Capillary: {"data": null, "errors": [{"code": N, "message": "..."}]}
//   Altcraft:  {"data": null, "error": N, "error_text": "..."} (or XML, see server/altcraft)
#pragma once

#include <string_view>

#include "ledger/status.h"
#include "server/http/handler.h"

namespace codeledger::server {

// HTTP status for a domain error code (400 for validation and business-rule refusals, 404,
// 409, 500, 503 for a sticky storage failure, ...). Documented in docs/api.md.
http::status http_status_for(ErrorCode code);

// Capillary envelope with one error. `code` is the documented numeric code (may equal the
// HTTP status, as 400/401/404/429 do).
Reply capillary_error(http::status status, int code, std::string_view message);
// Same, mapping a domain Status (must not be ok) through http_status_for.
Reply capillary_error(const Status& status);

// Altcraft envelope (routes under /api/v1.1/): {"data":null,"error":N,"error_text":"..."}.
// Altcraft answers with HTTP 200 and the error in the body unless the transport failed, so
// the caller picks the status.
Reply altcraft_error(int error, std::string_view text, http::status status = http::status::ok);

// The envelope for an error raised by the HTTP layer itself (routing, auth, limits): Altcraft
// for paths under /api/v1.1/, Capillary otherwise. The numeric code is the HTTP status.
Reply envelope_error(std::string_view path, http::status status, std::string_view message);

}  // namespace codeledger::server
