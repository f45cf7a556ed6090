// engine_test.cc — the engine over in-process fake servers: every step kind, the protocol-aware
// steps with real client crypto, and the raw verdicts that become outcomes.
#include "conformance/src/engine.h"

#include <unistd.h>
#include <filesystem>
#include <fstream>
#include <map>

#include <gtest/gtest.h>

#include "conformance/src/fake_channel_test.h"
#include "conformance/src/runner.h"
#include "reference/common/hex.h"
#include "reference/crypto/challenge.h"
#include "reference/crypto/keys.h"
#include "reference/crypto/sign.h"

namespace unm::conformance {
namespace {

using testing::FakeChannel;
using testing::FakeServer;

std::string ok(const std::string& result) {
  return "[{\"success\":true,\"result\":" + result + "}]";
}
std::string no(const std::string& why = "Invalid data format.") {
  return "[{\"success\":false,\"result\":\"" + why + "\"}]";
}

// MiniServer implements register/login/login_challenge_response/get_user/echo with real crypto,
// enough for the protocol-aware steps (EV-AUTH-003…013, CR-CHAL-001…003).
struct MiniServer {
  struct User {
    std::string pk, spk, sig;
  };
  std::mutex m;
  std::map<std::string, User> users;
  std::map<FakeChannel*, std::pair<std::string, std::string>> pending;  // user, expected
  std::vector<std::string> raw;                                         // raw packets received

  FakeServer handler() {
    return [this](FakeChannel& ch, const std::string& ev,
                  const std::string& args) -> std::optional<std::string> {
      std::lock_guard<std::mutex> lock(m);
      if (ev == "<raw>") {
        raw.push_back(args);
        return std::nullopt;
      }
      auto d = parse_json(args);
      if (!d || !d->IsArray() || d->Size() != 1 || !(*d)[0].IsObject()) return no();
      const JsonValue& p = (*d)[0];
      if (ev == "register") {
        std::string u = json_string_or(p, "username", "");
        std::string pk = json_string_or(p, "public_key", ""), spk = json_string_or(p, "spk", ""),
                    sig = json_string_or(p, "sig", "");
        if (users.count(u)) return no("Username already exists.");
        if (!crypto::verify_hex(pk, spk, sig)) return no("Malformed data.");
        users[u] = {pk, spk, sig};
        return ok("true");
      }
      if (ev == "login") {
        std::string u = json_string_or(p, "username", "");
        auto it = users.find(u);
        if (it == users.end()) return no("User does not exist.");
        auto pk = crypto::parse_public_key(it->second.pk);
        auto c = crypto::create_challenge(*pk, crypto::system_random());
        pending[&ch] = {u, to_hex(c->expected)};
        return ok("\"" + to_hex(c->challenge) + "\"");
      }
      if (ev == "login_challenge_response") {
        auto it = pending.find(&ch);
        if (it == pending.end()) return no("Not expecting a challenge response right now.");
        auto [u, expected] = it->second;
        pending.erase(it);
        if (!crypto::challenge_matches(expected, json_string_or(p, "response", ""))) {
          return no("Incorrect response.");
        }
        ch.user = u;
        return ok("true");
      }
      if (ev == "get_user") {
        if (ch.user.empty()) return no("Not logged in.");
        auto it = users.find(json_string_or(p, "username", ""));
        if (it == users.end()) return no("User does not exist.");
        return ok("{\"username\":" + json_escape(it->first) + ",\"public_key\":\"" + it->second.pk +
                  "\",\"spk\":\"" + it->second.spk + "\",\"sig\":\"" + it->second.sig + "\"}");
      }
      if (ev == "notify_me") {
        ch.push("thing", "{\"n\":1}");
        ch.push("thing", "{\"n\":2}");
        return ok("true");
      }
      if (ev == "two_args") return "[1,2]";
      if (ev == "bad_envelope") return "[{\"success\":true}]";
      if (ev == "empty_reason") return "[{\"success\":false,\"result\":\"\"}]";
      if (ev == "silent") return std::nullopt;
      return no("Unknown event.");
    };
  }
};

struct Harness {
  MiniServer server;
  std::vector<Scenario> scenarios;
  std::shared_ptr<const ClauseIndex> clauses;

  CaseRun run(const std::string& text, std::string target = "http://fake") {
    auto s = parse_scenarios(text, "t.json");
    EXPECT_TRUE(s.has_value()) << (s ? "" : s.error().message);
    if (!s) return {};
    scenarios = std::move(*s);
    auto cases = expand_cases(scenarios, "/nonexistent");
    EXPECT_TRUE(cases.has_value());
    EngineOptions o;
    o.target = std::move(target);
    o.timeout_factor = 0.2;
    o.run_id = "t";
    o.connector = testing::fake_connector(server.handler());
    o.clauses = clauses;
    return run_case((*cases)[0], o);
  }
};

std::string scenario(const std::string& steps, const std::string& extra = "",
                     const std::string& basis = "document") {
  return R"({"id":"t.case","title":"t","basis":")" + basis + R"(","clauses":["EV-TRN-005"],
             "actors":["alice","bob"],"actor_state":"new",)" +
         extra + "\"steps\":[" + steps + "]}";
}

TEST(Engine, RegisterLoginAndGetUserPass) {
  Harness h;
  CaseRun r = h.run(scenario(R"(
    {"actor":"alice","do":"register"},
    {"actor":"bob","do":"register"},
    {"actor":"alice","do":"login"},
    {"actor":"alice","send":"get_user","args":{"username":"${bob}"},
     "expect":{"ok":{"$has":{"username":"${bob}","public_key":"${bob.public_key}"}}},
     "capture":{"bob_spk":"/result/spk"}},
    {"actor":"alice","send":"get_user","args":{"username":"${bob}"},
     "expect":{"ok":{"$has":{"spk":"${bob_spk}"}}}})"));
  EXPECT_EQ(r.verdict, RawVerdict::passed) << r.reason;
  EXPECT_EQ(r.failed_step, 0u);
  // The transcript holds step notes and frames both ways, with the actor's name.
  bool sent = false, received = false, note = false;
  for (const Frame& f : r.transcript) {
    sent = sent || (f.dir == '>' && f.actor == "alice");
    received = received || f.dir == '<';
    note = note || f.dir == '#';
  }
  EXPECT_TRUE(sent && received && note);
  EXPECT_FALSE(r.observations.empty());
}

TEST(Engine, SetupRegistersAndLogsInActors) {
  Harness h;
  CaseRun r = h.run(R"({"id":"t.setup","title":"t","basis":"document","clauses":["EV-USR-001"],
    "actors":["alice",{"name":"alice2","as":"alice"},{"name":"carol","state":"registered"}],
    "steps":[{"actor":"alice2","send":"get_user","args":{"username":"${carol}"},
              "expect":{"ok":{"$has":{"username":"${carol}"}}}},
             {"actor":"carol","send":"get_user","args":{"username":"${alice}"},"expect":"fail"}]})");
  EXPECT_EQ(r.verdict, RawVerdict::passed) << r.reason;
}

TEST(Engine, RequireSkipsAndKeysMatcherCaptures) {
  Harness h;
  CaseRun r = h.run(scenario(R"(
    {"set":{"obj":{"7":{"a":1}}}},
    {"set":{"probe":"${obj}"}},
    {"require":"${probe}","match":{"$keys":[{"$capture":"k"}]}},
    {"compute":"int","text":"${k}","into":"n"},
    {"require":"${n}","match":7},
    {"compute":"upper","text":"ab","into":"up"},
    {"require":"${up}","match":"AB"},
    {"compute":"public_key","key":"0000000000000000000000000000000000000000000000000000000000000000","into":"pk"},
    {"require":"${pk}","match":{"$type":"key"}},
    {"require":"${n}","match":8,"note":"wrong vector"},
    {"actor":"alice","send":"never_reached","expect":"ok"})"));
  EXPECT_EQ(r.verdict, RawVerdict::skipped) << r.reason;
  EXPECT_NE(r.reason.find("wrong vector"), std::string::npos);
}

TEST(Engine, WrongAckFailsAtThatStepWithItsBasis) {
  Harness h;
  CaseRun r = h.run(scenario(R"(
    {"actor":"alice","send":"get_user","args":{"username":"x"},"expect":"ok"})"));
  EXPECT_EQ(r.verdict, RawVerdict::failed);
  EXPECT_EQ(r.failed_step, 1u);
  EXPECT_EQ(r.failed_basis, Basis::document);
  EXPECT_NE(r.reason.find("expected success"), std::string::npos);

  Harness h2;
  CaseRun d = h2.run(scenario(R"(
    {"actor":"alice","send":"get_user","args":{},"expect":"ok","basis":"decided"})"));
  EXPECT_EQ(d.failed_basis, Basis::decided);

  Harness h3;
  CaseRun m = h3.run(scenario(R"(
    {"actor":"alice","send":"get_user","args":{},
     "expect":{"success":false,"result":{"$decided":"Nope."}}})"));
  EXPECT_EQ(m.verdict, RawVerdict::failed);
  EXPECT_EQ(m.failed_basis, Basis::decided);
}

TEST(Engine, AckEnvelopeIsChecked) {
  for (const char* ev : {"two_args", "bad_envelope", "empty_reason"}) {
    Harness h;
    CaseRun r = h.run(scenario(std::string(R"({"actor":"alice","send":")") + ev +
                               R"(","expect":{"$any":true}})"));
    EXPECT_EQ(r.verdict, RawVerdict::failed) << ev;
    EXPECT_NE(r.reason.find("EV-TRN-00"), std::string::npos) << r.reason;
  }
  Harness h;
  CaseRun r = h.run(scenario(R"({"actor":"alice","send":"silent","expect":"fail"})"));
  EXPECT_EQ(r.verdict, RawVerdict::failed);
  EXPECT_NE(r.reason.find("no ack"), std::string::npos);
}

TEST(Engine, FailShorthandsAndAcceptedInvalid) {
  Harness h;
  CaseRun r = h.run(scenario(R"(
    {"actor":"alice","send":"nonsense","expect":{"fail":"R-UNKNOWN"}},
    {"actor":"alice","do":"register","expect":{"fail":"R-MALFORMED"}})"));
  EXPECT_EQ(r.verdict, RawVerdict::failed);
  EXPECT_EQ(r.failed_step, 2u);
  EXPECT_NE(r.reason.find("R-MALFORMED"), std::string::npos);
}

// Soft steps (no capture, label or into) let the case go on: every violation is listed with its
// own step's clauses and §12 rows, so one deviation never hides the next.
TEST(Engine, SoftStepsCollectEveryViolationWithItsOwnEvidence) {
  Harness h;
  CaseRun r = h.run(scenario(R"(
    {"actor":"alice","send":"get_user","args":{"username":"x"},"expect":"ok",
     "clauses":["EV-USR-001"],"deviations":[2]},
    {"actor":"alice","send":"nonsense","expect":{"fail":"R-UNKNOWN"}},
    {"actor":"alice","send":"get_user","args":{"username":"y"},"expect":"ok","basis":"decided"},
    {"actor":"alice","do":"register"})"));
  EXPECT_EQ(r.verdict, RawVerdict::failed);
  ASSERT_EQ(r.violations.size(), 2u) << r.reason;
  EXPECT_EQ(r.violations[0].step, 1u);
  EXPECT_EQ(r.violations[0].clauses, (std::vector<std::string>{"EV-USR-001"}));
  EXPECT_EQ(r.violations[0].deviations, (std::vector<int>{2}));
  EXPECT_EQ(r.violations[1].step, 3u);
  EXPECT_EQ(r.violations[1].basis, Basis::decided);
  EXPECT_EQ(r.violations[1].clauses, (std::vector<std::string>{"EV-TRN-005"}));  // the case's
  EXPECT_EQ(r.failed_step, 1u);
  EXPECT_NE(r.reason.find("+1 more at step 3"), std::string::npos) << r.reason;
  EXPECT_LE(r.reason.size(), 330u);

  // A hard step (it captures) stops the case at its failure.
  Harness h2;
  CaseRun hard = h2.run(scenario(R"(
    {"actor":"alice","send":"get_user","args":{"username":"x"},"expect":"ok",
     "capture":{"v":"/result"}},
    {"actor":"alice","send":"get_user","args":{"username":"y"},"expect":"ok"})"));
  EXPECT_EQ(hard.violations.size(), 1u);
}

// Severity follows the clause catalogue: a step citing only Open clauses is non-strict even in a
// document case; one citing a MUST that is not Open fails even in a decided case.
TEST(Engine, SeverityFromTheCatalogue) {
  auto idx = std::make_shared<ClauseIndex>();
  Clause open;
  open.id = "EV-TRN-021";
  open.level = Level::must;
  open.open = true;
  Clause must;
  must.id = "EV-OBJ-005";
  must.level = Level::must;
  (*idx)[open.id] = open;
  (*idx)[must.id] = must;
  Harness h;
  h.clauses = idx;
  CaseRun r = h.run(scenario(R"(
    {"actor":"alice","send":"get_user","args":{"username":"x"},"expect":"ok",
     "clauses":["EV-TRN-021"]},
    {"actor":"alice","send":"get_user","args":{"username":"x"},"expect":"ok",
     "clauses":["EV-OBJ-005"]})",
                             "", "decided"));
  ASSERT_EQ(r.violations.size(), 2u) << r.reason;
  EXPECT_EQ(r.violations[0].basis, Basis::decided);
  EXPECT_EQ(r.violations[1].basis, Basis::document);
}

// if_acked (sweeps): a missing ack is another case's subject; a wrong ack still fails.
TEST(Engine, IfAckedIgnoresOnlyAMissingAck) {
  Harness h;
  CaseRun r = h.run(scenario(R"(
    {"actor":"alice","send":"silent","expect":"fail","if_acked":true,"timeout_ms":50},
    {"actor":"alice","send":"get_user","args":{"username":"x"},"expect":"ok","if_acked":true})"));
  ASSERT_EQ(r.violations.size(), 1u) << r.reason;
  EXPECT_EQ(r.violations[0].step, 2u);
}

// A none window counts what arrived since the previous step began, not stale notifications.
TEST(Engine, NoneIgnoresNotificationsOlderThanThePreviousStep) {
  Harness h;
  CaseRun r = h.run(scenario(R"(
    {"actor":"alice","send":"notify_me"},
    {"actor":"alice","await":"thing","match":{"n":1}},
    {"actor":"alice","send":"get_user","args":{"username":"x"},"expect":"fail"},
    {"actor":"alice","none":"thing","window_ms":10})"));
  EXPECT_EQ(r.verdict, RawVerdict::passed) << r.reason;
}

TEST(Engine, AwaitNoneOrderAndClear) {
  Harness h;
  CaseRun r = h.run(scenario(R"(
    {"actor":"alice","send":"notify_me"},
    {"actor":"alice","await":"thing","match":{"n":2},"label":"two","capture":{"n2":"/n"}},
    {"actor":"alice","await":"thing","match":{"n":1},"label":"one"},
    {"actor":"alice","order":["one","two"]},
    {"actor":"alice","none":"thing","window_ms":10},
    {"actor":"alice","send":"notify_me"},
    {"actor":"alice","none":"thing","match":{"n":3},"window_ms":10},
    {"actor":"alice","clear":true},
    {"actor":"alice","none":"*","window_ms":10},
    {"set":{"copy":"${n2}"}},
    {"actor":"alice","send":"nonsense","expect":{"fail":"R-UNKNOWN"}})"));
  EXPECT_EQ(r.verdict, RawVerdict::passed) << r.reason;

  Harness h2;
  CaseRun late = h2.run(scenario(R"(
    {"actor":"alice","await":"thing","within_ms":50})"));
  EXPECT_EQ(late.verdict, RawVerdict::failed);
  EXPECT_NE(late.reason.find("no matching thing"), std::string::npos);

  Harness h3;
  CaseRun unexpected = h3.run(scenario(R"(
    {"actor":"alice","send":"notify_me"},
    {"actor":"alice","none":"thing","window_ms":10})"));
  EXPECT_EQ(unexpected.verdict, RawVerdict::failed);
  EXPECT_NE(unexpected.reason.find("expected no thing"), std::string::npos) << unexpected.reason;

  Harness h4;
  CaseRun order = h4.run(scenario(R"(
    {"actor":"alice","send":"notify_me"},
    {"actor":"alice","await":"thing","match":{"n":1},"label":"one"},
    {"actor":"alice","await":"thing","match":{"n":2},"label":"two"},
    {"actor":"alice","order":["two","one"]})"));
  EXPECT_EQ(order.verdict, RawVerdict::failed);
  EXPECT_NE(order.reason.find("EV-TRN-027"), std::string::npos);
}

TEST(Engine, RawFramesAndConnectionChecks) {
  Harness h;
  CaseRun r = h.run(scenario(R"(
    {"actor":"alice","raw":"2[\"x\"","window_ms":1,"expect_connected":true},
    {"actor":"alice","disconnect":true},
    {"actor":"alice","connect":true},
    {"actor":"alice","send":"nonsense","expect":"fail"})"));
  EXPECT_EQ(r.verdict, RawVerdict::passed) << r.reason;
  ASSERT_EQ(h.server.raw.size(), 1u);
  EXPECT_EQ(h.server.raw[0], "2[\"x\"");
}

TEST(Engine, ComputeOperations) {
  Harness h;
  CaseRun r = h.run(scenario(R"(
    {"actor":"alice","compute":"sign","hex":"00ff","into":"s"},
    {"compute":"keypair","into":"k"},
    {"compute":"random_hex","bytes":4,"into":"rh"},
    {"compute":"repeat","text":"ab","count":3,"into":"rep"},
    {"compute":"now_iso","into":"now"},
    {"actor":"alice","compute":"spk_bundle","into":"b"},
    {"set":{"all":["${s}","${k.public}","${rh}","${rep}","${now}","${b.spk}","${b.sig}"]}},
    {"actor":"alice","send":"echo_vars","args":{"v":"${rep}"},"expect":"fail"})"));
  EXPECT_EQ(r.verdict, RawVerdict::passed) << r.reason;
}

TEST(Engine, ScenarioBugsAreHarnessErrors) {
  Harness h;
  CaseRun r = h.run(scenario(R"({"actor":"alice","send":"x","args":{"a":"${undefined}"}})"));
  EXPECT_EQ(r.verdict, RawVerdict::error);
  EXPECT_NE(r.reason.find("undefined"), std::string::npos);
}

TEST(Engine, ConnectionFailureIsAnError) {
  Harness h;
  CaseRun r = h.run(scenario(R"({"actor":"alice","send":"x"})"), "http://unreachable");
  EXPECT_EQ(r.verdict, RawVerdict::error);
  EXPECT_NE(r.reason.find("cannot connect"), std::string::npos);
}

TEST(Engine, MissingFeatureSkips) {
  auto s = parse_scenarios(scenario(R"({"actor":"alice","send":"x"})", R"("requires":["calls"],)"),
                           "t.json");
  ASSERT_TRUE(s.has_value());
  auto cases = expand_cases(*s, "/nonexistent");
  ASSERT_TRUE(cases.has_value());
  EngineOptions o;
  o.missing_features = {"calls"};
  EXPECT_EQ(run_case((*cases)[0], o).verdict, RawVerdict::skipped);
}

TEST(Engine, VectorScenariosExpandAndFlagEdgeCases) {
  auto dir = std::filesystem::temp_directory_path() / ("unm_vec_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "ed25519_sign.json") << R"({"family":"ed25519_sign","version":1,"tests":[
    {"id":1,"result":"valid","public_key":"aa","message":"00","signature":"bb"},
    {"id":2,"result":"invalid","flags":["small_order_pubkey"],"public_key":"aa","message":"00","signature":"bb"},
    {"id":3,"result":"invalid","public_key":"aa","message":"00","signature":"bb"}]})";
  auto s = parse_scenarios(
      scenario(
          R"({"actor":"alice","do":"register","with":{"sig":"${vector.signature}"},
                   "expect":"fail"})",
          R"("foreach_vector":{"family":"ed25519_sign","where":{"$has":{"result":"invalid"}}},)"),
      "t.json");
  ASSERT_TRUE(s.has_value()) << s.error().message;
  auto cases = expand_cases(*s, dir.string());
  ASSERT_TRUE(cases.has_value()) << cases.error();
  ASSERT_EQ(cases->size(), 2u);
  EXPECT_EQ((*cases)[0].id, "t.case/2");
  EXPECT_TRUE((*cases)[0].vector_edge_case);
  EXPECT_FALSE((*cases)[1].vector_edge_case);
  EXPECT_FALSE(expand_cases(*s, "/nonexistent").has_value());
  std::filesystem::remove_all(dir);
  // A server that accepts the flagged vector's invalid input: lenient, not fail.
  MiniServer accepting;
  EngineOptions o;
  o.run_id = "v";
  o.connector = testing::fake_connector(
      [](FakeChannel&, const std::string&, const std::string&) -> std::optional<std::string> {
        return ok("true");
      });
  CaseRun edge = run_case((*cases)[0], o);
  EXPECT_EQ(edge.verdict, RawVerdict::failed);
  EXPECT_TRUE(edge.edge_case);
  CaseRun plain = run_case((*cases)[1], o);
  EXPECT_FALSE(plain.edge_case);
  std::string reason;
  EXPECT_EQ(classify(edge, std::nullopt, {}, {}, reason), Outcome::lenient);
  EXPECT_EQ(classify(plain, std::nullopt, {}, {}, reason), Outcome::fail);
}

TEST(Runner, FiltersJobsAndRerunLine) {
  auto s = parse_scenarios(R"({"scenarios":[
    {"id":"a.one","title":"t","basis":"document","clauses":["EV-AUTH-008"],"tags":["auth"],
     "actors":["alice"],"steps":[{"actor":"alice","send":"nonsense","expect":"fail"}]},
    {"id":"a.two","title":"t","basis":"decided","clauses":["EV-TRN-021"],"tags":["slow"],
     "actors":["alice"],"steps":[{"actor":"alice","send":"nonsense","expect":"ok"}]},
    {"id":"b.three","title":"t","basis":"document","clauses":["EV-MSG-001"],
     "actors":["alice"],"steps":[{"actor":"alice","send":"nonsense","expect":"ok"}]}]})",
                           "t.json");
  ASSERT_TRUE(s.has_value()) << s.error().message;
  auto cases = expand_cases(*s, "/none");
  ASSERT_TRUE(cases.has_value());
  Filter f;
  f.exclude_tags = {"slow"};
  EXPECT_TRUE(selected((*cases)[0], f));
  EXPECT_FALSE(selected((*cases)[1], f));
  Filter by_clause;
  by_clause.clause_globs = {"EV-MSG-*"};
  EXPECT_FALSE(selected((*cases)[0], by_clause));
  EXPECT_TRUE(selected((*cases)[2], by_clause));
  Filter by_id;
  by_id.id_globs = {"a.*"};
  EXPECT_TRUE(selected((*cases)[1], by_id));
  EXPECT_FALSE(selected((*cases)[2], by_id));
  Filter by_tag;
  by_tag.tags = {"auth"};
  EXPECT_TRUE(selected((*cases)[0], by_tag));
  EXPECT_FALSE(selected((*cases)[2], by_tag));

  MiniServer server;
  RunConfig cfg;
  cfg.engine.run_id = "r";
  cfg.engine.connector = testing::fake_connector(server.handler());
  cfg.jobs = 3;
  cfg.rerun_prefix = "unmanageable-conformance run --target X";
  std::size_t calls = 0;
  auto results = run_cases(*cases, cfg, [&](const CaseResult&, std::size_t, std::size_t total) {
    ++calls;
    EXPECT_EQ(total, 3u);
  });
  EXPECT_EQ(calls, 3u);
  ASSERT_EQ(results.size(), 3u);
  EXPECT_EQ(results[0].outcome, Outcome::pass);
  EXPECT_EQ(results[1].outcome, Outcome::non_strict);
  EXPECT_EQ(results[2].outcome, Outcome::fail);
  EXPECT_EQ(results[2].rerun, "unmanageable-conformance run --target X --case b.three");
  EXPECT_EQ(make_run_id().size(), 8u);
}

}  // namespace
}  // namespace unm::conformance
