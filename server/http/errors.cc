#include "server/http/errors.h"

#include <string>

#include "server/wire/json_writer.h"

namespace codeledger::server {

http::status http_status_for(ErrorCode code) {
  switch (code) {
    case ErrorCode::kOk:
      return http::status::ok;
    case ErrorCode::kNotFound:
      return http::status::not_found;
    case ErrorCode::kConflict:
      return http::status::conflict;
    case ErrorCode::kInternal:
      return http::status::internal_server_error;
    case ErrorCode::kStorageUnavailable:
      return http::status::service_unavailable;
    // A ledger limit is a refused request, not an oversize HTTP body: the body arrived.
    case ErrorCode::kLimitExceeded:
    case ErrorCode::kInvalidRequest:
    case ErrorCode::kActivePromotionsExceeded:
    case ErrorCode::kPromotionExpired:
    case ErrorCode::kPromotionTypeNotSupported:
    case ErrorCode::kEarnedFromTypeChanged:
    case ErrorCode::kEarnNotSupported:
    case ErrorCode::kEarnedPromotionNotFound:
    case ErrorCode::kEarnedPromotionRedeemed:
    case ErrorCode::kEarnedPromotionRevoked:
    case ErrorCode::kCodeNotAlphanumeric:
    case ErrorCode::kCodeTooShort:
    case ErrorCode::kCodeTooLong:
    case ErrorCode::kCodeNotUppercase:
    case ErrorCode::kInvalidCode:
    case ErrorCode::kCodeExpired:
    case ErrorCode::kCodeAlreadyRedeemed:
    case ErrorCode::kCodeLinkedToAnotherCustomer:
    case ErrorCode::kInvalidCustomer:
    case ErrorCode::kCartEvaluationRequired:
    case ErrorCode::kRedemptionValidationFailed:
      return http::status::bad_request;
    case ErrorCode::kCustomerLookupFailed:
      return http::status::internal_server_error;
  }
  return http::status::internal_server_error;
}

Reply capillary_error(http::status status, int code, std::string_view message) {
  Reply reply;
  reply.status = status;
  reply.body.reserve(64 + message.size());
  reply.body += R"({"data":null,"errors":[{"code":)";
  reply.body += std::to_string(code);
  reply.body += R"(,"message":)";
  wire::append_json_string(reply.body, message);
  reply.body += "}]}";
  return reply;
}

Reply capillary_error(const Status& status) {
  CL_CHECK(!status.ok());
  return capillary_error(http_status_for(status.code()), static_cast<int>(status.code()),
                         status.message());
}

Reply altcraft_error(int error, std::string_view text, http::status status) {
  Reply reply;
  reply.status = status;
  reply.body.reserve(64 + text.size());
  reply.body += R"({"data":null,"error":)";
  reply.body += std::to_string(error);
  reply.body += R"(,"error_text":)";
  wire::append_json_string(reply.body, text);
  reply.body += "}";
  return reply;
}

Reply envelope_error(std::string_view path, http::status status, std::string_view message) {
  const int code = static_cast<int>(status);
  if (path.starts_with("/api/v1.1/")) return altcraft_error(code, message, status);
  return capillary_error(status, code, message);
}

}  // namespace codeledger::server
