// explorer.cc — see explorer.h.
#include "conformance/explore/explorer.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <set>
#include <thread>

#include "conformance/explore/clauses_of.h"
#include "conformance/explore/normalize.h"
#include "conformance/src/closest.h"
#include "reference/common/hex.h"
#include "reference/crypto/keys.h"
#include "reference/crypto/random.h"
#include "reference/crypto/sign.h"

namespace unm::conformance::explore {

std::string_view divergence_kind_name(DivergenceKind k) {
  switch (k) {
    case DivergenceKind::ack:
      return "ack";
    case DivergenceKind::missing_note:
      return "missing-notification";
    case DivergenceKind::extra_note:
      return "extra-notification";
    case DivergenceKind::note_order:
      return "notification-order";
    case DivergenceKind::unreachable:
      return "unreachable";
  }
  return "?";
}

std::string Divergence::signature() const {
  return "explore." + (op.empty() ? std::string("step") : op) + "." + subject + "." +
         std::string(divergence_kind_name(kind));
}

std::string Divergence::summary() const {
  std::string who = conn >= 0 ? "u" + std::to_string(conn / 2) + (conn % 2 ? "#1" : "") : "";
  std::string s = std::string(divergence_kind_name(kind)) + " " + subject;
  if (!who.empty()) s += " at " + who;
  s += " (step " + std::to_string(step + 1) + "): ";
  if (!diff.empty()) return s + diff;
  return s + "expected " + (expected.empty() ? "nothing" : one_line(expected, 200)) + ", got " +
         (actual.empty() ? "nothing" : one_line(actual, 200));
}

namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

void sleep_until_wall(Micros t) {
  const Micros now = wall_now();
  if (t > now) std::this_thread::sleep_for(std::chrono::microseconds(t - now));
}

// Sequence — the state of one sequence being played.
struct Sequence {
  const ExploreOptions& o;
  Side& target;
  std::unique_ptr<Side> oracle;
  Registry reg;
  SideState st_target, st_oracle;
  Model model;
  Stats* stats;
  crypto::DeterministicRandom rng;
  SequenceRun run;
  // tolerate tells whether a notification divergence is a known one (expectations, or a
  // finding already made) that the sequence may go past.
  std::function<bool(const Divergence&)> tolerate;
  Micros slowest = 0;  // the longest an operation's requests took on the target (µs)

  // guard is how far ahead of a due timer no operation may start.
  Micros guard() const { return std::max<Micros>(1'000'000, 3 * slowest); }

  Sequence(const ExploreOptions& opt, Side& t, std::unique_ptr<Side> orc, std::uint64_t seed,
           Stats* s)
      : o(opt), target(t), oracle(std::move(orc)), stats(s), rng(seed) {}

  std::vector<int> open_conns() const {
    std::vector<int> v;
    for (int c = 0; c < model.users * 2; ++c) {
      if (oracle->is_open(c)) v.push_back(c);
    }
    return v;
  }

  void cover(const std::string& key) {
    if (stats) stats->coverage[key] += 1;
  }

  // collect gathers the target's notifications of `conn` until `want` of this run's arrived or
  // the deadline passed, then whatever else is already there.
  std::vector<Note> collect(int conn, std::size_t want, Clock::time_point deadline) {
    std::vector<Note> got;
    auto add = [&] {
      for (auto& n : target.take(conn)) {
        if (concerns_run(n, reg)) got.push_back(std::move(n));
      }
    };
    add();
    while (got.size() < want) {
      const auto now = Clock::now();
      if (now >= deadline) break;
      target.wait_for(conn, 1, std::chrono::duration_cast<milliseconds>(deadline - now));
      add();
    }
    return got;
  }

  // compare_notes fills the step's notifications and returns the first difference.
  // compare_notes compares the notifications of step `step`, waiting up to `wait` for the
  // target's; with `cap`, never past the oracle's next due time (operation steps).
  std::optional<Divergence> compare_notes(StepTrace& s, std::size_t step, milliseconds wait,
                                          bool cap = true) {
    std::map<int, std::vector<Note>> expected;
    for (int c : open_conns()) expected[c] = oracle->take(c);
    auto deadline = Clock::now() + wait;
    // Never wait past the oracle's next due time: what the target sends then belongs to the
    // timer step, not to this one (a slow or missing notification must not swallow a timer).
    if (auto due = cap ? oracle->next_timer() : std::nullopt) {
      const Micros left = *due - wall_now() - 100'000;
      const auto limit = Clock::now() + std::chrono::microseconds(std::max<Micros>(left, 0));
      if (limit < deadline) deadline = limit;
    }
    std::optional<Divergence> first;
    for (int c : open_conns()) {
      auto& want = expected[c];
      std::vector<Note> got =
          target.is_open(c) ? collect(c, want.size(), deadline) : std::vector<Note>{};
      auto& ocanon = s.oracle_notes[c];
      auto& tcanon = s.target_notes[c];
      for (const auto& n : want) ocanon.push_back(canon_note(n, st_oracle, reg));
      for (const auto& n : got) tcanon.push_back(canon_note(n, st_target, reg));
      for (const auto& n : want) cover(n.name + "|received");
      if (stats) stats->notes += static_cast<long long>(want.size());
      if (first) continue;
      for (Divergence& d : diff_notes(c, step, want, got, ocanon, tcanon)) {
        finish(d);
        // Known deviations of notifications change no state: count them and go on.
        if (tolerate && tolerate(d)) {
          if (stats) stats->known[d.signature()] += 1;
          continue;
        }
        first = std::move(d);
        break;
      }
    }
    return first;
  }

  // note_divergence starts a notification divergence of `kind` at connection `c`.
  static Divergence& note_divergence(std::vector<Divergence>& all, DivergenceKind kind,
                                     std::size_t step, int c, const std::string& subject) {
    Divergence& d = all.emplace_back();
    d.kind = kind;
    d.step = step;
    d.conn = c;
    d.subject = subject;
    return d;
  }

  static std::vector<Divergence> diff_notes(int c, std::size_t step, const std::vector<Note>& want,
                                            const std::vector<Note>& got,
                                            const std::vector<std::string>& oc,
                                            const std::vector<std::string>& tc) {
    // Multiset difference first: missing and extra notifications.
    std::vector<Divergence> all;
    std::vector<std::size_t> used(tc.size(), 0);
    for (std::size_t i = 0; i < oc.size(); ++i) {
      bool found = false;
      for (std::size_t j = 0; j < tc.size(); ++j) {
        if (!used[j] && tc[j] == oc[i]) {
          used[j] = 1;
          found = true;
          break;
        }
      }
      if (!found) {
        Divergence& d = note_divergence(all, DivergenceKind::missing_note, step, c, want[i].name);
        d.expected = oc[i];
        // The closest candidate: a notification of the same name the target sent instead.
        for (std::size_t j = 0; j < tc.size(); ++j) {
          if (!used[j] && j < got.size() && got[j].name == want[i].name) d.actual = tc[j];
        }
      }
    }
    for (std::size_t j = 0; j < tc.size(); ++j) {
      if (!used[j]) {
        // A target notification offered as the closest candidate of a missing one is part of
        // that difference, not an extra one.
        bool candidate = false;
        for (const auto& m : all)
          candidate = candidate || (m.actual == tc[j] && m.subject == got[j].name);
        if (candidate) continue;
        note_divergence(all, DivergenceKind::extra_note, step, c, got[j].name).actual = tc[j];
      }
    }
    if (!all.empty()) return all;
    // Same multiset: notifications of one name keep their order (EV-TRN-027: pending X3DH
    // objects oldest first EV-DM-014, timers in due order EV-MSG-012); across names the order
    // of one change is Open and not compared.
    std::map<std::string, std::vector<std::string>> by_name_o, by_name_t;
    for (std::size_t i = 0; i < oc.size(); ++i) by_name_o[want[i].name].push_back(oc[i]);
    for (std::size_t j = 0; j < tc.size(); ++j) by_name_t[got[j].name].push_back(tc[j]);
    for (const auto& [name, seq] : by_name_o) {
      if (by_name_t[name] != seq) {
        Divergence& d = note_divergence(all, DivergenceKind::note_order, step, c, name);
        for (const auto& x : seq) d.expected += (d.expected.empty() ? "" : " then ") + x;
        for (const auto& x : by_name_t[name]) d.actual += (d.actual.empty() ? "" : " then ") + x;
      }
    }
    return all;
  }

  static std::optional<Divergence> diff_exchanges(std::size_t step, const std::vector<Exchange>& o,
                                                  const std::vector<Exchange>& t) {
    const std::size_t n = std::max(o.size(), t.size());
    for (std::size_t i = 0; i < n; ++i) {
      const Exchange* a = i < o.size() ? &o[i] : nullptr;
      const Exchange* b = i < t.size() ? &t[i] : nullptr;
      if (a && b && a->event == b->event && a->canon == b->canon) continue;
      Divergence d;
      d.kind = DivergenceKind::ack;
      d.step = step;
      d.conn = a ? a->conn : b->conn;
      d.subject = a ? a->event : b->event;
      d.expected = a ? a->canon : "(no request)";
      d.actual = b ? b->canon : "(no request)";
      return d;
    }
    return std::nullopt;
  }

  // label names a canonical notification by its id (or its payload) for order diffs.
  static std::string label(const std::string& canon) {
    auto d = parse_json(canon);
    if (!d || !d->IsObject()) return one_line(canon, 40);
    const JsonValue* p = json_member(*d, "payload");
    if (p != nullptr && p->IsObject()) {
      if (const JsonValue* id = json_member(*p, "id")) return to_json(*id);
    }
    return p != nullptr ? one_line(to_json(*p), 40) : one_line(canon, 40);
  }

  static std::string order_diff(const std::string& expected, const std::string& actual) {
    auto labels = [](const std::string& seq) {
      std::string out;
      std::size_t i = 0;
      while (i <= seq.size()) {
        std::size_t j = seq.find(" then ", i);
        if (j == std::string::npos) j = seq.size();
        if (!out.empty()) out += ", ";
        out += label(seq.substr(i, j - i));
        i = j + 6;
      }
      return out;
    };
    return "order " + labels(expected) + " expected, got " + labels(actual);
  }

  void finish(Divergence& d) {
    if (d.step == static_cast<std::size_t>(-1)) {
      d.op = "register";
    } else if (d.step < run.steps.size()) {
      d.op =
          run.steps[d.step].timer ? "timer" : std::string(op_kind_name(run.steps[d.step].op.kind));
    }
    d.clauses = clauses_of(d.subject);
    // Both accepted and the results differ: the clauses of the result, not of the checks.
    if (d.kind == DivergenceKind::ack && d.expected.rfind("{\"success\":true", 0) == 0 &&
        d.actual.rfind("{\"success\":true", 0) == 0) {
      if (auto r = result_clauses_of(d.subject); !r.empty()) d.clauses = r;
    }
    if (d.kind == DivergenceKind::note_order) {
      d.diff = order_diff(d.expected, d.actual);
    } else if (!d.expected.empty() && !d.actual.empty()) {
      auto e = parse_json(d.expected);
      auto a = parse_json(d.actual);
      if (e && a) d.diff = one_line(compact_diff(*e, *a), 300);
    } else if (d.kind == DivergenceKind::missing_note) {
      d.diff = "no " + d.subject + " (expected " + one_line(d.expected, 200) + ")";
    } else if (d.kind == DivergenceKind::extra_note) {
      d.diff = "unexpected " + one_line(d.actual, 200);
    }
    if (d.kind == DivergenceKind::note_order) d.strict = true;
    if (o.strict_of) d.strict = o.strict_of(d.clauses);
    // Orders the document leaves Open: message lists (EV-MSG-016/018) are compared in order,
    // but a list that holds the same messages in another order is non-strict.
    if (d.kind == DivergenceKind::ack &&
        (d.subject == "get_message_history" || d.subject == "get_pinned")) {
      auto sorted_of = [](std::string s) {
        std::sort(s.begin(), s.end());
        return s;
      };
      if (sorted_of(d.expected) == sorted_of(d.actual)) d.strict = false;
      // EV-MSG-018's Open note is about the order; "without a cap" is not Open: a get_pinned
      // that holds a different number of messages is a `fail`.
      if (d.subject == "get_pinned") {
        auto e = parse_json(d.expected);
        auto a = parse_json(d.actual);
        const JsonValue* er = e ? json_member(*e, "result") : nullptr;
        const JsonValue* ar = a ? json_member(*a, "result") : nullptr;
        if (er && ar && er->IsArray() && ar->IsArray() && er->Size() != ar->Size()) {
          d.strict = true;
        }
      }
    }
    // EV-MSG-024: a message_notification on set_message is reported as non-strict.
    if (d.kind == DivergenceKind::extra_note && d.subject == "message_notification" &&
        d.step < run.steps.size() && !run.steps[d.step].timer &&
        (run.steps[d.step].op.kind == OpKind::edit || run.steps[d.step].op.kind == OpKind::pin)) {
      d.strict = false;
    }
  }

  bool setup(const std::string& tag, const std::set<int>& users) {
    reg.users.resize(static_cast<std::size_t>(model.users));
    for (int u = 0; u < model.users; ++u) {
      UserKeys& k = reg.users[static_cast<std::size_t>(u)];
      k = make_user_keys(tag + "u" + std::to_string(u), rng);
      reg.name_user[k.name] = u;
    }
    model.online.assign(static_cast<std::size_t>(model.users), {false, false});
    // Registration (EV-AUTH-003…006) on a connection of its own, compared like any step.
    StepTrace s;
    s.started = wall_now();
    for (int u : users) {
      const UserKeys& k = reg.users[static_cast<std::size_t>(u)];
      const std::string payload = "{\"username\":" + json_escape(k.name) + ",\"public_key\":\"" +
                                  k.ik_pub + "\",\"spk\":\"" + k.spk_pub + "\",\"sig\":\"" + k.sig +
                                  "\",\"own_storage\":\"\"}";
      const int c = conn_of(u, 0);
      std::string why;
      if (!target.open(c, why)) {
        run.harness_error = why;
        return false;
      }
      oracle->open(c, why);
      Exchange xt, xo;
      xt.conn = xo.conn = c;
      xt.event = xo.event = "register";
      xt.payload = xo.payload = payload;
      xt.at = wall_now();
      Ack at = target.call(c, "register", payload, xt.at);
      Ack ao = oracle->call(c, "register", payload, xt.at);
      xt.acked = at.result.has_value();
      xt.canon = at.result ? canon_ack("register", *at.result, st_target, reg)
                           : "{\"no_ack\":" + json_escape(at.error) + "}";
      xo.acked = ao.result.has_value();
      xo.canon = ao.result ? canon_ack("register", *ao.result, st_oracle, reg)
                           : "{\"no_ack\":" + json_escape(ao.error) + "}";
      s.target.push_back(xt);
      s.oracle.push_back(xo);
      target.close(c);
      oracle->close(c);
    }
    if (auto d = diff_exchanges(0, s.oracle, s.target)) {
      d->step = static_cast<std::size_t>(-1);
      s.op.kind = OpKind::login;
      finish(*d);
      run.divergence = d;
    }
    return true;
  }

  // timers runs the timer steps due before the next operation may start (see docs/explore.md,
  // "Time"): an operation never straddles a due time of the oracle.
  bool timers(Micros guard) {
    for (int i = 0; i < 100; ++i) {
      auto due = oracle->next_timer();
      const Micros now = wall_now();
      if (!due || *due > now + guard) return true;
      StepTrace s;
      s.timer = true;
      s.started = now;
      sleep_until_wall(*due);
      oracle->advance(std::max(wall_now(), *due));
      target.advance(wall_now());  // an in-process target keeps time the same way (tests)
      // Timers due within the slack of this one are one step: the target may fire each up to
      // the slack late (EV-MSG-012), so their notifications cannot be told apart in time.
      for (int k = 0; k < 1000; ++k) {
        auto next = oracle->next_timer();
        const Micros slack =
            std::chrono::duration_cast<std::chrono::microseconds>(o.timer_slack).count();
        if (!next || *next > *due + slack) break;
        sleep_until_wall(*next);
        oracle->advance(std::max(wall_now(), *next));
        target.advance(wall_now());
      }
      s.waited = wall_now() - now;
      if (stats) stats->timer_steps += 1;
      run.steps.push_back(std::move(s));
      auto d =
          compare_notes(run.steps.back(), run.steps.size() - 1, o.note_wait + o.timer_slack, false);
      if (d) {
        finish(*d);
        run.divergence = d;
        return false;
      }
    }
    return true;
  }

  // step runs one operation on both sides and compares; false on a divergence or harness error.
  bool step(const Op& op) {
    StepTrace s;
    s.op = op;
    s.started = wall_now();
    Prepared prep = prepare(op, reg, rng);
    std::string why;
    s.target = perform(op, prep, target, st_target, reg, nullptr, why);
    if (!why.empty()) {
      run.harness_error = why;
      return false;
    }
    std::vector<Micros> times;
    for (const auto& x : s.target) times.push_back(x.at);
    // The guard before due timers follows the target's pace (a slow server's steps are long).
    slowest = std::max(slowest, wall_now() - s.started);
    std::string why2;
    if (op.kind == OpKind::logout || op.kind == OpKind::login) {
      // Opening and closing carry no time; the oracle's clock follows the step's start.
      oracle->advance(s.started);
    }
    s.oracle = perform(op, prep, *oracle, st_oracle, reg, &times, why2);
    apply(model, op, s.oracle, wall_now());
    run.played.push_back(op);
    if (stats) {
      stats->steps += 1;
      stats->exchanges += static_cast<long long>(s.oracle.size());
    }
    for (const auto& x : s.oracle)
      cover(x.event + "|" + (x.success ? "ok" : "refused") + state_tag(op));
    run.steps.push_back(std::move(s));
    StepTrace& st = run.steps.back();
    auto notes = compare_notes(st, run.steps.size() - 1, o.note_wait);
    if (op.kind == OpKind::react) {
      for (auto& x : st.oracle) settle_reaction_ack(op, x, st_oracle, reg);
      for (auto& x : st.target) settle_reaction_ack(op, x, st_target, reg);
    }
    // The acks first: they are the request's own answer (notifications follow from it).
    if (auto d = diff_exchanges(run.steps.size() - 1, st.oracle, st.target)) {
      finish(*d);
      run.divergence = d;
      return false;
    }
    if (notes) {
      finish(*notes);
      run.divergence = notes;
      return false;
    }
    return true;
  }

  // state_tag names the state an operation met, for coverage (events × states).
  std::string state_tag(const Op& op) const {
    auto dm_size = [&] {
      auto it = model.dms.find(op.dm);
      return it == model.dms.end() ? 0 : static_cast<int>(it->second.members.size());
    };
    switch (op.kind) {
      case OpKind::login: {
        bool invited = false;
        (void)invited;
        return op.slot ? "|second-connection" : "";
      }
      case OpKind::create_dm:
        return op.members.size() == 1 ? "|1:1" : op.members.size() >= 8 ? "|group>8" : "|group";
      case OpKind::send:
        return op.schedule     ? "|scheduled"
               : op.del        ? "|self-destruct"
               : dm_size() > 8 ? "|group>8"
                               : "";
      case OpKind::burst:
        return op.count > 100 ? "|burst>100" : "|burst";
      case OpKind::history:
        return std::string(op.count > 100 ? "|count>100" : "") +
               (op.cursor >= 0 ? "|cursor" : "|now");
      default:
        return "";
    }
  }

  // settle: after the last step, nothing more may arrive (late extras).
  void settle() {
    if (run.divergence || !run.harness_error.empty()) return;
    std::this_thread::sleep_for(o.settle);
    StepTrace s;
    s.timer = true;
    s.started = wall_now();
    run.steps.push_back(std::move(s));
    if (auto d = compare_notes(run.steps.back(), run.steps.size() - 1, milliseconds(0))) {
      if (d->kind == DivergenceKind::extra_note) {
        finish(*d);
        run.divergence = d;
      }
    }
    if (!run.divergence) run.steps.pop_back();
  }
};

// users_of lists the users a sequence of operations names.
std::set<int> users_of(const std::vector<Op>& ops) {
  std::set<int> u;
  for (const Op& op : ops) {
    u.insert(op.user);
    if (op.other >= 0) u.insert(op.other);
    u.insert(op.members.begin(), op.members.end());
  }
  return u;
}

}  // namespace

SequenceRun play(const ExploreOptions& o, Side& target, const std::vector<Op>* ops, Generator* gen,
                 const std::string& tag, Stats* stats, const Tolerate& tolerate) {
  auto oracle = make_oracle_side(o.oracle);
  SequenceRun empty;
  if (!oracle) {
    empty.harness_error = oracle.error();
    return empty;
  }
  Sequence s(o, target, std::move(*oracle), o.seed ^ std::hash<std::string>{}(tag), stats);
  s.model.users = o.users;
  s.tolerate = tolerate;
  std::set<int> users;
  if (ops != nullptr) {
    users = users_of(*ops);
    for (int u : users) s.model.users = std::max(s.model.users, u + 1);
  } else {
    for (int u = 0; u < o.users; ++u) users.insert(u);
  }
  if (s.setup(tag, users) && !s.run.divergence) {
    const std::size_t n = ops ? ops->size() : static_cast<std::size_t>(o.steps);
    for (std::size_t i = 0; i < n; ++i) {
      if (!s.timers(s.guard())) break;
      Op op;
      if (ops) {
        op = (*ops)[i];
        if (!applicable(op, s.model)) continue;
        reserve(s.model, op);
      } else {
        op = gen->next(s.model);
      }
      if (!s.step(op)) break;
    }
    // A replay (shrinking) waits for the timers its operations left pending: the divergence
    // being shrunk may be a timer's. A generated sequence fires only those already due.
    if (!s.run.divergence && s.run.harness_error.empty()) s.timers(ops ? 70'000'000 : 0);
    s.settle();
  }
  target.close_all();
  s.oracle->close_all();
  return std::move(s.run);
}

namespace {

std::string run_tag(std::uint64_t seed, int n) {
  // Usernames unique per run (a target keeps its users): seed, a nonce and the sequence number.
  static const std::uint64_t nonce = static_cast<std::uint64_t>(wall_now());
  const std::uint64_t h = (seed * 0x9E3779B97F4A7C15ULL) ^ nonce;
  std::string s = "x";
  const char* digits = "0123456789abcdefghijklmnopqrstuvwxyz";
  std::uint64_t v = h;
  for (int i = 0; i < 5; ++i) {
    s += digits[v % 36];
    v /= 36;
  }
  return s + "s" + std::to_string(n);
}

// slice_of keeps the operations that can matter to `d` (see its use).
std::vector<Op> slice_of(const std::vector<Op>& ops, const Divergence& d) {
  std::set<int> dms, msgs, rcts;
  const std::string text = d.expected + " " + d.actual;
  for (const char* kind : {"\"dm", "\"msg", "\"rct"}) {
    std::size_t at = 0;
    while ((at = text.find(kind, at)) != std::string::npos) {
      at += std::string_view(kind).size();
      std::size_t end = at;
      while (end < text.size() && std::isdigit(static_cast<unsigned char>(text[end]))) ++end;
      if (end > at && end < text.size() && text[end] == '"') {
        const int n = std::stoi(text.substr(at, end - at));
        (kind[1] == 'd' ? dms : kind[1] == 'm' ? msgs : rcts).insert(n);
      }
    }
  }
  const int actor = d.conn >= 0 ? d.conn / 2 : -1;
  for (const Op& op : ops) {  // messages and reactions name their DMs
    if (op.kind == OpKind::react && rcts.count(op.rct)) msgs.insert(op.msg);
  }
  for (const Op& op : ops) {
    if ((op.kind == OpKind::send || op.kind == OpKind::burst) &&
        std::any_of(msgs.begin(), msgs.end(),
                    [&](int m) { return m >= op.msg && m < op.msg + std::max(1, op.count); })) {
      dms.insert(op.dm);
    }
  }
  std::vector<Op> out;
  for (const Op& op : ops) {
    const bool keep = op.kind == OpKind::login || op.kind == OpKind::logout ||
                      op.kind == OpKind::friend_request || op.kind == OpKind::answer_request ||
                      op.kind == OpKind::unfriend || op.kind == OpKind::block ||
                      op.kind == OpKind::unblock || dms.count(op.dm) ||
                      (op.msg >= 0 && msgs.count(op.msg)) || (op.rct >= 0 && rcts.count(op.rct)) ||
                      (op.kind == OpKind::burst &&
                       std::any_of(msgs.begin(), msgs.end(),
                                   [&](int m) { return m >= op.msg && m < op.msg + op.count; })) ||
                      (dms.empty() && msgs.empty() && op.user == actor);
    if (keep) out.push_back(op);
  }
  return out;
}

// same_cause: a replay still shows the finding when its divergence has the same signature.
bool same_cause(const std::optional<Divergence>& d, const Divergence& want) {
  return d && d->signature() == want.signature();
}

}  // namespace

ExploreResult explore(const ExploreOptions& o, const SideFactory& make_target,
                      const ProgressFn& progress) {
  ExploreResult res;
  auto target = make_target();
  Generator gen(o.seed, o.generator);
  int tag_n = 0;
  std::size_t new_findings = 0;
  std::set<std::string> found;  // signatures of the new findings made so far
  auto known_entry = [&](const Divergence& d) -> std::optional<Expectation> {
    if (o.expectations == nullptr) return std::nullopt;
    return o.expectations->find(d.signature());
  };
  // Notification divergences already explained (expectations) or already found go past; the
  // sequence continues (they change no state).
  const Tolerate tolerate = [&](const Divergence& d) {
    return d.kind != DivergenceKind::ack && (known_entry(d) || found.count(d.signature()));
  };
  while (true) {
    // The budget counts exploring only: shrinking comes on top (docs/explore.md).
    const auto explored = std::chrono::duration<double>(res.stats.explore_seconds);
    if (o.sequences ? res.stats.sequences >= *o.sequences : explored >= o.duration) {
      break;
    }
    const auto seq_start = Clock::now();
    ExploreOptions po = o;
    SequenceRun run =
        play(po, *target, nullptr, &gen, run_tag(o.seed, tag_n++), &res.stats, tolerate);
    res.stats.sequences += 1;
    res.stats.explore_seconds += std::chrono::duration<double>(Clock::now() - seq_start).count();
    if (progress) progress(res.stats, new_findings, false);
    if (!run.harness_error.empty()) {
      res.harness_error = run.harness_error;
      return res;
    }
    if (!run.divergence) continue;
    Finding f;
    f.divergence = *run.divergence;
    f.sequence = run.played;
    if (found.count(f.divergence.signature())) {
      // Found already (an ack: the sequence could not go on): counted, not shrunk again.
      res.stats.known[f.divergence.signature()] += 1;
      if (f.divergence.step < run.steps.size() && !run.steps[f.divergence.step].timer) {
        gen.damp(run.steps[f.divergence.step].op.kind);
      }
      continue;
    }
    {
      if (auto e = known_entry(f.divergence)) {
        f.known = true;
        f.known_reason = e->reason;
        res.stats.known[f.divergence.signature()] += 1;
        // Move on: the same deviation should not eat the budget.
        if (f.divergence.step < run.steps.size() && !run.steps[f.divergence.step].timer) {
          gen.damp(run.steps[f.divergence.step].op.kind);
        }
        bool seen = false;
        for (const auto& g : res.findings)
          seen = seen || (g.known && g.divergence.signature() == f.divergence.signature());
        if (!seen) res.findings.push_back(std::move(f));
        continue;
      }
    }
    // Shrink: the prefix up to the divergence, then ddmin over operations, then smaller bursts.
    const auto shrink_start = Clock::now();
    std::vector<Op> cur = run.played;
    SequenceRun best = std::move(run);
    auto budget_left = [&] {
      return f.shrink_runs < o.shrink_runs && Clock::now() - shrink_start < o.shrink_budget;
    };
    auto test = [&](const std::vector<Op>& cand) {
      f.shrink_runs += 1;
      SequenceRun r = play(o, *target, &cand, nullptr, run_tag(o.seed, tag_n++), nullptr,
                           [&](const Divergence& d) {
                             return d.signature() != f.divergence.signature() && tolerate(d);
                           });
      if (progress) progress(res.stats, new_findings, true);
      if (std::getenv("UNM_EXPLORE_DEBUG")) {
        std::fprintf(stderr, "replay %zu ops: %s\n", cand.size(),
                     r.divergence ? r.divergence->summary().substr(0, 160).c_str()
                                  : ("no divergence " + r.harness_error).c_str());
      }
      if (same_cause(r.divergence, f.divergence)) {
        best = std::move(r);
        cur = best.played;
        return true;
      }
      return false;
    };
    // First a guess: the slice of the sequence about what the divergence names (its DMs,
    // messages and reactions, the operations creating them, every login and logout and every
    // relation change). Often right at once, and it saves ddmin most of its replays.
    if (auto slice = slice_of(cur, f.divergence); slice.size() < cur.size()) test(slice);
    // ddmin over operations: drop chunks while the same divergence remains.
    auto ddmin = [&] {
      std::size_t granularity = 2;
      while (cur.size() > 1 && budget_left()) {
        const std::size_t chunk = std::max<std::size_t>(1, cur.size() / granularity);
        bool reduced = false;
        for (std::size_t at = 0; at < cur.size() && budget_left(); at += chunk) {
          std::vector<Op> cand;
          for (std::size_t i = 0; i < cur.size(); ++i) {
            if (i < at || i >= at + chunk) cand.push_back(cur[i]);
          }
          if (test(cand)) {
            reduced = true;
            granularity = std::max<std::size_t>(2, granularity - 1);
            break;
          }
        }
        if (!reduced) {
          if (chunk == 1) break;
          granularity = std::min(cur.size(), granularity * 2);
        }
      }
    };
    ddmin();
    const std::size_t before_simplify = cur.size();
    std::vector<Op> before_ops = cur;
    // Smaller bursts, smaller groups: simpler values, same cause.
    for (std::size_t i = 0; i < cur.size() && budget_left(); ++i) {
      if (cur[i].kind == OpKind::burst) {
        // A burst whose messages are referenced by one later operation only: that one message.
        std::set<int> used;
        for (std::size_t j = i + 1; j < cur.size(); ++j) {
          for (int k : {cur[j].msg, cur[j].cursor}) {
            if (k >= cur[i].msg && k < cur[i].msg + cur[i].count) used.insert(k);
          }
        }
        if (used.size() <= 1) {
          std::vector<Op> cand = cur;
          cand[i].kind = OpKind::send;
          cand[i].msg = used.empty() ? cur[i].msg : *used.begin();
          cand[i].count = 0;
          if (test(cand)) continue;
        }
      }
      if (cur[i].kind == OpKind::burst && cur[i].count > 1) {
        for (int c : {1, cur[i].count / 2, 100, 101}) {
          if (c >= cur[i].count || !budget_left()) continue;
          std::vector<Op> cand = cur;
          cand[i].count = c;
          if (test(cand)) break;
        }
      }
      if (cur[i].kind == OpKind::create_dm && cur[i].members.size() > 1) {
        for (std::size_t k = 0;
             k < cur[i].members.size() && cur[i].members.size() > 1 && budget_left();) {
          std::vector<Op> cand = cur;
          cand[i].members.erase(cand[i].members.begin() + static_cast<long>(k));
          if (!test(cand)) ++k;
        }
      }
      // A 1:1 DM needs a friendship (EV-DM-005): as a group of three it needs none, and the
      // friend requests that made it possible can then go in the next ddmin.
      if (cur[i].kind == OpKind::create_dm && cur[i].members.size() == 1) {
        bool any_friend_op = false;
        for (const Op& op : cur) {
          any_friend_op = any_friend_op || op.kind == OpKind::friend_request ||
                          op.kind == OpKind::answer_request;
        }
        for (int v : users_of(cur)) {
          if (!any_friend_op || !budget_left()) break;
          if (v == cur[i].user || v == cur[i].members[0]) continue;
          std::vector<Op> cand = cur;
          cand[i].members.push_back(v);
          if (test(cand)) break;
        }
      }
    }
    // Second connections only where they matter: slot 1 → slot 0, then drop what became
    // redundant (a login of the unused slot).
    for (std::size_t i = 0; i < cur.size() && budget_left(); ++i) {
      if (cur[i].slot != 1) continue;
      std::vector<Op> cand = cur;
      for (Op& op : cand) {
        if (op.user == cur[i].user) op.slot = 0;
      }
      test(cand);
    }
    // Fewer users: an operation done by another user who is already logged in (the login of a
    // user that then does nothing else goes in the next ddmin).
    for (std::size_t i = 0; i < cur.size() && budget_left(); ++i) {
      if (cur[i].kind == OpKind::login || cur[i].kind == OpKind::logout) continue;
      std::set<int> others;
      for (std::size_t j = 0; j < i; ++j) {
        if (cur[j].kind == OpKind::login && cur[j].user != cur[i].user) others.insert(cur[j].user);
      }
      // The busiest users first: moving work to them frees the others.
      std::vector<int> order(others.begin(), others.end());
      std::stable_sort(order.begin(), order.end(), [&](int a, int b) {
        auto busy = [&](int u) {
          return std::count_if(cur.begin(), cur.end(), [u](const Op& op) { return op.user == u; });
        };
        return busy(a) > busy(b);
      });
      for (int v : order) {
        if (!budget_left()) break;
        std::vector<Op> cand = cur;
        cand[i].user = v;
        cand[i].slot = 0;
        if (cand[i].other == v) continue;
        if (test(cand)) break;
      }
    }
    if (cur.size() != before_simplify || cur != before_ops) ddmin();
    f.shrunk = cur;
    f.shrunk_trace = best.steps;
    f.shrunk_divergence = best.divergence.value_or(f.divergence);
    f.users = static_cast<int>(users_of(cur).size());
    f.shrink_seconds = std::chrono::duration<double>(Clock::now() - shrink_start).count();
    found.insert(f.divergence.signature());
    res.stats.shrink_seconds += std::chrono::duration<double>(Clock::now() - shrink_start).count();
    res.findings.push_back(std::move(f));
    if (++new_findings >= static_cast<std::size_t>(o.max_findings)) break;
  }
  return res;
}

}  // namespace unm::conformance::explore
