#include "conformance/tool/fuzz_command_core.h"

#include <rapidjson/document.h>
#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>

#include <algorithm>
#include <charconv>
#include <limits>

#include "reference/protocol/objects.h"

namespace unm::conformance::tool::livefuzz {

namespace {

using protocol::json_string;

// Kind is a payload field's wire type (events.md §1.4), which decides what is invalid for it.
enum class Kind { id, hex, key, sig, name, any_string, boolean, seconds, count, array, text };

struct Field {
  std::string key;
  Kind kind;
  std::string value;  // JSON text
};

struct Template {
  std::string event;
  std::vector<Field> fields;
  bool exact = true;  // the key set is exact (EV-TRN-011); false for set_* with optional keys
};

std::string object_text(const std::vector<Field>& fields) {
  std::string s = "{";
  for (std::size_t i = 0; i < fields.size(); ++i) {
    if (i != 0) s += ",";
    s += json_string(fields[i].key) + ":" + fields[i].value;
  }
  return s + "}";
}

std::vector<Template> catalogue(const Context& c) {
  const std::string key = json_string(c.valid_key);
  const std::string sig = json_string(c.valid_sig);
  const std::string peer = json_string(c.peer);
  return {
      {"get_user", {{"username", Kind::any_string, peer}}},
      {"get_full_user", {}},
      {"get_user_list", {}},
      {"create_dm",
       {{"usernames", Kind::array, "[" + peer + "]"},
        {"messages", Kind::array, R"([{"spk":)" + key + R"(,"ek":)" + key + "}]"},
        {"key_tree", Kind::array, "[" + key + "," + key + "]"}}},
      {"get_dms", {}},
      {"get_dm", {{"id", Kind::id, "1"}}},
      {"send_message",
       {{"id", Kind::id, "1"},
        {"message", Kind::hex, R"("00ff")"},
        {"signature", Kind::sig, sig},
        {"schedule", Kind::seconds, "0"},
        {"delete", Kind::seconds, "0"}}},
      {"get_message", {{"id", Kind::id, "1"}}},
      {"get_message_history",
       {{"id", Kind::id, "1"},
        {"cursor", Kind::any_string, R"("")"},
        {"count", Kind::count, "10"}}},
      {"get_pinned", {{"id", Kind::id, "1"}}},
      {"cancel_scheduled_message", {{"dm_id", Kind::id, "1"}, {"schedule_id", Kind::id, "1"}}},
      {"add_reaction",
       {{"id", Kind::id, "1"},
        {"reaction", Kind::hex, R"("f09f918d")"},
        {"signature", Kind::sig, sig}}},
      {"remove_reaction", {{"id", Kind::id, "1"}}},
      {"ping_typing", {{"id", Kind::id, "1"}}},
      {"send_friend_request", {{"username", Kind::name, peer}}},
      {"get_friend_requests", {}},
      {"get_outgoing_requests", {}},
      {"get_friends", {}},
      {"get_blocked", {}},
      {"ack_friend_request", {{"username", Kind::name, peer}, {"accept", Kind::boolean, "false"}}},
      {"unfriend", {{"username", Kind::name, peer}}},
      {"block_user", {{"username", Kind::name, peer}}},
      {"unblock", {{"username", Kind::name, peer}}},
      {"join_call", {{"id", Kind::id, "1"}, {"uuid", Kind::text, R"("c0ffee")"}}},
      {"leave_call", {{"id", Kind::id, "1"}}},
      {"set_user", {{"status", Kind::text, R"("online")"}}, false},
      {"set_dm", {{"id", Kind::id, "1"}, {"name", Kind::text, R"("fuzz")"}}, false},
      {"set_message", {{"id", Kind::id, "1"}, {"pinned", Kind::boolean, "false"}}, false},
  };
}

std::size_t pick(std::mt19937_64& rng, std::size_t n) {
  return n == 0 ? 0 : std::uniform_int_distribution<std::size_t>(0, n - 1)(rng);
}

// wrong_type returns a JSON value whose type is not the one `k` requires.
std::string wrong_type(Kind k, std::mt19937_64& rng) {
  std::vector<std::string> c;
  const bool string_kind = k == Kind::hex || k == Kind::key || k == Kind::sig || k == Kind::name ||
                           k == Kind::any_string || k == Kind::text;
  const bool number_kind = k == Kind::id || k == Kind::seconds || k == Kind::count;
  c.push_back("null");
  c.push_back("{}");
  if (k != Kind::array) c.push_back("[]");
  if (!string_kind) c.push_back(R"("1")");
  if (!number_kind) c.push_back("1");
  if (k != Kind::boolean) c.push_back("true");
  if (number_kind) c.push_back("1.5");  // EV-TRN-014/016: integers only
  return c[pick(rng, c.size())];
}

// out_of_range returns a value of the right JSON type that breaks a limit of events.md
// Table 2 or §1.4, or "" when the kind has no such value.
std::string out_of_range(Kind k, std::mt19937_64& rng) {
  switch (k) {
    case Kind::id: {
      static const char* v[] = {"0", "-1", "9007199254740992", "18446744073709551616"};
      return v[pick(rng, 4)];
    }
    case Kind::seconds:
      return pick(rng, 2) == 0 ? "-1" : "31536001";
    case Kind::count:
      return pick(rng, 2) == 0 ? "-1" : "2147483648";
    case Kind::hex: {
      static const char* v[] = {R"("")", R"("0")", R"("zz")", R"("ABCD")", R"("0g")"};
      return v[pick(rng, 5)];
    }
    case Kind::key: {
      static const char* v[] = {
          R"("0100000000000000000000000000000000000000000000000000000000000000")",  // identity
          R"("ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f")",  // order 2
          R"("edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f")",  // y = p
          R"("58666666666666666666666666666666666666666666666666666666666666")",    // short
          R"("5866666666666666666666666666666666666666666666666666666666666G66")"};
      return v[pick(rng, 5)];
    }
    case Kind::sig:
      return R"(")" + std::string(127, 'a') + R"(")";
    case Kind::name:
      return R"(")" + std::string(65, 'n') + R"(")";  // Table 2: 1 … 64
    default:
      return "";
  }
}

std::string huge_string(std::mt19937_64& rng) {
  static const std::size_t sizes[] = {600, 5'000, 140'000};
  return R"(")" + std::string(sizes[pick(rng, 3)], pick(rng, 2) == 0 ? 'a' : '0') + R"(")";
}

}  // namespace

Expected<std::chrono::seconds, std::string> parse_duration(std::string_view text) {
  if (text.empty()) return Unexpected{std::string("empty duration")};
  std::uint64_t n = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec != std::errc{} || p == text.data()) {
    return Unexpected{"bad duration \"" + std::string(text) + "\" (use 90, 90s, 5m or 1h)"};
  }
  const std::string_view unit(p, static_cast<std::size_t>(text.data() + text.size() - p));
  std::uint64_t mult = 0;
  if (unit.empty() || unit == "s") mult = 1;
  if (unit == "m") mult = 60;
  if (unit == "h") mult = 3600;
  if (mult == 0 || n > 24 * 3600 / mult) {
    return Unexpected{"bad duration \"" + std::string(text) + "\" (use 90, 90s, 5m or 1h, <= 24h)"};
  }
  return std::chrono::seconds(static_cast<std::int64_t>(n * mult));
}

namespace {

// unsigned_in parses a whole decimal number in lo … hi (the setter's refusal names the range).
std::optional<std::string> unsigned_in(std::string_view v, std::uint64_t lo, std::uint64_t hi,
                                       std::uint64_t& out) {
  std::uint64_t n = 0;
  auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
  if (ec != std::errc{} || p != v.data() + v.size()) return "needs a non-negative integer";
  if (n < lo || n > hi) {
    return cli::cat("must be ", std::to_string(lo), " … ", std::to_string(hi));
  }
  out = n;
  return std::nullopt;
}

constexpr const char* kFuzzDescription =
    "Live-server fuzzer: logs in as fresh users, then sends malformed and mutated events and\n"
    "frames (wrong types, missing and extra keys, huge values, invalid hex and points, wrong\n"
    "argument shapes, unknown events, out-of-order login steps, raw broken packets, abrupt\n"
    "disconnects). It checks that every request gets a well-formed ack, that no invalid input\n"
    "is acked with success, and that the server stays alive. A missing ack is confirmed by a\n"
    "probe on the same connection after --probe-after-ms, not by waiting out the timeout.\n"
    "Findings are grouped by signature (event, mutation class, problem) with a count, the\n"
    "first and the smallest occurrence; each new one is minimised and written to\n"
    "DIR/scenarios/<signature>.json (replay: `unmanageable-conformance run --scenarios\n"
    "DIR/scenarios`). A crash (connections refused) or hang (nothing answers) of the target\n"
    "is told apart from a protocol deviation. The summary (requests/s, coverage of events x\n"
    "mutation classes, findings per signature) is printed and written as JSON.";

}  // namespace

cli::Parser make_parser(Options& o) {
  cli::Parser p(kFuzzProgram,
                "unmanageable-conformance fuzz --target URL [--duration D] [--seed N]\n"
                "         [--sessions N] [--expectations FILE] [--out DIR] [--summary FILE]\n"
                "         [--call-timeout-ms MS] [--probe-after-ms MS] [--minimize-budget D] "
                "[--insecure]",
                kFuzzDescription);
  auto duration_into = [](std::chrono::seconds& target) {
    return [&target](std::string_view v) -> std::optional<std::string> {
      auto d = parse_duration(v);
      if (!d) return d.error();
      target = *d;
      return std::nullopt;
    };
  };
  p.option("--target", "URL", "server to fuzz (http://, https://, ws://, wss://)", o.target)
      .option("--duration", "D", "how long: 90, 90s, 5m, 1h (default 60s)",
              duration_into(o.duration))
      .option("--seed", "N", "seed of every choice (default 1); session i uses seed+i",
              [&o](std::string_view v) {
                return unsigned_in(v, 0, std::numeric_limits<std::uint64_t>::max(), o.seed);
              })
      .option("--sessions", "N", "parallel sessions, 1 … 64 (default 1)",
              [&o](std::string_view v) -> std::optional<std::string> {
                std::uint64_t n = 0;
                if (auto e = unsigned_in(v, 1, 64, n)) return e;
                o.sessions = static_cast<int>(n);
                return std::nullopt;
              })
      .option("--expectations", "FILE",
              "known findings: signature globs in the runner's expectations\n"
              "format (\"fuzz.unblock.*\": {\"outcome\": \"fail\", ...})",
              o.expectations)
      .option("--out", "DIR", "where findings go (default ./fuzz-findings)", o.out_dir)
      .option("--summary", "FILE", "JSON summary (default DIR/summary.json)", o.summary)
      .option("--call-timeout-ms", "MS",
              "how long to wait for the probe or a setup step, 1 … 600000 (default 5000)",
              [&o](std::string_view v) -> std::optional<std::string> {
                std::uint64_t n = 0;
                if (auto e = unsigned_in(v, 1, 600'000, n)) return e;
                o.call_timeout = std::chrono::milliseconds(n);
                return std::nullopt;
              })
      .option("--probe-after-ms", "MS",
              "wait this long for an ack before probing, 1 … 60000 (default 400)",
              [&o](std::string_view v) -> std::optional<std::string> {
                std::uint64_t n = 0;
                if (auto e = unsigned_in(v, 1, 60'000, n)) return e;
                o.probe_after = std::chrono::milliseconds(n);
                return std::nullopt;
              })
      .option("--minimize-budget", "D",
              "time to minimise new findings after the run (default 30s; 0: none)",
              duration_into(o.minimize_budget))
      .flag("--insecure", "do not verify TLS certificates", o.insecure)
      .epilogue(
          "exit status: 0 no new finding, 1 new protocol deviations, 2 usage or connection "
          "error,\n3 the target crashed or hung");
  return p;
}

Expected<Options, std::string> parse_options(std::span<const std::string> args) {
  Options o;
  const cli::Parser p = make_parser(o);
  auto parsed = p.parse(args, [](std::string_view) { return std::optional<std::string>(); });
  if (!parsed) return Unexpected{parsed.error()};
  o.help = *parsed == cli::Parsed::help;
  o.version = *parsed == cli::Parsed::version;
  if (!o.help && !o.version && o.target.empty()) {
    return Unexpected{std::string("--target URL is required")};
  }
  if (o.summary.empty())
    o.summary = (o.out_dir.empty() ? std::string(".") : o.out_dir) + "/summary.json";
  if (o.probe_after > o.call_timeout) o.probe_after = o.call_timeout;
  return o;
}

std::string help_text() {
  Options o;
  return make_parser(o).help();
}

std::vector<std::pair<std::string, std::string>> well_formed(const Context& ctx) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& t : catalogue(ctx)) out.emplace_back(t.event, object_text(t.fields));
  return out;
}

Request mutate(const Context& ctx, std::mt19937_64& rng) {
  auto cat = catalogue(ctx);
  Template t = cat[pick(rng, cat.size())];
  Request r;
  r.event = t.event;
  r.expect = Expect::failure;
  const std::size_t n = t.fields.size();
  switch (pick(rng, 10)) {
    case 0:  // missing key (EV-TRN-011)
      if (n == 0 || !t.exact) break;
      {
        const std::size_t i = pick(rng, n);
        r.mutation = "drop key " + t.fields[i].key;
        r.mutation_class = "drop-key";
        r.mutated_key = t.fields[i].key;
        t.fields.erase(t.fields.begin() + static_cast<std::ptrdiff_t>(i));
      }
      break;
    case 1:  // extra key (EV-TRN-011)
      if (!t.exact) break;
      r.mutation = "extra key";
      r.mutation_class = "extra-key";
      r.mutated_key = "fuzz_extra";
      t.fields.push_back({"fuzz_extra", Kind::boolean, "true"});
      break;
    case 2:  // wrong JSON type (EV-TRN-014..018)
      if (n == 0) break;
      {
        auto& f = t.fields[pick(rng, n)];
        f.value = wrong_type(f.kind, rng);
        r.mutation = "wrong type for " + f.key;
        r.mutation_class = "wrong-type";
        r.mutated_key = f.key;
      }
      break;
    case 3:  // out of range / invalid hex / invalid point (EV-TRN-017, EV-TRN-020, CR-KEY-004)
      if (n == 0) break;
      {
        auto& f = t.fields[pick(rng, n)];
        const std::string v = out_of_range(f.kind, rng);
        if (v.empty()) break;
        f.value = v;
        r.mutation = "invalid value for " + f.key;
        r.mutation_class = "invalid-value";
        r.mutated_key = f.key;
      }
      break;
    case 4:  // an invalid ephemeral key inside create_dm (EV-DM-004)
      if (t.event != "create_dm") break;
      t.fields[1].value =
          R"([{"spk":)" + json_string(ctx.valid_key) +
          R"(,"ek":"0100000000000000000000000000000000000000000000000000000000000000"}])";
      r.mutation = "small-order ek";
      r.mutation_class = "small-order-ek";
      r.mutated_key = "messages";
      break;
    case 5: {  // wrong argument shape (EV-TRN-008)
      static const char* shapes[] = {"[]", "[1]", "[null]", "[[]]", "[\"x\"]"};
      r.args_json = shapes[pick(rng, 5)];
      if (pick(rng, 2) == 0) r.args_json = "[" + object_text(t.fields) + ",{}]";
      r.mutation = "argument shape";
      r.mutation_class = "argument-shape";
      return r;
    }
    case 6:  // unknown event (EV-TRN-021)
      r.event = pick(rng, 2) == 0 ? "no_such_event" : t.event + "_x";
      r.mutation = "unknown event";
      r.mutation_class = "unknown-event";
      break;
    case 7:  // a huge value: only refusal-or-success is unknown, the ack must still come
      if (n == 0) break;
      {
        auto& f = t.fields[pick(rng, n)];
        f.value = huge_string(rng);
        r.mutated_key = f.key;
      }
      r.expect = Expect::any;
      r.mutation = "huge value";
      r.mutation_class = "huge-value";
      break;
    default:  // unchanged: a well-formed request (its failure or success is not judged)
      r.expect = Expect::any;
      r.mutation = "none";
      break;
  }
  if (r.mutation.empty()) {
    r.expect = Expect::any;
    r.mutation = "none";
    r.mutation_class = "none";
    r.mutated_key.clear();
  }
  // set_user / set_dm / set_message have optional keys whose null or absent values may be
  // meaningful: their value mutations are sent, but not judged.
  if (!t.exact && r.mutation != "unknown event") r.expect = Expect::any;
  r.args_json = "[" + object_text(t.fields) + "]";
  return r;
}

AckVerdict judge_ack(const Request& req, std::string_view ack_json) {
  AckVerdict v;
  rapidjson::Document d;
  d.Parse(ack_json.data(), ack_json.size());
  if (d.HasParseError() || !d.IsArray() || d.Size() != 1 || !d[0].IsObject()) {
    v.problem = "ack is not one result object (EV-TRN-005)";
    v.code = "malformed-ack";
    return v;
  }
  const auto& o = d[0];
  const auto s = o.FindMember("success");
  const auto r = o.FindMember("result");
  if (o.MemberCount() != 2 || s == o.MemberEnd() || !s->value.IsBool() || r == o.MemberEnd()) {
    v.problem = "ack is not {success, result} (EV-TRN-005)";
    v.code = "malformed-ack";
    return v;
  }
  v.success = s->value.GetBool();
  if (!v.success && (!r->value.IsString() || r->value.GetStringLength() == 0)) {
    v.problem = "failure without a reason text (EV-TRN-006)";
    v.code = "failure-without-reason";
    return v;
  }
  v.well_formed = true;
  if (req.expect == Expect::failure && v.success) {
    v.problem = "invalid input acked with success (" + req.mutation + ")";
    v.code = "accepted-invalid";
  }
  return v;
}

bool is_probe_ok(std::string_view ack_json) {
  rapidjson::Document d;
  d.Parse(ack_json.data(), ack_json.size());
  if (d.HasParseError() || !d.IsArray() || d.Size() != 1 || !d[0].IsObject()) return false;
  const auto& o = d[0];
  const auto s = o.FindMember("success");
  const auto r = o.FindMember("result");
  return s != o.MemberEnd() && s->value.IsBool() && s->value.GetBool() && r != o.MemberEnd() &&
         r->value.IsBool() && r->value.GetBool();
}

const std::vector<std::string>& mutation_classes() {
  static const std::vector<std::string> k{"none",           "drop-key",      "extra-key",
                                          "wrong-type",     "invalid-value", "small-order-ek",
                                          "argument-shape", "unknown-event", "huge-value",
                                          "out-of-order",   "raw-packet",    "abrupt-disconnect"};
  return k;
}

std::size_t reproducer_size(const Finding& f) {
  return f.raw.empty() ? f.request.event.size() + f.request.args_json.size() : f.raw.size();
}

namespace {

void replace_all(std::string& s, std::string_view from, std::string_view to) {
  if (from.empty()) return;
  for (auto p = s.find(from); p != std::string::npos; p = s.find(from, p + to.size())) {
    s.replace(p, from.size(), to);
  }
}

// as_variables turns the session's names and the peer's key into scenario variables, so the
// reproducer runs with the replaying run's own users.
std::string as_variables(std::string text, const Context& ctx, bool& names_peer) {
  replace_all(text, "${", "$${");
  const auto before = text;
  if (!ctx.valid_key.empty()) replace_all(text, ctx.valid_key, "${peer.public_key}");
  if (!ctx.peer.empty()) replace_all(text, ctx.peer, "${peer}");
  names_peer = text != before;
  if (!ctx.self.empty()) replace_all(text, ctx.self, "${fuzzer}");
  return text;
}

}  // namespace

std::string finding_scenario(const Finding& f, const std::string& id) {
  // Built as a DOM so every string is escaped correctly.
  rapidjson::Document d(rapidjson::kObjectType);
  auto& a = d.GetAllocator();
  auto str = [&](std::string_view s) {
    return rapidjson::Value(s.data(), static_cast<rapidjson::SizeType>(s.size()), a);
  };
  bool names_peer = false;
  const std::string args = as_variables(f.request.args_json, f.ctx, names_peer);
  d.AddMember("id", str(id), a);
  d.AddMember("title", str("live fuzzer finding: " + f.what), a);
  std::string desc = "Found by `unmanageable-conformance fuzz`. Server answered: " + f.got;
  if (f.after_disconnect) desc += " (after an abrupt disconnect)";
  d.AddMember("description", str(desc), a);
  rapidjson::Value clauses(rapidjson::kArrayType);
  clauses.PushBack(str("EV-TRN-005"), a);
  if (f.request.expect == Expect::failure) clauses.PushBack(str("EV-TRN-008"), a);
  d.AddMember("clauses", clauses, a);
  rapidjson::Value tags(rapidjson::kArrayType);
  tags.PushBack(str("fuzz"), a);
  tags.PushBack(str("robustness"), a);
  d.AddMember("tags", tags, a);
  d.AddMember("basis", str("decided"), a);
  // The fuzzer starts registered and logged in (the default actor state); the peer whose name
  // or key the payload carries is registered, without a connection.
  rapidjson::Value actors(rapidjson::kArrayType);
  actors.PushBack(str("fuzzer"), a);
  if (names_peer) {
    rapidjson::Value peer(rapidjson::kObjectType);
    peer.AddMember("name", str("peer"), a);
    peer.AddMember("state", str("registered"), a);
    actors.PushBack(peer, a);
  }
  d.AddMember("actors", actors, a);
  rapidjson::Value steps(rapidjson::kArrayType);
  auto step = [&](std::initializer_list<std::pair<const char*, rapidjson::Value>> kv) {
    rapidjson::Value s(rapidjson::kObjectType);
    for (const auto& [k, v] : kv) {
      rapidjson::Value copy(v, a);
      s.AddMember(rapidjson::StringRef(k), copy, a);
    }
    steps.PushBack(s, a);
  };
  const bool reconnect = !f.raw.empty() || f.disconnect;
  if (!f.raw.empty()) {
    step({{"raw", str(f.raw)}, {"actor", str("fuzzer")}});
  } else if (f.disconnect) {
    step({{"send", str(f.request.event)},
          {"actor", str("fuzzer")},
          {"args_json", str(args)},
          {"no_ack", rapidjson::Value(true)},
          {"note", str(f.request.mutation)}});
    step({{"disconnect", rapidjson::Value(true)}, {"actor", str("fuzzer")}});
  } else if (!f.request.event.empty()) {
    // A short timeout: a missing ack shows in 3 s, not 5.
    if (f.request.expect == Expect::failure) {
      step({{"send", str(f.request.event)},
            {"actor", str("fuzzer")},
            {"args_json", str(args)},
            {"expect", str("fail")},
            {"timeout_ms", rapidjson::Value(3000)},
            {"note", str(f.request.mutation)}});
    } else {
      // Any well-formed ack will do (a send step without `expect` would require success).
      rapidjson::Value any(rapidjson::kObjectType);
      rapidjson::Value boolean(rapidjson::kObjectType);
      boolean.AddMember("$type", str("boolean"), a);
      rapidjson::Value anything(rapidjson::kObjectType);
      anything.AddMember("$any", true, a);
      any.AddMember("success", boolean, a);
      any.AddMember("result", anything, a);
      step({{"send", str(f.request.event)},
            {"actor", str("fuzzer")},
            {"args_json", str(args)},
            {"expect", std::move(any)},
            {"timeout_ms", rapidjson::Value(3000)},
            {"note", str(f.request.mutation)}});
    }
  }
  if (reconnect) {
    // After a broken packet the server may close the connection (TR-SIO-003): probe on a new
    // one, logged in again.
    step({{"connect", rapidjson::Value(true)}, {"actor", str("fuzzer")}});
    step({{"do", str("login")}, {"actor", str("fuzzer")}});
  }
  // The alive probe: a well-formed request answered correctly.
  rapidjson::Value pargs(rapidjson::kObjectType);
  pargs.AddMember("username", str("${fuzzer}"), a);
  step({{"send", str("username_exists")},
        {"actor", str("fuzzer")},
        {"args", std::move(pargs)},
        {"expect", str("ok")}});
  d.AddMember("steps", steps, a);
  rapidjson::StringBuffer buf;
  rapidjson::PrettyWriter<rapidjson::StringBuffer> w(buf);
  w.SetIndent(' ', 2);
  d.Accept(w);
  return std::string(buf.GetString(), buf.GetSize()) + "\n";
}

}  // namespace unm::conformance::tool::livefuzz
