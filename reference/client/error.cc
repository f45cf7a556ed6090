#include "reference/client/error.h"

namespace unm::client {

std::string_view error_code_name(ErrorCode c) {
  switch (c) {
    case ErrorCode::refused:
      return "refused";
    case ErrorCode::timeout:
      return "timeout";
    case ErrorCode::transport:
      return "transport";
    case ErrorCode::crypto:
      return "crypto";
    case ErrorCode::protocol:
      return "protocol";
    case ErrorCode::local:
      return "local";
  }
  return "error";
}

std::string describe(const Error& e) {
  std::string out(error_code_name(e.code));
  if (!e.detail.empty()) out += ": " + e.detail;
  return out;
}

}  // namespace unm::client
