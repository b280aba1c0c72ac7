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

}  // namespace codeledger::server
