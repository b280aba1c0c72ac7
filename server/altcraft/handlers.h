// Every Altcraft promocodes handler (POST /api/v1.1/promocodes/<method>), grouped by the file
// that defines it. Each is a free function from a request to a Reply (server/http/handler.h),
// testable without sockets. docs/api.md ("Altcraft promocodes API") documents them.
#pragma once

#include "server/http/handler.h"

namespace codeledger::server::altcraft {

// attach.cc: a code and a profile.
Reply attach(RequestContext& ctx);      // seed 004: with a code, or one free code of the pool
Reply detach(RequestContext& ctx);

// codes.cc: one code of a loyalty program.
Reply get_code(RequestContext& ctx);    // "get"
Reply activate(RequestContext& ctx);    // redeems an attached code
Reply update(RequestContext& ctx);      // expire_date and/or activated (the code's active flag)

// pool.cc: the loyalty program's codes in bulk.
Reply import_codes(RequestContext& ctx);
Reply export_all(RequestContext& ctx);

}  // namespace codeledger::server::altcraft
