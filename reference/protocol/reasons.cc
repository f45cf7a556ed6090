#include "reference/protocol/reasons.h"

namespace unm::protocol {

std::string_view reason_name(Reason r) noexcept {
  switch (r) {
    case Reason::format:
      return "R-FORMAT";
    case Reason::malformed:
      return "R-MALFORMED";
    case Reason::notlogged:
      return "R-NOTLOGGED";
    case Reason::loggedin:
      return "R-LOGGEDIN";
    case Reason::locked:
      return "R-LOCKED";
    case Reason::nouser:
      return "R-NOUSER";
    case Reason::taken:
      return "R-TAKEN";
    case Reason::nochal:
      return "R-NOCHAL";
    case Reason::badresp:
      return "R-BADRESP";
    case Reason::dmaccess:
      return "R-DMACCESS";
    case Reason::msgaccess:
      return "R-MSGACCESS";
    case Reason::rctaccess:
      return "R-RCTACCESS";
    case Reason::notfriends:
      return "R-NOTFRIENDS";
    case Reason::relation:
      return "R-RELATION";
    case Reason::state:
      return "R-STATE";
    case Reason::unknown:
      return "R-UNKNOWN";
    case Reason::internal:
      return "R-INTERNAL";
  }
  return "R-INTERNAL";
}

std::string_view reason_text(Reason r) noexcept {
  switch (r) {
    case Reason::format:
      return "Invalid data format.";
    case Reason::malformed:
      return "Malformed data.";
    case Reason::notlogged:
      return "Not logged in.";
    case Reason::loggedin:
      return "Already logged in.";
    case Reason::locked:
      return "You have been locked out for 60 seconds.";
    case Reason::nouser:
      return "User does not exist.";
    case Reason::taken:
      return "Username already exists.";
    case Reason::nochal:
      return "Not expecting a challenge response right now.";
    case Reason::badresp:
      return "Incorrect response.";
    case Reason::dmaccess:
      return "You do not have access to that DM.";
    case Reason::msgaccess:
      return "You do not have access to that message.";
    case Reason::rctaccess:
      return "You do not have access to that reaction.";
    case Reason::notfriends:
      return "You need to be friends to send messages here.";
    case Reason::relation:
      return "That relation does not allow this.";
    case Reason::state:
      return "That is not possible right now.";
    case Reason::unknown:
      return "Unknown event.";
    case Reason::internal:
      return "Internal server error.";
  }
  return "Internal server error.";
}

}  // namespace unm::protocol
