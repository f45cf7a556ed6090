// step_notify.cc — notifications: `await`, `none` (this case's notifications since the previous
// step), `order`, and the "closest" candidate of a reason. Part of the engine (case_runner.h).
#include "conformance/src/case_runner.h"

#include <regex>
#include <thread>

#include "conformance/src/closest.h"
#include "conformance/src/matcher.h"

namespace unm::conformance::detail {

// step_start_marks remembers, per actor, where the inbox stood when the previous step began and
// when this one begins: a `none` window counts only what arrived since the previous step (the
// action it checks), never stale notifications from earlier steps.
void CaseRunner::step_start_marks() {
  for (auto& [name, a] : actors_) {
    std::lock_guard<std::mutex> lock(a.inbox->m);
    a.prev_mark = a.this_mark;
    a.this_mark = a.inbox->next_seq;
  }
}

// concerns_case: a notification belongs to this case when it names one of the case's users, or
// names no runner-made user at all (usernames are <actor>-<run id>-<n>); broadcasts about other
// cases' users (e.g. profile_notification, events.md §12 #13) are not this case's evidence.
bool CaseRunner::concerns_case(const std::string& args_json) const {
  for (const auto& [name, id] : identities_) {
    if (args_json.find(id.username) != std::string::npos) return true;
  }
  static const std::regex runner_user(R"([a-z0-9]+-[0-9a-f]{8}-[0-9]+)");
  return !std::regex_search(args_json, runner_user);
}

// take waits for the first unconsumed notification named `name` whose payload matches `m`.
Expected<Notification, StepFailure> CaseRunner::take(ActorRt& a, const std::string& name,
                                                     const JsonValue* m, milliseconds within,
                                                     std::string& last_mismatch) {
  auto deadline = Clock::now() + within;
  std::unique_lock<std::mutex> lock(a.inbox->m);
  for (;;) {
    for (auto it = a.inbox->q.begin(); it != a.inbox->q.end(); ++it) {
      if (it->name != name) continue;
      auto args = parse_json(it->args_json);
      if (!args || !args->IsArray() || args->Size() != 1) {
        StepFailure f;
        f.reason = name + " must carry exactly one argument (EV-TRN-024), got " + it->args_json;
        return Unexpected{std::move(f)};
      }
      if (m != nullptr) {
        MatchResult r = match(*m, (*args)[0]);
        if (!r.ok) {
          last_mismatch = to_json((*args)[0]) + " (" + r.path + ": " + r.message + ")";
          continue;
        }
        for (auto& [k, v] : r.captures) vars_.set_json(k, v);
      }
      Notification n = *it;
      a.inbox->q.erase(it);
      return n;
    }
    if (Clock::now() >= deadline) break;
    a.inbox->cv.wait_until(lock, deadline);
  }
  StepFailure f;
  f.reason = "no matching " + name + " within " + std::to_string(within.count()) + " ms";
  // closest: the best candidate of this case by key set and values, as a compact diff.
  const Notification* best = nullptr;
  int best_score = 0;
  JsonDoc best_payload;
  std::map<std::string, int> unconsumed;
  for (const auto& n : a.inbox->q) {
    if (!concerns_case(n.args_json)) continue;
    ++unconsumed[n.name];
    if (n.name != name || m == nullptr) continue;
    auto args = parse_json(n.args_json);
    if (!args || !args->IsArray() || args->Size() != 1) continue;
    int score = closeness(*m, (*args)[0]);
    if (best == nullptr || score > best_score) {
      best = &n;
      best_score = score;
      best_payload.CopyFrom((*args)[0], best_payload.GetAllocator());
    }
  }
  if (best != nullptr) {
    f.reason += "; closest: " + one_line(compact_diff(*m, best_payload), 160);
  } else if (!unconsumed.empty()) {
    std::string got;
    for (const auto& [n, k] : unconsumed) {
      got += (got.empty() ? "" : ", ") + n + (k > 1 ? " x" + std::to_string(k) : "");
    }
    f.reason += "; received instead: " + one_line(got, 120);
  } else {
    f.reason += "; nothing received";
  }
  (void)last_mismatch;
  return Unexpected{std::move(f)};
}

StepResult CaseRunner::step_match(const Step& st, JsonDoc& m, bool& has) {
  const JsonValue* mt = json_member(*st.body, "match");
  has = mt != nullptr;
  if (!has) return {};
  auto d = subst(*mt);
  if (!d) return Unexpected{d.error()};
  m = std::move(*d);
  return {};
}

StepResult CaseRunner::step_await(const Step& st) {
  ActorRt& a = actor(st.actor);
  JsonDoc m;
  bool has_match = false;
  if (auto r = step_match(st, m, has_match); !r) return r;
  std::string last;
  auto n = take(a, st.name, has_match ? &m : nullptr, step_ms(st, "within_ms", 3000), last);
  if (!n) return Unexpected{n.error()};
  observations_.push_back(a.name + " got " + st.name);
  if (const JsonValue* l = json_member(*st.body, "label"); l != nullptr && l->IsString()) {
    a.labels[sv_str(*l)] = n->seq;
  }
  auto args = parse_json(n->args_json);
  return apply_captures(st, (*args)[0]);
}

// step_none: no matching notification may arrive within the window. The window is a waiting
// limit and scales with --timeout-factor, except a `before_due` window, which proves that a
// timer has not fired yet before its due time: stretching it would run past the due time.
StepResult CaseRunner::step_none(const Step& st) {
  ActorRt& a = actor(st.actor);
  JsonDoc m;
  bool has_match = false;
  if (auto r = step_match(st, m, has_match); !r) return r;
  long long window = json_int_or(*st.body, "window_ms", 500);
  std::this_thread::sleep_for(json_bool_or(*st.body, "before_due", false) ? milliseconds(window)
                                                                          : scaled(window));
  std::lock_guard<std::mutex> lock(a.inbox->m);
  for (const auto& n : a.inbox->q) {
    if (n.seq < a.prev_mark) continue;  // older than the action this window checks
    if (st.name != "*" && n.name != st.name) continue;
    if (!concerns_case(n.args_json)) continue;
    if (has_match) {
      auto args = parse_json(n.args_json);
      if (!args || !args->IsArray() || args->Size() != 1) continue;
      if (!match(m, (*args)[0]).ok) continue;
    }
    observations_.push_back(a.name + " unexpected " + n.name);
    return failed("expected no " + st.name + " within " + std::to_string(window) + " ms, got " +
                  n.name + " " + one_line(n.args_json, 160));
  }
  observations_.push_back(a.name + " none " + st.name);
  return {};
}

StepResult CaseRunner::step_order(const Step& st) {
  ActorRt& a = actor(st.actor);
  const JsonValue& list = (*st.body)["order"];
  std::uint64_t prev = 0;
  std::string prev_label;
  for (const auto& l : list.GetArray()) {
    std::string label = sv_str(l);
    auto it = a.labels.find(label);
    if (it == a.labels.end()) {
      // The labelled await failed earlier (a soft violation already reported): the order
      // cannot be judged. A label no step defines is a scenario error (the loader checks).
      transcript_->add(a.name, '#', "order not judged: no notification labelled " + label);
      return {};
    }
    if (it->second < prev) {
      return failed("notification '" + label + "' arrived before '" + prev_label +
                    "' (EV-TRN-027 order)");
    }
    prev = it->second;
    prev_label = label;
  }
  return {};
}

}  // namespace unm::conformance::detail
