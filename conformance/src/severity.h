// severity.h — how bad a failed step is, from the clause catalogue (events.md, crypto.md).
//
// A rule marked Open is a reference choice: violating it can only be `non-strict`. A MUST that is
// not Open is the document's: violating it is `fail`. A step (or a `$decided` matcher) that says
// `"basis": "decided"` is non-strict whatever it cites.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "conformance/src/clauses.h"
#include "conformance/src/scenario.h"

namespace unm::conformance {

// ClauseIndex maps clause ids to catalogue entries.
using ClauseIndex = std::map<std::string, Clause, std::less<>>;
ClauseIndex index_clauses(const std::vector<Clause>& catalogue);

// step_clauses is the evidence of a step: its own clauses, else the case's.
const std::vector<std::string>& step_clauses(const Scenario& s, const Step& st);
// step_deviations is the step's own §12 rows, else the case's.
const std::vector<int>& step_deviations(const Scenario& s, const Step& st);

// step_severity is the basis a violation at `st` is judged by (null index: the step's basis):
//  1. the step's own "basis", when it gives one;
//  2. decided, when every catalogued clause the step cites is Open;
//  3. document, when one of them is a MUST that is not Open;
//  4. otherwise the case's basis.
Basis step_severity(const Scenario& s, const Step& st, const ClauseIndex* index);

}  // namespace unm::conformance
