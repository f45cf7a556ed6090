// diff.cc — see diff.h.
#include "conformance/src/diff.h"

#include <map>
#include <sstream>

namespace unm::conformance {

std::vector<DiffEntry> compute_diff(const std::vector<CaseResult>& a,
                                    const std::vector<CaseResult>& b) {
  std::map<std::string, const CaseResult*> by_id;
  for (const auto& r : b) by_id[r.id] = &r;
  std::vector<DiffEntry> out;
  for (const auto& ra : a) {
    auto it = by_id.find(ra.id);
    if (it == by_id.end()) continue;
    const CaseResult& rb = *it->second;
    DiffEntry d;
    d.id = ra.id;
    d.a = ra.outcome;
    d.b = rb.outcome;
    d.a_reason = ra.reason;
    d.b_reason = rb.reason;
    const auto& oa = ra.run.observations;
    const auto& ob = rb.run.observations;
    std::size_t n = std::max(oa.size(), ob.size());
    for (std::size_t i = 0; i < n; ++i) {
      std::string x = i < oa.size() ? oa[i] : "(nothing)";
      std::string y = i < ob.size() ? ob[i] : "(nothing)";
      if (x != y) {
        d.step = i + 1;
        d.a_observed = x;
        d.b_observed = y;
        break;
      }
    }
    if (d.a != d.b || d.step != 0) out.push_back(std::move(d));
  }
  return out;
}

std::string diff_text(const std::vector<DiffEntry>& d, const std::string& target_a,
                      const std::string& target_b, std::size_t cases) {
  std::ostringstream o;
  o << "Behaviour differences between\n  A = " << target_a << "\n  B = " << target_b << "\n";
  for (const auto& e : d) {
    o << "\n" << e.id << ": A " << outcome_name(e.a) << ", B " << outcome_name(e.b) << "\n";
    if (e.step != 0) {
      o << "  observation " << e.step << ":\n    A: " << e.a_observed << "\n    B: " << e.b_observed
        << "\n";
    }
    if (!e.a_reason.empty()) o << "  A reason: " << e.a_reason << "\n";
    if (!e.b_reason.empty()) o << "  B reason: " << e.b_reason << "\n";
  }
  o << "\n" << d.size() << " of " << cases << " cases differ\n";
  return o.str();
}

}  // namespace unm::conformance
