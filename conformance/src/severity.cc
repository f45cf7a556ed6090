// severity.cc — see severity.h.
#include "conformance/src/severity.h"

namespace unm::conformance {

ClauseIndex index_clauses(const std::vector<Clause>& catalogue) {
  ClauseIndex idx;
  for (const Clause& c : catalogue) idx.emplace(c.id, c);
  return idx;
}

const std::vector<std::string>& step_clauses(const Scenario& s, const Step& st) {
  return st.clauses.empty() ? s.clauses : st.clauses;
}

const std::vector<int>& step_deviations(const Scenario& s, const Step& st) {
  return st.deviations.empty() ? s.deviations : st.deviations;
}

Basis step_severity(const Scenario& s, const Step& st, const ClauseIndex* index) {
  if (st.basis_explicit || index == nullptr) return st.basis;
  std::size_t known = 0, open = 0;
  bool hard_must = false;
  for (const std::string& id : step_clauses(s, st)) {
    auto it = index->find(id);
    if (it == index->end()) continue;  // e.g. TR-… (transport.md): not in the catalogue
    ++known;
    if (it->second.open) {
      ++open;
    } else if (it->second.level == Level::must) {
      hard_must = true;
    }
  }
  if (known > 0 && open == known) return Basis::decided;
  if (hard_must) return Basis::document;
  return s.basis;
}

}  // namespace unm::conformance
