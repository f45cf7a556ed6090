// clauses_of.h — the clauses of events.md that govern an event's answer or a notification, so a
// divergence names its evidence (docs/explore.md, "Clauses").
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace unm::conformance::explore {

// clauses_of returns the clauses for a request event or a notification name (empty if unknown).
std::vector<std::string> clauses_of(std::string_view subject);

// result_clauses_of returns the clauses that govern the result of a request both sides
// accepted, where they are narrower than clauses_of (e.g. get_message_history: EV-MSG-016,
// whose order and cap are Open); empty when there is no narrower list.
std::vector<std::string> result_clauses_of(std::string_view event);

}  // namespace unm::conformance::explore
