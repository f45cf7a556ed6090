// reasons.h — failure reason classes of events.md Table 3 and the typed failure that every
// handler returns instead of throwing.
#pragma once

#include <string>
#include <string_view>

namespace unm::protocol {

// Reason is a failure class of events.md Table 3 (§1.6).
enum class Reason {
  format,      // R-FORMAT: shape, key set, JSON type, limits
  malformed,   // R-MALFORMED: bad hex, invalid point, failed signature, bad timestamp
  notlogged,   // R-NOTLOGGED
  loggedin,    // R-LOGGEDIN
  locked,      // R-LOCKED
  nouser,      // R-NOUSER
  taken,       // R-TAKEN
  nochal,      // R-NOCHAL
  badresp,     // R-BADRESP
  dmaccess,    // R-DMACCESS
  msgaccess,   // R-MSGACCESS
  rctaccess,   // R-RCTACCESS
  notfriends,  // R-NOTFRIENDS
  relation,    // R-RELATION (text given per clause)
  state,       // R-STATE (text given per clause)
  unknown,     // R-UNKNOWN
  internal,    // R-INTERNAL
};

// reason_name returns the stable class name of `r` ("R-FORMAT", ...).
std::string_view reason_name(Reason r) noexcept;

// reason_text returns the reference text of `r` (Table 3); R-RELATION and R-STATE have a generic
// text here, their clauses give specific ones.
std::string_view reason_text(Reason r) noexcept;

// Failure is a failed request: its class and the human-readable text sent as `result`
// (EV-TRN-006: never empty).
struct Failure {
  Reason reason;
  std::string text;
};

// fail builds a Failure with the reference text of `r`.
inline Failure fail(Reason r) {
  return Failure{r, std::string(reason_text(r))};
}
// fail builds a Failure with a clause-specific text.
inline Failure fail(Reason r, std::string_view text) {
  return Failure{r, std::string(text)};
}

}  // namespace unm::protocol
