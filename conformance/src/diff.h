// diff.h — comparing two runs of the same cases against two servers (`diff` mode): where their
// observable behaviour (ack success flags, notifications received, outcomes) differs.
#pragma once

#include <string>
#include <vector>

#include "conformance/src/outcome.h"

namespace unm::conformance {

// DiffEntry is one case whose behaviour differs between target A and target B.
struct DiffEntry {
  std::string id;
  Outcome a = Outcome::pass, b = Outcome::pass;
  std::size_t step = 0;  // index of the first differing observation (1-based), 0 if none
  std::string a_observed, b_observed;
  std::string a_reason, b_reason;
};

// compute_diff pairs results by case id (both lists come from the same case list).
std::vector<DiffEntry> compute_diff(const std::vector<CaseResult>& a,
                                    const std::vector<CaseResult>& b);

// diff_text renders the differences for the console.
std::string diff_text(const std::vector<DiffEntry>& d, const std::string& target_a,
                      const std::string& target_b, std::size_t cases);

}  // namespace unm::conformance
