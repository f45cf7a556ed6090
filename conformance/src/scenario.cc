// scenario.cc — see scenario.h.
#include "conformance/src/scenario.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>

#include "conformance/src/matcher.h"

namespace unm::conformance {

std::string_view basis_name(Basis b) {
  return b == Basis::document ? "document" : "decided";
}

std::string_view step_kind_name(StepKind k) {
  switch (k) {
    case StepKind::send:
      return "send";
    case StepKind::await:
      return "await";
    case StepKind::none:
      return "none";
    case StepKind::raw:
      return "raw";
    case StepKind::sleep:
      return "sleep_ms";
    case StepKind::do_:
      return "do";
    case StepKind::compute:
      return "compute";
    case StepKind::set:
      return "set";
    case StepKind::connect:
      return "connect";
    case StepKind::disconnect:
      return "disconnect";
    case StepKind::order:
      return "order";
    case StepKind::clear:
      return "clear";
    case StepKind::require:
      return "require";
    case StepKind::check:
      return "check";
  }
  return "?";
}

Expected<std::string, std::string> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Unexpected{"cannot open " + path};
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

namespace {

std::string_view sv(const JsonValue& v) {
  return {v.GetString(), v.GetStringLength()};
}

struct KindInfo {
  StepKind kind;
  bool needs_actor;
  std::set<std::string, std::less<>> keys;  // allowed keys besides the kind key and common ones
};

const std::map<std::string, KindInfo, std::less<>>& kinds() {
  static const std::map<std::string, KindInfo, std::less<>> k = {
      {"send",
       {StepKind::send,
        true,
        {"args", "args_json", "no_ack", "expect", "capture", "reason", "ack_first", "if_acked",
         "or_args", "or_event"}}},
      {"await", {StepKind::await, true, {"match", "within_ms", "capture", "label"}}},
      {"none", {StepKind::none, true, {"match", "window_ms", "before_due"}}},
      {"raw", {StepKind::raw, true, {"window_ms", "expect_connected"}}},
      {"sleep_ms", {StepKind::sleep, false, {}}},
      {"do",
       {StepKind::do_,
        true,
        {"with", "members", "into", "dm", "text", "schedule", "delete", "expect", "within_ms",
         "sender", "corrupt", "value", "match", "capture", "other", "accept"}}},
      {"compute",
       {StepKind::compute,
        false,
        {"into", "hex", "challenge", "text", "dm", "bytes", "count", "offset_s", "key"}}},
      {"set", {StepKind::set, false, {}}},
      {"connect", {StepKind::connect, true, {"expect_refused"}}},
      {"disconnect", {StepKind::disconnect, true, {}}},
      {"order", {StepKind::order, true, {}}},
      {"clear", {StepKind::clear, true, {}}},
      {"require", {StepKind::require, false, {"match"}}},
      {"check", {StepKind::check, false, {"match"}}},
  };
  return k;
}

const std::set<std::string, std::less<>> kCommonStepKeys = {
    "actor", "basis", "note", "timeout_ms", "clauses", "deviations", "hard", "edge_case"};
const std::set<std::string, std::less<>> kDoOps = {
    "register", "login", "create_dm", "send_message", "join_dm", "expect_message", "befriend"};
const std::set<std::string, std::less<>> kComputeOps = {"sign",       "challenge_response",
                                                        "keypair",    "random_hex",
                                                        "encrypt",    "repeat",
                                                        "now_iso",    "spk_bundle",
                                                        "int",        "set_identity",
                                                        "public_key", "upper",
                                                        "string",     "number"};
const std::set<std::string, std::less<>> kScenarioKeys = {
    "id",    "title",    "description", "clauses",        "tags",  "basis",       "actors",
    "steps", "requires", "deviations",  "foreach_vector", "notes", "actor_state", "friends"};

using Err = Expected<void, std::string>;

Err strings(const JsonValue* v, const char* what, std::vector<std::string>& out) {
  if (v == nullptr) return {};
  if (!v->IsArray()) return Unexpected{std::string(what) + " must be an array of strings"};
  for (const auto& e : v->GetArray()) {
    if (!e.IsString()) return Unexpected{std::string(what) + " must be an array of strings"};
    out.emplace_back(sv(e));
  }
  return {};
}

Err parse_basis(const JsonValue* v, Basis& out) {
  if (v == nullptr) return {};
  if (v->IsString() && sv(*v) == "document") {
    out = Basis::document;
  } else if (v->IsString() && sv(*v) == "decided") {
    out = Basis::decided;
  } else {
    return Unexpected{std::string("basis must be \"document\" or \"decided\"")};
  }
  return {};
}

Err check_expect(const JsonValue& e) {
  if (e.IsString()) {
    if (sv(e) == "ok" || sv(e) == "fail") return {};
    return Unexpected{
        std::string("expect must be \"ok\", \"fail\", {\"ok\": M}, {\"fail\": "
                    "\"R-…\"} or a matcher of the result object")};
  }
  if (e.IsObject() && e.MemberCount() == 1) {
    if (const JsonValue* ok = json_member(e, "ok")) return validate_matcher(*ok);
    if (const JsonValue* f = json_member(e, "fail")) {
      if (!f->IsString() || f->GetStringLength() < 3 || sv(*f).substr(0, 2) != "R-") {
        return Unexpected{std::string("expect.fail must name a reason class such as R-FORMAT")};
      }
      return {};
    }
  }
  return validate_matcher(e);
}

Err parse_step(const JsonValue& s, std::size_t index, const Scenario& sc, Step& out) {
  if (!s.IsObject()) return Unexpected{std::string("must be an object")};
  const KindInfo* info = nullptr;
  std::string kind_key;
  for (auto it = s.MemberBegin(); it != s.MemberEnd(); ++it) {
    auto k = kinds().find(sv(it->name));
    if (k == kinds().end()) continue;
    if (info != nullptr) {
      return Unexpected{"has two step kinds: " + kind_key + " and " + std::string(sv(it->name))};
    }
    info = &k->second;
    kind_key = k->first;
  }
  if (info == nullptr) {
    return Unexpected{std::string(
        "has no step kind (send, await, none, raw, sleep_ms, do, compute, set, connect, "
        "disconnect, order, clear)")};
  }
  for (auto it = s.MemberBegin(); it != s.MemberEnd(); ++it) {
    std::string_view key = sv(it->name);
    if (key == kind_key || kCommonStepKeys.count(key) || info->keys.count(key)) continue;
    return Unexpected{"has unknown key \"" + std::string(key) + "\" for a " + kind_key + " step"};
  }
  out.kind = info->kind;
  out.index = index;
  out.body = &s;
  out.basis = sc.basis;
  if (auto r = parse_basis(json_member(s, "basis"), out.basis); !r) return r;
  out.basis_explicit = json_member(s, "basis") != nullptr;
  if (auto r = strings(json_member(s, "clauses"), "clauses", out.clauses); !r) return r;
  static const std::regex step_clause_re(R"((EV|CR|TR)-[A-Z0-9]+-\d{3})");
  for (const auto& c : out.clauses) {
    if (!std::regex_match(c, step_clause_re)) return Unexpected{"bad clause id \"" + c + "\""};
  }
  if (const JsonValue* d = json_member(s, "deviations")) {
    if (!d->IsArray()) return Unexpected{std::string("deviations must list §12 row numbers")};
    for (const auto& e : d->GetArray()) {
      if (!e.IsInt() || e.GetInt() < 1) {
        return Unexpected{std::string("deviations must list §12 row numbers")};
      }
      out.deviations.push_back(e.GetInt());
    }
  }
  out.actor = json_string_or(s, "actor", "");
  if (info->needs_actor || !out.actor.empty()) {
    if (out.actor.empty()) return Unexpected{kind_key + " step needs an actor"};
    bool known = std::any_of(sc.actors.begin(), sc.actors.end(),
                             [&](const Actor& a) { return a.name == out.actor; });
    if (!known) return Unexpected{"names undeclared actor \"" + out.actor + "\""};
  }
  const JsonValue& kv = *json_member(s, kind_key);
  switch (out.kind) {
    case StepKind::send:
    case StepKind::await:
    case StepKind::none:
    case StepKind::raw:
    case StepKind::do_:
    case StepKind::compute:
      if (!kv.IsString() || kv.GetStringLength() == 0) {
        return Unexpected{kind_key + " must be a non-empty string"};
      }
      out.name = std::string(sv(kv));
      break;
    case StepKind::sleep:
      if (!kv.IsInt64() || kv.GetInt64() < 0 || kv.GetInt64() > 600'000) {
        return Unexpected{std::string("sleep_ms must be an integer 0 … 600000")};
      }
      break;
    case StepKind::set:
      if (!kv.IsObject()) return Unexpected{std::string("set must be an object of variables")};
      break;
    case StepKind::order:
      if (!kv.IsArray() || kv.Size() < 2) {
        return Unexpected{std::string("order must list at least two labels")};
      }
      for (const auto& l : kv.GetArray()) {
        if (!l.IsString()) return Unexpected{std::string("order must list labels (strings)")};
      }
      break;
    case StepKind::require:
    case StepKind::check:
      if (json_member(s, "match") == nullptr) return Unexpected{kind_key + " needs match"};
      break;
    case StepKind::connect:
    case StepKind::disconnect:
    case StepKind::clear:
      if (!kv.IsBool() || !kv.GetBool()) return Unexpected{kind_key + " must be true"};
      break;
  }
  {
    // Soft unless later steps can depend on it (see Step::hard).
    bool soft_kind = out.kind == StepKind::send || out.kind == StepKind::await ||
                     out.kind == StepKind::none || out.kind == StepKind::order ||
                     out.kind == StepKind::check;
    bool feeds_later = json_member(s, "capture") != nullptr || json_member(s, "label") != nullptr ||
                       json_member(s, "into") != nullptr ||
                       to_json(s).find("\"$capture\"") != std::string::npos;
    out.hard = !soft_kind || feeds_later;
    if (const JsonValue* h = json_member(s, "hard")) {
      if (!h->IsBool()) return Unexpected{std::string("hard must be true or false")};
      out.hard = h->GetBool();
    }
  }
  if (out.kind == StepKind::do_ && !kDoOps.count(out.name)) {
    return Unexpected{"unknown do operation \"" + out.name + "\""};
  }
  if (out.kind == StepKind::compute) {
    if (!kComputeOps.count(out.name)) {
      return Unexpected{"unknown compute operation \"" + out.name + "\""};
    }
    if (json_string_or(s, "into", "").empty()) return Unexpected{std::string("compute needs into")};
  }
  if (const JsonValue* e = json_member(s, "expect")) {
    if (auto r = check_expect(*e); !r) return Unexpected{"expect: " + r.error()};
  }
  if (const JsonValue* m = json_member(s, "match")) {
    if (auto r = validate_matcher(*m); !r) return Unexpected{"match: " + r.error()};
  }
  if (const JsonValue* c = json_member(s, "capture")) {
    if (!c->IsObject()) return Unexpected{std::string("capture must map variables to pointers")};
    for (auto it = c->MemberBegin(); it != c->MemberEnd(); ++it) {
      if (!it->value.IsString() ||
          (it->value.GetStringLength() > 0 && it->value.GetString()[0] != '/')) {
        return Unexpected{std::string("capture values must be JSON pointers (\"/result\")")};
      }
    }
  }
  if (const JsonValue* a = json_member(s, "args_json"); a != nullptr && !a->IsString()) {
    return Unexpected{std::string("args_json must be a string (raw JSON array text)")};
  }
  for (const char* key : {"within_ms", "window_ms", "timeout_ms"}) {
    if (const JsonValue* v = json_member(s, key)) {
      if (!v->IsInt64() || v->GetInt64() < 0 || v->GetInt64() > 600'000) {
        return Unexpected{std::string(key) + " must be an integer 0 … 600000"};
      }
    }
  }
  return {};
}

Err parse_one(const JsonValue& v, const std::string& file, Scenario& sc) {
  if (!v.IsObject()) return Unexpected{std::string("a scenario must be a JSON object")};
  for (auto it = v.MemberBegin(); it != v.MemberEnd(); ++it) {
    if (!kScenarioKeys.count(sv(it->name))) {
      return Unexpected{"unknown scenario key \"" + std::string(sv(it->name)) + "\""};
    }
  }
  sc.file = file;
  sc.id = json_string_or(v, "id", "");
  static const std::regex id_re(R"([a-z0-9][a-z0-9_.\-]*)");
  if (sc.id.empty() || !std::regex_match(sc.id, id_re)) {
    return Unexpected{std::string("id must be lowercase [a-z0-9_.-]")};
  }
  auto ctx = [&](const std::string& m) -> Err { return Unexpected{sc.id + ": " + m}; };
  sc.title = json_string_or(v, "title", "");
  if (sc.title.empty()) return ctx("title is required");
  sc.description = json_string_or(v, "description", "");
  if (auto r = strings(json_member(v, "clauses"), "clauses", sc.clauses); !r) return ctx(r.error());
  if (sc.clauses.empty()) return ctx("clauses must name at least one clause");
  static const std::regex clause_re(R"((EV|CR|TR)-[A-Z0-9]+-\d{3})");
  for (const auto& c : sc.clauses) {
    if (!std::regex_match(c, clause_re)) return ctx("bad clause id \"" + c + "\"");
  }
  if (auto r = strings(json_member(v, "tags"), "tags", sc.tags); !r) return ctx(r.error());
  if (auto r = strings(json_member(v, "requires"), "requires", sc.requires_features); !r) {
    return ctx(r.error());
  }
  if (const JsonValue* d = json_member(v, "deviations")) {
    if (!d->IsArray()) return ctx("deviations must list events.md §12 row numbers");
    for (const auto& e : d->GetArray()) {
      if (!e.IsInt() || e.GetInt() < 1) return ctx("deviations must list §12 row numbers");
      sc.deviations.push_back(e.GetInt());
    }
  }
  if (!json_member(v, "basis")) return ctx("basis is required (document or decided)");
  if (auto r = parse_basis(json_member(v, "basis"), sc.basis); !r) return ctx(r.error());
  std::string default_state = json_string_or(v, "actor_state", "logged_in");
  auto state_ok = [](const std::string& st) {
    return st == "new" || st == "registered" || st == "logged_in";
  };
  if (!state_ok(default_state)) return ctx("actor_state must be new, registered or logged_in");
  const JsonValue* actors = json_member(v, "actors");
  if (actors == nullptr || !actors->IsArray()) return ctx("actors must be an array");
  for (const auto& a : actors->GetArray()) {
    Actor actor;
    if (a.IsString()) {
      actor.name = std::string(sv(a));
    } else if (a.IsObject()) {
      actor.name = json_string_or(a, "name", "");
      actor.user = json_string_or(a, "as", "");
      actor.connect = json_bool_or(a, "connect", true);
    }
    actor.state = a.IsObject() ? json_string_or(a, "state", default_state) : default_state;
    if (a.IsObject()) {
      actor.transport = json_string_or(a, "transport", "");
      if (!actor.transport.empty() && actor.transport != "polling" &&
          actor.transport != "websocket") {
        return ctx("actor transport must be polling or websocket");
      }
      actor.nsp = json_string_or(a, "nsp", "/");
      if (const JsonValue* auth = json_member(a, "auth")) actor.auth_json = to_json(*auth);
    }
    if (!state_ok(actor.state)) return ctx("actor state must be new, registered or logged_in");
    if (!actor.connect && actor.state == "logged_in") actor.state = "new";
    static const std::regex name_re(R"([a-z][a-z0-9_]*)");
    if (!std::regex_match(actor.name, name_re)) {
      return ctx("actor names must be lowercase identifiers");
    }
    if (actor.user.empty()) actor.user = actor.name;
    for (const Actor& other : sc.actors) {
      if (other.name == actor.name) return ctx("duplicate actor \"" + actor.name + "\"");
    }
    sc.actors.push_back(actor);
  }
  for (const Actor& a : sc.actors) {
    bool found = std::any_of(sc.actors.begin(), sc.actors.end(),
                             [&](const Actor& b) { return b.name == a.user && b.user == b.name; });
    if (!found) return ctx("actor \"" + a.name + "\" is \"as\" an undeclared actor");
  }
  if (const JsonValue* fr = json_member(v, "friends")) {
    if (!fr->IsArray()) return ctx("friends must list [actor, actor] pairs");
    for (const auto& p : fr->GetArray()) {
      if (!p.IsArray() || p.Size() != 2 || !p[0].IsString() || !p[1].IsString()) {
        return ctx("friends must list [actor, actor] pairs");
      }
      std::string x(sv(p[0])), y(sv(p[1]));
      for (const std::string& n : {x, y}) {
        auto it = std::find_if(sc.actors.begin(), sc.actors.end(),
                               [&](const Actor& a) { return a.name == n; });
        if (it == sc.actors.end() || it->state != "logged_in") {
          return ctx("friends: \"" + n + "\" must be a logged-in actor");
        }
      }
      sc.friends.emplace_back(x, y);
    }
  }
  if (const JsonValue* fv = json_member(v, "foreach_vector")) {
    sc.has_vectors = true;
    sc.vectors.family = json_string_or(*fv, "family", "");
    static const std::regex fam_re(R"([a-z0-9_]+)");
    if (!std::regex_match(sc.vectors.family, fam_re)) return ctx("foreach_vector.family required");
    sc.vectors.where = json_member(*fv, "where");
    if (sc.vectors.where != nullptr) {
      if (auto r = validate_matcher(*sc.vectors.where); !r) {
        return ctx("foreach_vector.where: " + r.error());
      }
    }
  }
  const JsonValue* steps = json_member(v, "steps");
  if (steps == nullptr || !steps->IsArray() || steps->Empty()) {
    return ctx("steps must be a non-empty array");
  }
  for (rapidjson::SizeType i = 0; i < steps->Size(); ++i) {
    Step st;
    if (auto r = parse_step((*steps)[i], i, sc, st); !r) {
      return ctx("step " + std::to_string(i + 1) + " " + r.error());
    }
    sc.steps.push_back(std::move(st));
  }
  // Every label an order step names is defined by an earlier await of the same actor.
  std::set<std::string> labels;
  for (const Step& st : sc.steps) {
    if (st.kind == StepKind::await) {
      if (const JsonValue* l = json_member(*st.body, "label"); l != nullptr && l->IsString()) {
        labels.insert(st.actor + "\n" + std::string(sv(*l)));
      }
    }
    if (st.kind != StepKind::order) continue;
    for (const auto& l : (*st.body)["order"].GetArray()) {
      if (!labels.count(st.actor + "\n" + std::string(sv(l)))) {
        return ctx("step " + std::to_string(st.index + 1) + " orders label \"" +
                   std::string(sv(l)) + "\" that no earlier await of " + st.actor + " defines");
      }
    }
  }
  return {};
}

}  // namespace

Expected<std::vector<Scenario>, LoadError> parse_scenarios(std::string_view text,
                                                           const std::string& file) {
  auto doc = parse_json(text);
  if (!doc) return Unexpected{LoadError{file, "invalid JSON: " + doc.error()}};
  auto owner = std::make_shared<JsonDoc>(std::move(*doc));
  std::vector<const JsonValue*> items;
  if (const JsonValue* list = json_member(*owner, "scenarios")) {
    if (!list->IsArray()) return Unexpected{LoadError{file, "\"scenarios\" must be an array"}};
    for (const auto& s : list->GetArray()) items.push_back(&s);
  } else {
    items.push_back(owner.get());
  }
  std::vector<Scenario> out;
  for (const JsonValue* item : items) {
    Scenario sc;
    sc.source = owner;
    if (auto r = parse_one(*item, file, sc); !r) return Unexpected{LoadError{file, r.error()}};
    out.push_back(std::move(sc));
  }
  return out;
}

Expected<std::vector<Scenario>, std::vector<LoadError>> load_scenario_dir(const std::string& dir) {
  std::vector<LoadError> errors;
  std::vector<std::string> files;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(dir, ec)) {
    if (e.is_regular_file() && e.path().extension() == ".json") files.push_back(e.path().string());
  }
  if (ec)
    return Unexpected{std::vector<LoadError>{{dir, "cannot read directory: " + ec.message()}}};
  std::sort(files.begin(), files.end());
  std::vector<Scenario> all;
  std::map<std::string, std::string> seen;
  for (const auto& f : files) {
    auto text = read_file(f);
    if (!text) {
      errors.push_back({f, text.error()});
      continue;
    }
    auto list = parse_scenarios(*text, f);
    if (!list) {
      errors.push_back(list.error());
      continue;
    }
    for (auto& sc : *list) {
      auto [it, fresh] = seen.emplace(sc.id, f);
      if (!fresh) {
        errors.push_back(
            {f, "duplicate scenario id \"" + sc.id + "\" (also in " + it->second + ")"});
        continue;
      }
      all.push_back(std::move(sc));
    }
  }
  if (!errors.empty()) return Unexpected{std::move(errors)};
  return all;
}

}  // namespace unm::conformance
