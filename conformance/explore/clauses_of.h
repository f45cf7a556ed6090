// clauses_of.h — the clauses of events.md that govern an event's answer or a notification, so a
// divergence names its evidence (docs/explore.md, "Clauses").
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace unm::conformance::explore {

// clauses_of returns the clauses for a request event or a notification name (empty if unknown).
std::vector<std::string> clauses_of(std::string_view subject);

}  // namespace unm::conformance::explore
