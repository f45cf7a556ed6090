// error.h — the client library's typed errors.
//
// Every operation of unm::client returns Result<T>: a value, or an Error that says which layer
// failed (the server refused, the server did not answer, the connection broke, a signature or tag
// did not verify, the server sent something the protocol does not allow, or local state such as
// a key file is missing). Callers branch on the code; the detail is for people.
#pragma once

#include <string>
#include <string_view>

#include "reference/common/expected.h"

namespace unm::client {

// ErrorCode classifies a failed client operation.
enum class ErrorCode {
  refused,    // the server acknowledged {"success": false, "result": reason} (detail = reason)
  timeout,    // no acknowledgement within the call timeout
  transport,  // the connection could not be made, or broke
  crypto,     // a key, signature, tree or ciphertext did not verify (CR-…)
  protocol,   // the server's answer violates events.md (malformed result object or value)
  local,      // local state: no key for that DM, unreadable key file, bad argument
};

// error_code_name returns a short stable name of `c` ("refused", "timeout", ...).
std::string_view error_code_name(ErrorCode c);

// Error is an ErrorCode with a human-readable detail.
struct Error {
  ErrorCode code = ErrorCode::local;
  std::string detail;
};

// Result is the return type of every fallible client operation.
template <class T>
using Result = Expected<T, Error>;

// fail builds the error side of a Result.
inline Unexpected<Error> fail(ErrorCode code, std::string detail) {
  return Unexpected<Error>{Error{code, std::move(detail)}};
}

// describe renders `e` as "code: detail" for messages.
std::string describe(const Error& e);

}  // namespace unm::client
