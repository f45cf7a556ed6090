// scenario_writer.cc — see scenario_writer.h. The mapping is documented in docs/explore.md,
// "Scenario files written by explore".
#include "conformance/explore/scenario_writer.h"

#include <algorithm>
#include <cctype>
#include <initializer_list>
#include <map>
#include <optional>
#include <regex>
#include <set>
#include <utility>

#include "conformance/src/json.h"

namespace unm::conformance::explore {
namespace {

// kMissingId stands for a DM, message or reaction the sequence refers to but never obtained
// (its creation failed): the executor sends this id, so the scenario does too (executor.cc).
constexpr long long kMissingId = 9'007'199'254'740'000;
// kNoteWithinMs / kNoneWindowMs: how long an await waits for a notification of an operation and
// how long a `none` watches for one that must not come; kTimerMarginMs is added to the time the
// explorer waited at a timer step (the runner's own clock may be a little behind).
constexpr long long kNoteWithinMs = 3000;
constexpr long long kNoneWindowMs = 1000;
constexpr long long kTimerMarginMs = 2000;
// kPaceMinMs: the explored sequence's pace is replayed in sleeps of at least this (pace()).
constexpr long long kPaceMinMs = 100;

std::string num(long long v) {
  return std::to_string(v);
}

// unvar escapes `${` (read as a variable in templates and matchers) as `$${`.
std::string unvar(std::string_view s) {
  std::string r;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '$' && i + 1 < s.size() && s[i + 1] == '{') r += '$';
    r += s[i];
  }
  return r;
}

// lit is a literal string in a template or matcher.
std::string lit(std::string_view s) {
  return json_escape(unvar(s));
}

std::string var_ref(const std::string& var) {
  return json_escape("${" + var + "}");
}

// Obj builds a JSON object text member by member (values are JSON texts).
class Obj {
 public:
  Obj& add(std::string_view key, std::string json_text) {
    if (!json_text.empty()) kv_.emplace_back(std::string(key), std::move(json_text));
    return *this;
  }
  Obj& str(std::string_view key, std::string_view s) { return add(key, lit(s)); }
  std::string text() const {
    std::string s = "{";
    for (std::size_t i = 0; i < kv_.size(); ++i) {
      s += (i ? ", " : "") + json_escape(kv_[i].first) + ": " + kv_[i].second;
    }
    return s + "}";
  }

 private:
  std::vector<std::pair<std::string, std::string>> kv_;
};

std::string actor_of_conn(int conn) {
  return "u" + num(conn / 2) + (conn % 2 == 1 ? "b" : "");
}

bool is_lower_hex(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
  });
}

std::string kind_text(DivergenceKind k) {
  switch (k) {
    case DivergenceKind::ack:
      return "ack";
    case DivergenceKind::missing_note:
      return "missing notification";
    case DivergenceKind::extra_note:
      return "extra notification";
    case DivergenceKind::note_order:
      return "notification order";
    case DivergenceKind::unreachable:
      return "unreachable";
  }
  return "?";
}

// whole_chars drops an incomplete UTF-8 sequence at the end of `s` (a title cut by bytes).
std::string whole_chars(std::string s) {
  std::size_t i = s.size(), back = 0;
  while (i > 0 && back < 4 && (static_cast<unsigned char>(s[i - 1]) & 0xC0) == 0x80) --i, ++back;
  if (i == 0) return s;
  const auto lead = static_cast<unsigned char>(s[i - 1]);
  const std::size_t need = lead >= 0xF0 ? 3 : lead >= 0xE0 ? 2 : lead >= 0xC0 ? 1 : 0;
  if (lead >= 0xC0 && back < need) s.resize(i - 1);
  return s;
}

std::string clip(const std::string& s, std::size_t n) {
  if (s.size() <= n) return s;
  // Cut on a character boundary (UTF-8 continuation bytes are 10xxxxxx).
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
  return s.substr(0, n) + "…";
}

// Writer — one scenario; see write_scenario.
class Writer {
 public:
  explicit Writer(const ScenarioInput& in) : in_(in) {
    last_ = in.steps.empty() ? 0 : std::min(in.divergence.step, in.steps.size() - 1);
  }

  std::string run() {
    learn_users();
    learn_named_users();
    learn_keys_and_ciphertexts();
    for (int u : users_) {
      // The engine's own variables of each actor (docs/conformance.md "Variables").
      const std::string a = std::string("u").append(num(u));
      for (const char* k : {"", ".username", ".public_key", ".spk", ".sig"}) defined_.insert(a + k);
      fresh_[conn_of(u, 0)] = true;  // connected and registered by the setup, not logged in
      open_[conn_of(u, 0)] = true;
    }
    // A divergence before the first step (registration, which the explorer runs before the
    // sequence) is checked by the scenario's own setup: no step is replayed.
    const bool before_steps = in_.divergence.step >= in_.steps.size();
    for (std::size_t i = 0; !before_steps && i <= last_ && i < in_.steps.size(); ++i) {
      write_step(i);
    }
    if (steps_.empty()) {
      // A sequence with nothing to replay still needs one step to be a valid scenario.
      steps_.push_back(Obj().add("sleep_ms", "0").text());
    }
    return document();
  }

 private:
  // ---- what the sequence tells about users, keys and ciphertexts ----

  void name_user(int user, const std::string& name) {
    if (user < 0 || name.empty() || user_name_.count(user)) return;
    user_name_[user] = name;
    subst_[name] = "u" + num(user);
  }

  // learn_named_users finds the users the sequence's requests never named but its answers do
  // (another member in a list): the explorer names user i `<tag>u<i>` (explorer.cc setup), and
  // the tag is what the named users' names share.
  void learn_named_users() {
    std::optional<std::string> tag;
    for (const auto& [user, name] : user_name_) {
      const std::string suffix = std::string("u").append(num(user));
      if (name.size() <= suffix.size() ||
          name.compare(name.size() - suffix.size(), suffix.size(), suffix) != 0)
        return;
      const std::string t = name.substr(0, name.size() - suffix.size());
      if (tag && *tag != t) return;
      tag = t;
    }
    if (!tag) return;
    std::set<std::string> strings;
    for (std::size_t i = 0; i <= last_ && i < in_.steps.size(); ++i) {
      const StepTrace& t = in_.steps[i];
      for (const Exchange& x : t.oracle) {
        if (auto d = parse_json(x.canon)) collect_strings(*d, strings);
      }
      for (const auto& [conn, notes] : t.oracle_notes) {
        for (const auto& n : notes) {
          if (auto d = parse_json(n)) collect_strings(*d, strings);
        }
      }
    }
    const std::string prefix = *tag + "u";
    for (const auto& str : strings) {
      if (str.size() <= prefix.size() || str.compare(0, prefix.size(), prefix) != 0) continue;
      const std::string digits = str.substr(prefix.size());
      if (digits.size() > 4 ||
          !std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        continue;
      }
      const int user = std::stoi(digits);
      if (user_name_.count(user)) continue;
      name_user(user, str);
      users_.insert(user);
    }
  }

  static void collect_strings(const JsonValue& v, std::set<std::string>& out) {
    if (v.IsString()) {
      out.insert(v.GetString());
    } else if (v.IsArray()) {
      for (const auto& e : v.GetArray()) collect_strings(e, out);
    } else if (v.IsObject()) {
      for (auto it = v.MemberBegin(); it != v.MemberEnd(); ++it) {
        out.insert(std::string(it->name.GetString(), it->name.GetStringLength()));
        collect_strings(it->value, out);
      }
    }
  }

  void learn_users() {
    for (std::size_t i = 0; i <= last_ && i < in_.steps.size(); ++i) {
      const StepTrace& t = in_.steps[i];
      for (const auto& [conn, notes] : t.oracle_notes) {
        users_.insert(conn / 2);
        if (conn % 2 == 1) slot1_.insert(conn / 2);
      }
      if (t.timer) continue;
      const Op& op = t.op;
      users_.insert(op.user);
      if (op.slot == 1) slot1_.insert(op.user);
      if (op.other >= 0) users_.insert(op.other);
      for (int m : op.members) users_.insert(m);
      std::size_t get_users = 0;
      for (const Exchange& x : t.oracle) {
        auto p = parse_json(x.payload);
        if (!p || !p->IsObject()) continue;
        const std::string who = json_string_or(*p, "username", "");
        if (op.kind == OpKind::login && x.event == "login") {
          name_user(op.user, who);
        } else if (op.kind == OpKind::create_dm && x.event == "get_user") {
          if (get_users < op.members.size()) name_user(op.members[get_users++], who);
        } else if (!who.empty()) {
          name_user(op.other, who);
        }
      }
    }
  }

  // walk_keys records, for every object naming a known user, that user's keys (User objects:
  // public_key / spk / sig; X3DH objects: sender's ik).
  void walk_keys(const JsonValue& v) {
    if (v.IsArray()) {
      for (const auto& e : v.GetArray()) walk_keys(e);
      return;
    }
    if (!v.IsObject()) return;
    auto user_of = [&](const char* key) -> std::optional<std::string> {
      const JsonValue* n = json_member(v, key);
      if (n == nullptr || !n->IsString()) return std::nullopt;
      auto it = subst_.find(n->GetString());
      if (it == subst_.end()) return std::nullopt;
      return it->second;
    };
    auto map_key = [&](const char* key, const std::string& var) {
      const JsonValue* k = json_member(v, key);
      if (k != nullptr && k->IsString() && is_lower_hex(k->GetString())) {
        subst_.emplace(k->GetString(), var);
      }
    };
    if (auto u = user_of("username")) {
      map_key("public_key", *u + ".public_key");
      map_key("spk", *u + ".spk");
      map_key("sig", *u + ".sig");
    }
    if (auto u = user_of("sender")) map_key("ik", *u + ".public_key");
    for (auto it = v.MemberBegin(); it != v.MemberEnd(); ++it) walk_keys(it->value);
  }

  void learn_keys_and_ciphertexts() {
    for (std::size_t i = 0; i <= last_ && i < in_.steps.size(); ++i) {
      const StepTrace& t = in_.steps[i];
      for (const Exchange& x : t.oracle) {
        if (auto d = parse_json(x.canon)) walk_keys(*d);
      }
      for (const auto& [conn, notes] : t.oracle_notes) {
        for (const auto& n : notes) {
          if (auto d = parse_json(n)) walk_keys(*d);
        }
      }
      if (t.timer) continue;
      // The explorer's ciphertexts and signatures become the variables the scenario's own
      // client values are kept in.
      int sent = 0;
      for (const Exchange& x : t.oracle) {
        auto p = parse_json(x.payload);
        if (!p || !p->IsObject()) continue;
        std::string var, ct_key = "message";
        if (x.event == "send_message") {
          var = "m" + num(t.op.msg + sent++);
          msg_ct_[t.op.msg + sent - 1] = json_string_or(*p, "message", "");
          msg_step_[t.op.msg + sent - 1] = i;
        } else if (x.event == "set_message" && json_member(*p, "message") != nullptr) {
          var = "e" + num(static_cast<long long>(i));
        } else if (x.event == "add_reaction") {
          var = "r" + num(t.op.rct);
          ct_key = "reaction";
        } else {
          continue;
        }
        const std::string ct = json_string_or(*p, ct_key.c_str(), "");
        const std::string sig = json_string_or(*p, "signature", "");
        if (!ct.empty()) subst_.emplace(ct, var);
        if (!sig.empty()) subst_.emplace(sig, var + ".signature");
      }
    }
  }

  // ---- canonical values → matchers ----

  // Conv converts one canonical value; `capture` lets first sightings of ids become captures.
  struct Conv {
    bool capture = true;
    std::string sched_var;  // capture the key of a one-entry scheduled_messages here
  };

  bool known(const std::string& var) const { return defined_.count(var) != 0; }

  std::string id_matcher(const std::string& var, const Conv& c) {
    if (known(var)) return var_ref(var);
    if (c.capture && var == ack_alias_) {
      // The new reaction's id, as the ack gives it: compared with the one the notifications
      // carry once they are awaited (settle_alias).
      const std::string as_acked = var + ".ack";
      capturing_.insert(as_acked);
      alias_pending_ = var;
      return "{\"$type\": \"id\", \"$capture\": " + json_escape(as_acked) + "}";
    }
    if (c.capture && !capturing_.count(var)) {
      capturing_.insert(var);
      return "{\"$type\": \"id\", \"$capture\": " + json_escape(var) + "}";
    }
    return "{\"$type\": \"id\"}";
  }

  std::string type_of_hex(std::string_view s) {
    if (s.size() == 64) return "{\"$type\": \"key\"}";
    if (s.size() == 128) return "{\"$type\": \"signature\"}";
    return "{\"$type\": \"hex\"}";
  }

  std::string conv_string(const std::string& s, const Conv& c) {
    static const std::regex id_re(R"((dm|msg|rct)([0-9]+))");
    static const std::regex unknown_id_re(R"((dm|msg|rct)\?)");
    static const std::regex delete_re(R"(time\+-?[0-9]+s)");
    std::smatch m;
    if (std::regex_match(s, m, id_re)) return id_matcher(m[1].str() + m[2].str(), c);
    if (std::regex_match(s, unknown_id_re)) return "{\"$type\": \"id\"}";
    // EV-OBJ-010's delete distance is checked only as a timestamp: the runner's clock decides
    // the exact instants.
    if (s == "time" || std::regex_match(s, delete_re)) return "{\"$type\": \"timestamp\"}";
    if (s == "sched") return "{\"$any\": true}";
    if (s == "challenge") return "{\"$type\": \"hex\"}";
    if (s == "reason") return "{\"$type\": \"string\"}";
    if (auto it = subst_.find(s); it != subst_.end()) {
      if (known(it->second)) return var_ref(it->second);
      if (is_lower_hex(s)) return type_of_hex(s);
      return "{\"$type\": \"string\"}";
    }
    // Client-made values the scenario cannot reproduce (another client's keys, an X3DH value).
    if (s.size() >= 16 && s.size() % 2 == 0 && is_lower_hex(s)) return type_of_hex(s);
    return lit(s);
  }

  std::string conv_object(const JsonValue& o, const Conv& c) {
    // The first sighting of a message also captures its timestamp (history cursors, op.h).
    std::string ts_var;
    if (const JsonValue* id = json_member(o, "id"); id != nullptr && id->IsString()) {
      static const std::regex msg_re(R"(msg([0-9]+))");
      std::smatch m;
      const std::string ids = id->GetString();
      if (c.capture && std::regex_match(ids, m, msg_re) && json_member(o, "timestamp") &&
          json_member(o, "message") && !known(ids + ".ts") && !capturing_.count(ids + ".ts")) {
        ts_var = ids + ".ts";
        capturing_.insert(ts_var);
      }
    }
    Obj out;
    for (auto it = o.MemberBegin(); it != o.MemberEnd(); ++it) {
      const std::string key(it->name.GetString(), it->name.GetStringLength());
      const JsonValue& v = it->value;
      std::string text;
      if (key == "scheduled_messages" && v.IsObject()) {
        // Canonical {"sched*": [entries]}: schedule ids are free (EV-MSG-007), so only the
        // number of entries is checked, and the one key is captured when a cancel needs it.
        const JsonValue* e = json_member(v, "sched*");
        const long long n = e != nullptr && e->IsArray() ? e->Size() : 0;
        if (n == 1 && !c.sched_var.empty()) {
          capturing_.insert(c.sched_var);
          text = "{\"$len\": 1, \"$keys\": [{\"$capture\": " + json_escape(c.sched_var) + "}]}";
        } else {
          text = "{\"$len\": " + num(n) + "}";
        }
      } else if (key == "timestamp" && !ts_var.empty()) {
        text = "{\"$type\": \"timestamp\", \"$capture\": " + json_escape(ts_var) + "}";
      } else if (key == "key_tree" && v.IsArray()) {
        text = conv_array(v, c, true, false);
      } else {
        text = conv(v, c);
      }
      // A key starting with `$` would read as an operator: such an object is matched by $eq.
      if (!key.empty() && key[0] == '$') return "{\"$eq\": " + to_json(o) + "}";
      // Keys are interpolated too (docs/conformance.md "Variables"): a username as a key (the
      // join_call result, EV-CALL-002) becomes the runner's.
      auto named = subst_.find(key);
      if (named != subst_.end() && known(named->second) && !is_lower_hex(key)) {
        out.add("${" + named->second + "}", text);
        continue;
      }
      out.add(unvar(key), text);
    }
    return out.text();
  }

  static bool is_user_object(const JsonValue& v) {
    return v.IsObject() && v.HasMember("username") && v.HasMember("public_key");
  }

  // conv_array: message lists and key trees keep their order; other arrays are sets (events.md
  // §0); lists of users are supersets, since the target holds other clients' users too
  // (normalize.h drops them from the canonical form).
  std::string conv_array(const JsonValue& a, const Conv& c, bool ordered, bool superset) {
    std::string items;
    bool users = superset;
    for (rapidjson::SizeType i = 0; i < a.Size(); ++i) {
      items += (i ? ", " : "") + conv(a[i], c);
      users = users || is_user_object(a[i]);
    }
    if (ordered) return "[" + items + "]";
    return std::string("{\"") + (users ? "$superset" : "$set") + "\": [" + items + "]}";
  }

  std::string conv(const JsonValue& v, const Conv& c) {
    if (v.IsObject()) return conv_object(v, c);
    if (v.IsArray()) return conv_array(v, c, false, false);
    if (v.IsString()) return conv_string(v.GetString(), c);
    return to_json(v);
  }

  // commit_captures makes this step's captures usable by later steps.
  void commit_captures() {
    defined_.insert(capturing_.begin(), capturing_.end());
    capturing_.clear();
  }

  // expect_of turns an oracle ack into an `expect`.
  std::string expect_of(const Exchange& x, bool ordered, bool superset) {
    return expect_of(x, ordered, superset, Conv{});
  }
  std::string expect_of(const Exchange& x, bool ordered, bool superset, const Conv& c) {
    auto d = parse_json(x.canon);
    if (!d) return "";
    const JsonValue* ok = d->IsObject() ? json_member(*d, "success") : nullptr;
    const JsonValue* r = d->IsObject() ? json_member(*d, "result") : nullptr;
    if (ok == nullptr || !ok->IsBool() || r == nullptr || d->MemberCount() != 2) {
      return conv(*d, c);
    }
    if (!ok->GetBool()) return "\"fail\"";  // reason texts are not normative (EV-TRN-009)
    const std::string m = r->IsArray() ? conv_array(*r, c, ordered, superset) : conv(*r, c);
    return "{\"ok\": " + m + "}";
  }

  // ---- steps ----

  bool at_divergence() const { return cur_ == in_.divergence.step; }

  // ack_diverges_on: the divergence is an ack of one of `events` at this step (a `do` step
  // stands for several requests).
  bool ack_diverges_on(std::initializer_list<std::string_view> events) const {
    const Divergence& d = in_.divergence;
    return at_divergence() && d.kind == DivergenceKind::ack &&
           std::find(events.begin(), events.end(), d.subject) != events.end();
  }

  // evidence: the divergence's clauses on the checks that show it.
  std::string evidence() const {
    std::string s;
    for (const auto& c : clauses()) s += (s.empty() ? "" : ", ") + json_escape(c);
    return "[" + s + "]";
  }

  // cite marks a check that shows the divergence: its clauses, and hard, since once it fails
  // the later checks only repeat the difference (and each missing notification waits).
  void cite(Obj& o) const { o.add("clauses", evidence()).add("hard", "true"); }

  void push(Obj o) { steps_.push_back(o.text()); }

  void ensure(const std::string& var) {
    if (known(var)) return;
    push(Obj()
             .add("set", "{" + json_escape(var) + ": " + num(kMissingId) + "}")
             .str("note", var + " was never created: the id no server has, as the explorer sent"));
    defined_.insert(var);
  }

  std::string note_of(const StepTrace& t) const {
    return "sequence step " + num(static_cast<long long>(cur_)) + ": " +
           (t.timer ? std::string("timer") : describe(t.op));
  }

  // send_step writes one request with its expected ack.
  void send_step(const std::string& actor, const Exchange& x, const std::string& args,
                 const std::string& expect, const std::string& note) {
    Obj o;
    o.str("actor", actor).str("send", x.event).add("args", args).add("expect", expect);
    if (ack_diverges_on({x.event})) cite(o);
    o.str("note", note);
    push(std::move(o));
    commit_captures();
  }

  const Exchange* find(const StepTrace& t, std::string_view event) const {
    for (const Exchange& x : t.oracle) {
      if (x.event == event && x.acked) return &x;
    }
    return nullptr;
  }

  // seal writes the client values of a message / edit / reaction into `var` and var.signature:
  // encrypted under the DM's key when the sender's identity holds it, otherwise random bytes
  // (the server does not decrypt, EV-MSG-004 checks only the signature).
  void seal(const std::string& actor, int user, int dm, const std::string& var,
            const std::string& text) {
    const std::string dmv = "dm" + num(dm);
    if (dm >= 0 && keys_[user].count(dm) && known(dmv)) {
      push(Obj()
               .str("actor", actor)
               .str("compute", "encrypt")
               .add("dm", var_ref(dmv))
               .str("text", text)
               .str("into", var));
    } else {
      push(Obj()
               .str("actor", actor)
               .str("compute", "random_hex")
               .add("bytes", "44")
               .str("into", var));
    }
    push(Obj()
             .str("actor", actor)
             .str("compute", "sign")
             .add("hex", var_ref(var))
             .str("into", var + ".signature"));
    defined_.insert(var);
    defined_.insert(var + ".signature");
  }

  void write_step(std::size_t i) {
    cur_ = i;
    const StepTrace& t = in_.steps[i];
    pace(i);
    if (!t.timer) write_op(t);
    write_extra_note_check(t);
    write_notes(t);
    settle_alias(t);
  }

  static bool notified(const StepTrace& t) {
    return std::any_of(t.oracle_notes.begin(), t.oracle_notes.end(),
                       [](const auto& kv) { return !kv.second.empty(); });
  }

  // pace keeps the replay on the sequence's timeline: an operation starts no earlier after the
  // previous one than it did when explored, so that the target's own timers fire at the same
  // step or earlier, never later (earlier is seen: extra notifications are watched at every
  // step, expected ones are awaited). The explorer runs an operation at least a second before
  // any due timer of the oracle, so a replay a little late still sees the same state. A timer
  // step that notified nobody is waited as long as the explorer waited; one that did notify is
  // waited by its awaits. Short gaps add up until they are worth a sleep.
  void pace(std::size_t i) {
    const StepTrace& t = in_.steps[i];
    if (i > 0 && t.started > 0 && in_.steps[i - 1].started > 0) {
      const StepTrace& prev = in_.steps[i - 1];
      long long gap = (t.started - prev.started) / 1000;
      if (prev.timer) gap -= prev.waited / 1000;  // spent in the previous step's awaits or sleep
      pace_debt_ms_ += std::max(0LL, gap);
    }
    // (At the divergence, an extra notification's `none` watches the whole wait itself.)
    const bool watched = at_divergence() && in_.divergence.kind == DivergenceKind::extra_note;
    if (t.timer && !notified(t) && t.waited > 0 && !watched) pace_debt_ms_ += t.waited / 1000;
    if (pace_debt_ms_ >= kPaceMinMs) {
      push(Obj().add("sleep_ms", num(pace_debt_ms_)).str("note", "the explored sequence's pace"));
      pace_debt_ms_ = 0;
    }
  }

  // settle_alias: the explorer learns a new reaction's id from the step's notifications and
  // only then reads the add_reaction ack (executor.h settle_reaction_ack), so the scenario checks
  // the acked id against the notified one; without a notification, the acked id is the id.
  void settle_alias(const StepTrace& t) {
    if (alias_pending_.empty()) return;
    const std::string var = alias_pending_, as_acked = var + ".ack";
    alias_pending_.clear();
    if (known(var)) {
      Obj o;
      o.add("check", var_ref(as_acked)).add("match", var_ref(var));
      if (ack_diverges_on({"add_reaction"})) cite(o);
      push(std::move(o.str("note", note_of(t) + ": the acked id is the notified reaction's")));
    } else {
      push(Obj().add("set", "{" + json_escape(var) + ": " + var_ref(as_acked) + "}"));
      defined_.insert(var);
    }
  }

  void write_op(const StepTrace& t) {
    const Op& op = t.op;
    const int conn = conn_of(op.user, op.slot);
    const std::string actor = actor_of_conn(conn);
    const std::string u = "u" + num(op.user);
    const std::string note = note_of(t);
    auto arg_user = [&](int who) { return var_ref("u" + num(who)); };
    auto dm_ref = [&]() {
      ensure("dm" + num(op.dm));
      return var_ref("dm" + num(op.dm));
    };
    auto msg_ref = [&](int msg) {
      ensure("msg" + num(msg));
      return var_ref("msg" + num(msg));
    };
    auto simple = [&](const char* event, const std::string& args) {
      if (const Exchange* x = find(t, event))
        send_step(actor, *x, args, expect_of(*x, false, false), note);
    };
    switch (op.kind) {
      case OpKind::login: {
        // The explorer opens a fresh connection for every login (executor.cc, Side::open).
        if (t.oracle.empty()) return;
        if (!fresh_.count(conn) || !fresh_[conn])
          push(Obj().str("actor", actor).add("connect", "true"));
        fresh_[conn] = false;
        open_[conn] = true;
        const Exchange& login = t.oracle[0];
        if (!login.acked) return;
        if (!login.success) {
          send_step(actor, login, Obj().add("username", arg_user(op.user)).text(), "\"fail\"",
                    note);
          return;
        }
        Obj o;
        o.str("actor", actor).str("do", "login");
        if (t.oracle.size() > 1 && t.oracle[1].acked) {
          o.add("expect", expect_of(t.oracle[1], false, false));
        }
        if (ack_diverges_on({"login", "login_challenge_response"})) cite(o);
        push(std::move(o.str("note", note)));
        return;
      }
      case OpKind::logout:
        push(Obj().str("actor", actor).add("disconnect", "true").str("note", note));
        fresh_[conn] = false;
        open_[conn] = false;
        return;
      case OpKind::friend_request:
        simple("send_friend_request", Obj().add("username", arg_user(op.other)).text());
        return;
      case OpKind::answer_request:
        simple("ack_friend_request", Obj()
                                         .add("username", arg_user(op.other))
                                         .add("accept", op.flag ? "true" : "false")
                                         .text());
        return;
      case OpKind::unfriend:
        simple("unfriend", Obj().add("username", arg_user(op.other)).text());
        return;
      case OpKind::block:
        simple("block_user", Obj().add("username", arg_user(op.other)).text());
        return;
      case OpKind::unblock:
        simple("unblock", Obj().add("username", arg_user(op.other)).text());
        return;
      case OpKind::relations: {
        static const char* kLists[] = {"get_friends", "get_friend_requests",
                                       "get_outgoing_requests", "get_blocked"};
        simple(kLists[op.count & 3], "{}");
        return;
      }
      case OpKind::get_user:
        simple("get_user", Obj().add("username", arg_user(op.other)).text());
        return;
      case OpKind::user_list:
        if (const Exchange* x = find(t, "get_user_list")) {
          send_step(actor, *x, "{}", expect_of(*x, false, true), note);
        }
        return;
      case OpKind::set_user:
        simple("set_user", Obj().str(op.count == 1 ? "biography" : "status", op.text).text());
        return;
      case OpKind::create_dm: {
        const Exchange* x = find(t, "create_dm");
        if (x == nullptr) return;
        std::string members;
        for (int m : op.members) members += (members.empty() ? "" : ", ") + lit("u" + num(m));
        Obj o;
        o.str("actor", actor).str("do", "create_dm").add("members", "[" + members + "]");
        const std::string var = "dm" + num(op.dm);
        if (x->success) {
          o.str("into", var);
          defined_.insert(var);
          keys_[op.user].insert(op.dm);
        } else {
          o.add("expect", "\"fail\"");
        }
        if (ack_diverges_on({"create_dm", "get_user"})) cite(o);
        push(std::move(o.str("note", note)));
        return;
      }
      case OpKind::get_dms:
        simple("get_dms", "{}");
        return;
      case OpKind::get_dm:
        simple("get_dm", Obj().add("id", dm_ref()).text());
        return;
      case OpKind::set_dm:
        simple(
            "set_dm",
            Obj().add("id", dm_ref()).add("name", op.text.empty() ? "null" : lit(op.text)).text());
        return;
      case OpKind::leave_dm:
        simple("leave_dm", Obj().add("id", dm_ref()).text());
        return;
      case OpKind::typing:
        simple("ping_typing", Obj().add("id", dm_ref()).text());
        return;
      case OpKind::send:
      case OpKind::burst: {
        int k = 0;
        for (const Exchange& x : t.oracle) {
          if (x.event != "send_message") continue;
          const int msg = op.msg + k++;
          if (!x.acked) continue;
          const std::string var = "m" + num(msg);
          const std::string dmv = dm_ref();
          if (keys_[op.user].count(op.dm) && known("dm" + num(op.dm))) {
            Obj o;
            o.str("actor", actor)
                .str("do", "send_message")
                .add("dm", dmv)
                .str("text", "explore message " + num(msg))
                .add("schedule", num(op.schedule))
                .add("delete", num(op.del))
                .str("into", var)
                .add("expect", expect_of(x, false, false));
            if (ack_diverges_on({"send_message"})) cite(o);
            push(std::move(o.str("note", note)));
            defined_.insert(var);
            defined_.insert(var + ".signature");
            commit_captures();
          } else {
            seal(actor, op.user, op.dm, var, "explore message " + num(msg));
            send_step(actor, x,
                      Obj()
                          .add("id", dmv)
                          .add("message", var_ref(var))
                          .add("signature", var_ref(var + ".signature"))
                          .add("schedule", num(op.schedule))
                          .add("delete", num(op.del))
                          .text(),
                      expect_of(x, false, false), note);
          }
        }
        return;
      }
      case OpKind::edit: {
        const Exchange* x = find(t, "set_message");
        if (x == nullptr) return;
        const std::string var = "e" + num(static_cast<long long>(cur_));
        seal(actor, op.user, op.dm, var, "explore edit " + num(static_cast<long long>(cur_)));
        send_step(actor, *x,
                  Obj()
                      .add("id", msg_ref(op.msg))
                      .add("message", var_ref(var))
                      .add("signature", var_ref(var + ".signature"))
                      .text(),
                  expect_of(*x, false, false), note);
        return;
      }
      case OpKind::pin:
        simple("set_message",
               Obj().add("id", msg_ref(op.msg)).add("pinned", op.flag ? "true" : "false").text());
        return;
      case OpKind::pin_many: {
        // One set_message per message of the range the sequence has sent so far (executor.cc).
        std::vector<int> sent;
        for (int k = op.msg; k < op.msg + op.count; ++k) {
          if (auto it = msg_step_.find(k); it != msg_step_.end() && it->second < cur_) {
            sent.push_back(k);
          }
        }
        std::size_t n = 0;
        for (const Exchange& x : t.oracle) {
          if (x.event != "set_message" || n >= sent.size()) continue;
          const int k = sent[n++];
          if (!x.acked) continue;
          send_step(actor, x, Obj().add("id", msg_ref(k)).add("pinned", "true").text(),
                    expect_of(x, false, false), note);
        }
        return;
      }
      case OpKind::get_message:
        simple("get_message", Obj().add("id", msg_ref(op.msg)).text());
        return;
      case OpKind::history: {
        const Exchange* x = find(t, "get_message_history");
        if (x == nullptr) return;
        std::string cursor;
        if (op.cursor < 0) {
          // The executor's cursor: a client's "now", one second ahead (EV-MSG-015).
          const std::string var = "now" + num(static_cast<long long>(cur_));
          push(Obj()
                   .str("actor", actor)
                   .str("compute", "now_iso")
                   .add("offset_s", "1")
                   .str("into", var));
          defined_.insert(var);
          cursor = var_ref(var);
        } else {
          const std::string ts = "msg" + num(op.cursor) + ".ts";
          cursor = known(ts) ? var_ref(ts) : lit("2000-01-01T00:00:00.000Z");
        }
        send_step(
            actor, *x,
            Obj().add("id", dm_ref()).add("cursor", cursor).add("count", num(op.count)).text(),
            expect_of(*x, true, false), note);
        return;
      }
      case OpKind::pinned:
        if (const Exchange* x = find(t, "get_pinned")) {
          send_step(actor, *x, Obj().add("id", dm_ref()).text(), expect_of(*x, true, false), note);
        }
        return;
      case OpKind::cancel_scheduled: {
        const Exchange* get = find(t, "get_dm");
        const Exchange* cancel = find(t, "cancel_scheduled_message");
        const std::string sched = "sched" + num(static_cast<long long>(cur_));
        bool captured = false;
        if (get != nullptr) {
          // The schedule id is learned as the executor learns it, from get_dm (EV-MSG-007):
          // capturable when the DM holds exactly this one pending message.
          Conv c;
          auto ct = msg_ct_.find(op.msg);
          if (get->success && ct != msg_ct_.end() && !ct->second.empty() &&
              get->canon.find(ct->second) != std::string::npos) {
            c.sched_var = sched;
          }
          const std::string expect = expect_of(*get, false, false, c);
          captured = capturing_.count(sched) != 0;
          send_step(actor, *get, Obj().add("id", dm_ref()).text(), expect, note);
        }
        const std::string id = sched + "_id";
        if (captured) {
          push(Obj()
                   .str("actor", actor)
                   .str("compute", "int")
                   .add("text", var_ref(sched))
                   .str("into", id));
          defined_.insert(id);
        } else if (!known(id)) {
          // Not among the caller's own: the executor guesses the smallest id (EV-MSG-007).
          push(Obj().add("set", "{" + json_escape(id) + ": 1}").str("note", note));
          defined_.insert(id);
        }
        if (cancel != nullptr) {
          send_step(actor, *cancel,
                    Obj().add("dm_id", dm_ref()).add("schedule_id", var_ref(id)).text(),
                    expect_of(*cancel, false, false), note);
        }
        return;
      }
      case OpKind::react: {
        const Exchange* x = find(t, "add_reaction");
        if (x == nullptr) return;
        const std::string var = "r" + num(op.rct);
        seal(actor, op.user, op.dm, var, "explore reaction " + num(op.rct));
        ack_alias_ = "rct" + num(op.rct);
        struct Clear {
          std::string& s;
          ~Clear() { s.clear(); }
        } clear{ack_alias_};
        send_step(actor, *x,
                  Obj()
                      .add("id", msg_ref(op.msg))
                      .add("reaction", var_ref(var))
                      .add("signature", var_ref(var + ".signature"))
                      .text(),
                  expect_of(*x, false, false), note);
        return;
      }
      case OpKind::unreact: {
        ensure("rct" + num(op.rct));
        simple("remove_reaction", Obj().add("id", var_ref("rct" + num(op.rct))).text());
        return;
      }
      case OpKind::join_call:
        simple("join_call", Obj().add("id", dm_ref()).str("uuid", op.text).text());
        return;
      case OpKind::leave_call:
        simple("leave_call", Obj().add("id", dm_ref()).text());
        return;
    }
  }

  long long within_ms(const StepTrace& t) const {
    if (!t.timer) return kNoteWithinMs;
    return std::max(kNoteWithinMs, t.waited / 1000 + kTimerMarginMs);
  }

  // extra_matcher: the notification the target sent and the oracle did not, as a matcher made
  // with what is known at this step, excluding every notification of that name the oracle sent
  // to that connection up to the divergence (ids not known yet match any id, so the extra
  // notification's matcher alone could match a legitimate one). Empty: not expressible.
  std::string extra_matcher(std::string& name) {
    const Divergence& d = in_.divergence;
    name = d.subject;
    const JsonValue* payload = nullptr;
    auto actual = parse_json(d.actual);
    if (actual && actual->IsObject() && json_member(*actual, "payload") != nullptr) {
      payload = json_member(*actual, "payload");
      if (name.empty()) name = json_string_or(*actual, "name", "");
    } else if (actual) {
      payload = &*actual;
    }
    if (name.empty() || payload == nullptr) return "";
    Conv c;
    c.capture = false;
    std::string m = "{\"$all\": [" + conv(*payload, c);
    std::set<std::string> excluded;
    for (std::size_t i = 0; i <= d.step && i < in_.steps.size(); ++i) {
      auto it = in_.steps[i].oracle_notes.find(d.conn);
      if (it == in_.steps[i].oracle_notes.end()) continue;
      for (const auto& n : it->second) {
        auto j = parse_json(n);
        if (!j || json_string_or(*j, "name", "") != name) continue;
        const JsonValue* p = json_member(*j, "payload");
        if (p == nullptr) continue;
        const std::string not_m = conv(*p, c);
        if (excluded.insert(not_m).second) m += ", {\"$not\": " + not_m + "}";
      }
    }
    return m + "]}";
  }

  // write_extra_note_check: the notification the target sent and the oracle did not must not
  // arrive. At the divergence step a `none` watches the step's action (before its awaits
  // consume anything); at every earlier step where the connection is open, a `none` with an
  // empty window looks at what arrived during that step, since a replay's timing may bring the
  // notification earlier (a timer the target should not have kept).
  void write_extra_note_check(const StepTrace& t) {
    const Divergence& d = in_.divergence;
    if (d.kind != DivergenceKind::extra_note || d.conn < 0 || cur_ > d.step) return;
    const bool guard = !at_divergence();
    if (guard && !open_[d.conn]) return;
    std::string name;
    const std::string m = extra_matcher(name);
    Obj o;
    o.str("actor", actor_of_conn(d.conn)).str("none", name.empty() ? d.subject : name);
    if (!m.empty()) {
      o.add("match", m);
    } else {
      // Without the payload, only a name the oracle never sent to this connection can be
      // watched for, and only at the divergence step.
      if (guard || name.empty()) return;
      for (std::size_t i = 0; i <= d.step && i < in_.steps.size(); ++i) {
        auto it = in_.steps[i].oracle_notes.find(d.conn);
        if (it == in_.steps[i].oracle_notes.end()) continue;
        for (const auto& n : it->second) {
          if (n.find(json_escape(name)) != std::string::npos) return;
        }
      }
    }
    const long long window = guard     ? 0
                             : t.timer ? std::max(kNoneWindowMs, t.waited / 1000 + kTimerMarginMs)
                                       : kNoneWindowMs;
    o.add("window_ms", num(window));
    cite(o);
    o.str("note", note_of(t) + (guard ? ": the target's extra notification, if it comes early"
                                      : ": the target also sent this notification"));
    push(std::move(o));
  }

  void write_notes(const StepTrace& t) {
    const Divergence& d = in_.divergence;
    for (const auto& [conn, notes] : t.oracle_notes) {
      const std::string actor = actor_of_conn(conn);
      const bool order_here =
          at_divergence() && d.kind == DivergenceKind::note_order && conn == d.conn;
      const bool evidence_here = at_divergence() && conn == d.conn &&
                                 (d.kind == DivergenceKind::missing_note || order_here);
      std::vector<std::string> labels;
      for (std::size_t k = 0; k < notes.size(); ++k) {
        auto n = parse_json(notes[k]);
        if (!n || !n->IsObject()) continue;
        const std::string name = json_string_or(*n, "name", "");
        const JsonValue* payload = json_member(*n, "payload");
        if (name.empty() || payload == nullptr) continue;
        const bool cited = evidence_here && (d.subject.empty() || d.subject == name || order_here);
        if (name == "x3dh_notification" && !order_here && payload->IsObject() &&
            write_join(actor, conn, *payload, t, cited)) {
          continue;
        }
        Obj o;
        o.str("actor", actor)
            .str("await", name)
            .add("match", conv(*payload, Conv{}))
            .add("within_ms", num(within_ms(t)));
        if (order_here) {
          labels.push_back("n" + num(static_cast<long long>(cur_)) + "_" +
                           num(static_cast<long long>(k)));
          o.str("label", labels.back());
        }
        if (cited) cite(o);
        push(std::move(o));
        commit_captures();
      }
      if (order_here && labels.size() >= 2) {
        std::string list;
        for (const auto& l : labels) list += (list.empty() ? "" : ", ") + json_escape(l);
        Obj o;
        o.str("actor", actor).add("order", "[" + list + "]");
        cite(o);
        push(std::move(o.str("note", note_of(t) + ": the oracle's order")));
      }
    }
  }

  // write_join: an X3DH object is received as a client does (`do: join_dm`), so that the member
  // holds the DM's key for its own later messages (CR-TREE-005…007).
  bool write_join(const std::string& actor, int conn, const JsonValue& p, const StepTrace& t,
                  bool cited) {
    const JsonValue* id = json_member(p, "id");
    static const std::regex dm_re(R"(dm([0-9]+))");
    std::smatch m;
    std::string ids = id != nullptr && id->IsString() ? id->GetString() : "";
    if (!std::regex_match(ids, m, dm_re) || !known(ids)) return false;
    Obj has;
    if (const JsonValue* s = json_member(p, "sender")) has.add("sender", conv(*s, Conv{}));
    if (const JsonValue* pos = json_member(p, "position")) has.add("position", conv(*pos, Conv{}));
    Obj o;
    o.str("actor", actor)
        .str("do", "join_dm")
        .add("dm", var_ref(ids))
        .add("match", "{\"$has\": " + has.text() + "}")
        .add("within_ms", num(within_ms(t)));
    if (cited) cite(o);
    push(std::move(o));
    commit_captures();
    keys_[conn / 2].insert(std::stoi(m[1].str()));
    return true;
  }

  // ---- the document ----

  std::vector<std::string> clauses() const {
    static const std::regex clause_re(R"((EV|CR|TR)-[A-Z0-9]+-\d{3})");
    std::vector<std::string> out;
    for (const auto& c : in_.divergence.clauses) {
      if (std::regex_match(c, clause_re) && std::find(out.begin(), out.end(), c) == out.end()) {
        out.push_back(c);
      }
    }
    if (out.empty()) {
      // A divergence the catalogue could not place: acks are governed by the envelope rule,
      // notifications by the one-argument rule (events.md §1).
      out.push_back(in_.divergence.kind == DivergenceKind::ack ? "EV-TRN-005" : "EV-TRN-024");
    }
    return out;
  }

  static std::string scenario_id(const std::string& raw) {
    std::string s;
    for (char ch : raw) {
      const char c = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
      s += (std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '-') ? c
                                                                                             : '-';
    }
    if (s.empty() || !std::isalnum(static_cast<unsigned char>(s[0]))) s = "explore" + s;
    return s;
  }

  std::string description() const {
    const Divergence& d = in_.divergence;
    std::string s = "Written by unmanageable-conformance explore";
    if (!in_.found_by.empty()) s += " (" + in_.found_by + ")";
    s += ". At sequence step " + num(static_cast<long long>(d.step));
    if (d.step < in_.steps.size()) s += " (" + note_of_step(d.step) + ")";
    s += ", " + kind_text(d.kind);
    if (!d.subject.empty()) s += " " + d.subject;
    if (d.conn >= 0) s += " on " + actor_of_conn(d.conn);
    s += ": the oracle (reference core) gave " + clip(d.expected, 600) + "; the target gave " +
         clip(d.actual, 600) + ".";
    return s;
  }

  std::string note_of_step(std::size_t i) const {
    const StepTrace& t = in_.steps[i];
    return t.timer ? std::string("timer") : describe(t.op);
  }

  std::string document() const {
    std::string actors;
    for (int u : users_) {
      actors += (actors.empty() ? "" : ", ") + lit("u" + num(u));
      if (slot1_.count(u)) {
        actors += ", " + Obj()
                             .str("name", "u" + num(u) + "b")
                             .str("as", "u" + num(u))
                             .add("connect", "false")
                             .text();
      }
    }
    std::string cl;
    for (const auto& c : clauses()) cl += (cl.empty() ? "" : ", ") + json_escape(c);
    std::string s = "{";
    s += "\"id\": " + lit(scenario_id(in_.id));
    s += ",\n \"title\": " + lit(whole_chars(in_.title.empty() ? in_.id : in_.title));
    s += ",\n \"description\": " + lit(description());
    s += ",\n \"basis\": " + std::string(in_.divergence.strict ? "\"document\"" : "\"decided\"");
    s += ",\n \"clauses\": [" + cl + "]";
    s += ",\n \"tags\": [\"explore\"]";
    s += ",\n \"actor_state\": \"registered\"";
    s += ",\n \"actors\": [" + actors + "]";
    s += ",\n \"steps\": [\n";
    for (std::size_t i = 0; i < steps_.size(); ++i) {
      s += "  " + steps_[i] + (i + 1 < steps_.size() ? ",\n" : "\n");
    }
    s += " ]}\n";
    return s;
  }

  const ScenarioInput& in_;
  std::size_t last_ = 0;
  std::size_t cur_ = 0;
  std::set<int> users_, slot1_;
  std::map<int, std::string> user_name_;
  std::map<std::string, std::string> subst_;  // explorer value → the scenario variable for it
  std::map<int, std::string> msg_ct_;         // abstract message → explorer ciphertext
  std::map<int, std::size_t> msg_step_;       // abstract message → the step that sent it
  std::set<std::string> defined_;             // variables set by earlier steps
  std::set<std::string> capturing_;           // captured by the step being written
  std::map<int, bool> fresh_;                 // connection open since setup, never logged in
  std::map<int, bool> open_;                  // connection open in the scenario
  long long pace_debt_ms_ = 0;                // explored time not yet slept (pace())
  std::map<int, std::set<int>> keys_;         // user → DMs whose key its identity holds
  std::vector<std::string> steps_;
  std::string ack_alias_;      // the reaction whose id the ack being written gives
  std::string alias_pending_;  // captured as <var>.ack, to compare after the notifications
};

}  // namespace

std::string write_scenario(const ScenarioInput& in) {
  Writer w(in);
  return w.run();
}

}  // namespace unm::conformance::explore
