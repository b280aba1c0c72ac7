// attach (seed 004) and detach: a code and a profile of the loyalty program.
//
// attach with a code, decided on the code's current state:
//   attached to this profile          -> success, nothing changes (a retried attach)
//   attached to another profile       -> 1005 (a code has one profile; single-use codes are
//                                        what seed 004 calls "multiple use restricted")
//   in another loyalty program        -> 409
//   found unattached                  -> link_code (1001 inactive, 1002 expired, 1004 used)
//   not found                         -> attach_new_code: added to the program and linked in
//                                        one step under the shard lock; when the program is
//                                        inactive or ended, 1001 / 1002 and nothing added
// attach without a code: attach_from_pool, which links one free code under the shard lock,
// so two concurrent attaches never receive the same code; an empty pool is 404.
#include "server/altcraft/call.h"
#include "server/altcraft/handlers.h"

namespace codeledger::server::altcraft {

namespace {

Result<ledger::CodeView> lookup(Call& call, const Program& program, const std::string& code) {
  return call.ledger().get_code(call.op(), program.view.spec.mode, code, false);
}

Status link_found(Call& call, const Program& program, const ledger::CodeView& v,
                  ledger::CustomerId customer) {
  const std::string text(v.code.view());
  if (!(v.promotion_id == program.view.id)) {
    return Status(ErrorCode::kConflict, "promo code '" + text + "' belongs to another loyalty program");
  }
  if (v.customer == customer) return Status::Ok();
  if (v.customer != 0) {
    return Status(ErrorCode::kCodeLinkedToAnotherCustomer,
                  v.redemptions_max == 1
                      ? "promo code '" + text + "' is already attached to a profile and its "
                                                "multiple use is restricted"
                      : "promo code '" + text + "' is already attached to another profile "
                                                "(a code is attached to one profile at a time)");
  }
  auto linked = call.ledger().link_code(call.op(), program.view.spec.mode, text, customer);
  return linked.status();
}

Status attach_code(Call& call, const Program& program, const std::string& code,
                   ledger::CustomerId customer) {
  auto found = lookup(call, program, code);
  if (!found.ok() && found.status().code() == ErrorCode::kInvalidCode) {
    auto attached = call.ledger().attach_new_code(call.op(), program.view.id, code, customer);
    // kConflict: a concurrent attach added it first; it is linked (or refused) as found.
    if (attached.ok() || attached.status().code() != ErrorCode::kConflict) return attached.status();
    found = lookup(call, program, code);
  }
  if (!found.ok()) return found.status();
  return link_found(call, program, *found, customer);
}

Reply attach_from_pool(Call& call, const Program& program, ledger::CustomerId customer) {
  auto linked = call.ledger().attach_from_pool(call.op(), program.view.id, customer);
  if (!linked.ok()) {
    if (linked.status().code() == ErrorCode::kNotFound) {
      return call.fail(Status(ErrorCode::kNotFound, "loyalty program " +
                                                        std::to_string(program.number) +
                                                        " has no free promo code to attach"));
    }
    return call.fail(linked.status());
  }
  // Seed 004 answers data null; from the pool the caller must learn which code it got.
  Value data = Value::object();
  data.add("code", Value::string(std::string(linked->code.view())));
  return call.ok(data);
}

}  // namespace

Reply attach(RequestContext& ctx) {
  Call call(ctx);
  if (auto refused = call.open(Scope::kWrite)) return std::move(*refused);
  if (Status s = check_database(call); !s.ok()) return call.fail(s);
  auto program = loyalty_program(call);
  if (!program.ok()) return call.fail(program.status());
  auto code = code_param(call, Need::kOptional);
  if (!code.ok()) return call.fail(code.status());
  auto customer = match_profile(call);
  if (!customer.ok()) return call.fail(customer.status());
  if (!code->has_value()) return attach_from_pool(call, *program, *customer);
  if (Status s = attach_code(call, *program, **code, *customer); !s.ok()) return call.fail(s);
  return call.ok(Value());
}

// Detaching a code that is not attached succeeds without a change, so a retried detach
// whose first answer was lost does not turn into an error.
Reply detach(RequestContext& ctx) {
  Call call(ctx);
  if (auto refused = call.open(Scope::kWrite)) return std::move(*refused);
  if (Status s = check_database(call); !s.ok()) return call.fail(s);
  auto program = loyalty_program(call);
  if (!program.ok()) return call.fail(program.status());
  auto code = code_param(call, Need::kRequired);
  if (!code.ok()) return call.fail(code.status());
  auto customer = match_profile(call);
  if (!customer.ok()) return call.fail(customer.status());
  auto v = code_in_program(call, *program, **code);
  if (!v.ok()) return call.fail(v.status());
  if (v->customer == 0) return call.ok(Value());
  if (v->customer != *customer) {
    return call.fail(Status(ErrorCode::kCodeLinkedToAnotherCustomer,
                            "promo code '" + **code + "' is attached to another profile"));
  }
  auto unlinked =
      call.ledger().unlink_code(call.op(), program->view.spec.mode, **code, *customer);
  if (!unlinked.ok()) return call.fail(unlinked.status());
  return call.ok(Value());
}

}  // namespace codeledger::server::altcraft
