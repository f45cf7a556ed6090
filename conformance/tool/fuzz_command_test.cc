// fuzz_command_test.cc — the live fuzzer's network-free logic: options, the request catalogue
// and its mutations (checked against the reference server core in-process: everything the fuzzer
// calls invalid must be refused), the ack oracle, and finding files (they must load as
// scenarios).
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <fstream>
#include <iterator>
#include <random>
#include <set>

#include <rapidjson/document.h>

#include "conformance/src/expectations.h"
#include "conformance/src/scenario.h"
#include "conformance/tool/fuzz_command_core.h"
#include "conformance/tool/fuzz_findings.h"
#include "conformance/tool/fuzz_minimize.h"
#include "fuzz/support/server_rig.h"
#include "reference/crypto/keys.h"
#include "reference/protocol/events.h"

namespace lf = unm::conformance::tool::livefuzz;

namespace {

lf::Context test_context() {
  return lf::Context{"alice", "bob",
                     "5866666666666666666666666666666666666666666666666666666666666666",
                     std::string(128, '0')};
}

bool is_json_array(const std::string& text) {
  rapidjson::Document d;
  d.Parse(text.data(), text.size());
  return !d.HasParseError() && d.IsArray();
}

TEST(LiveFuzzOptions, DurationUnits) {
  EXPECT_EQ(lf::parse_duration("90")->count(), 90);
  EXPECT_EQ(lf::parse_duration("90s")->count(), 90);
  EXPECT_EQ(lf::parse_duration("5m")->count(), 300);
  EXPECT_EQ(lf::parse_duration("1h")->count(), 3600);
  for (const char* bad : {"", "x", "5d", "25h", "-1", "1.5m", "m"}) {
    EXPECT_FALSE(lf::parse_duration(bad).has_value()) << bad;
  }
}

TEST(LiveFuzzOptions, TargetRequiredAndFlagsParsed) {
  EXPECT_FALSE(lf::parse_options(std::vector<std::string>{}).has_value());
  EXPECT_TRUE(lf::parse_options(std::vector<std::string>{"--help"})->help);
  const std::vector<std::string> args{
      "--target", "http://127.0.0.1:1", "--duration", "2m",        "--seed", "7", "--out",
      "d",        "--call-timeout-ms",  "250",        "--insecure"};
  auto o = lf::parse_options(args);
  ASSERT_TRUE(o.has_value()) << o.error();
  EXPECT_EQ(o->target, "http://127.0.0.1:1");
  EXPECT_EQ(o->duration.count(), 120);
  EXPECT_EQ(o->seed, 7u);
  EXPECT_EQ(o->out_dir, "d");
  EXPECT_EQ(o->call_timeout.count(), 250);
  EXPECT_TRUE(o->insecure);
  EXPECT_FALSE(lf::parse_options(std::vector<std::string>{"--target", "u", "--bogus"}));
  EXPECT_FALSE(lf::parse_options(std::vector<std::string>{"--target"}));
  EXPECT_FALSE(
      lf::parse_options(std::vector<std::string>{"--target", "u", "--call-timeout-ms", "0"}));
  EXPECT_FALSE(lf::parse_options(std::vector<std::string>{"--target", "u", "--seed", "x"}));
}

TEST(LiveFuzzCatalogue, OneWellFormedObjectPerLoggedInEvent) {
  std::set<std::string> seen;
  for (const auto& [event, payload] : lf::well_formed(test_context())) {
    EXPECT_TRUE(seen.insert(event).second) << event;
    const auto ev = unm::protocol::parse_event(event);
    ASSERT_TRUE(ev.has_value()) << event;
    EXPECT_TRUE(unm::protocol::requires_login(*ev)) << event;
    rapidjson::Document d;
    d.Parse(payload.c_str());
    EXPECT_TRUE(!d.HasParseError() && d.IsObject()) << payload;
  }
  EXPECT_GE(seen.size(), 25u);
}

TEST(LiveFuzzOracle, JudgesAcks) {
  lf::Request bad{"get_dm", "[{}]", lf::Expect::failure, "drop key id"};
  lf::Request any{"get_dm", R"([{"id":1}])", lf::Expect::any, "none"};
  EXPECT_TRUE(
      lf::judge_ack(bad, R"([{"success":false,"result":"Invalid format."}])").problem.empty());
  EXPECT_FALSE(lf::judge_ack(bad, R"([{"success":true,"result":{}}])").problem.empty());
  EXPECT_TRUE(lf::judge_ack(any, R"([{"success":true,"result":{}}])").problem.empty());
  for (const char* broken : {"", "[]", "{}", R"([{"success":true}])",
                             R"([{"success":1,"result":1}])", R"([{"success":false,"result":""}])",
                             R"([{"success":false,"result":"x","extra":1}])", "[1,2]"}) {
    EXPECT_FALSE(lf::judge_ack(any, broken).problem.empty()) << broken;
  }
  EXPECT_TRUE(lf::is_probe_ok(R"([{"success":true,"result":true}])"));
  EXPECT_FALSE(lf::is_probe_ok(R"([{"success":true,"result":false}])"));
  EXPECT_FALSE(lf::is_probe_ok(R"([{"success":false,"result":"x"}])"));
  EXPECT_FALSE(lf::is_probe_ok("not json"));
}

TEST(LiveFuzzFindings, FindingFilesLoadAsScenarios) {
  const lf::Context ctx{"fzself1", "fzpeer1", std::string(64, 'b'), std::string(128, '0')};
  lf::Finding req;
  req.what = "invalid input acked with success (drop key id) on get_dm";
  req.request = lf::Request{"block_user", "[{\"username\":\"fzpeer1\",\"x\":\"${y}\\u0000\"}]",
                            lf::Expect::failure, "extra key"};
  req.got = R"([{"success":true,"result":{}}])";
  req.ctx = ctx;
  lf::Finding raw;
  raw.what = "server not answering after: raw packet 2[";
  raw.raw = "2[\"get_dms\"";
  raw.after_disconnect = true;
  lf::Finding gone = req;
  gone.disconnect = true;
  int n = 0;
  for (const auto& f : {req, raw, gone}) {
    const std::string id = "fuzz.finding-" + std::to_string(++n);
    const std::string text = lf::finding_scenario(f, id);
    auto s = unm::conformance::parse_scenarios(text, id + ".json");
    ASSERT_TRUE(s.has_value()) << s.error().message << "\n" << text;
    ASSERT_EQ(s->size(), 1u);
    EXPECT_EQ((*s)[0].id, id);
    EXPECT_GE((*s)[0].steps.size(), 2u);  // the action, ..., the probe
    // The session's names become variables; a literal "${" in the payload stays literal.
    EXPECT_EQ(text.find("fzpeer1"), std::string::npos) << text;
    EXPECT_EQ(text.find("fzself1"), std::string::npos) << text;
  }
  const std::string text = lf::finding_scenario(req, "fuzz.x");
  EXPECT_NE(text.find("${peer}"), std::string::npos) << text;
  EXPECT_NE(text.find("$${y}"), std::string::npos) << text;
  EXPECT_NE(text.find("\"state\": \"registered\""), std::string::npos) << text;
  // A request whose answer may be either success or failure needs only a well-formed ack.
  lf::Finding any = req;
  any.request.expect = lf::Expect::any;
  const std::string any_text = lf::finding_scenario(any, "fuzz.y");
  EXPECT_NE(any_text.find("\"$type\": \"boolean\""), std::string::npos) << any_text;
  EXPECT_EQ(any_text.find("\"expect\": \"fail\""), std::string::npos) << any_text;
}

TEST(LiveFuzzFindings, SignaturesDeduplicateAndKeepFirstAndSmallest) {
  lf::Registry reg;
  lf::Finding a;
  a.request = lf::Request{"unblock", R"([{"username":"aaaaaaaa"}])", lf::Expect::any, "none"};
  lf::Finding b = a;
  b.request.args_json = R"([{"username":"a"}])";
  lf::Finding c = a;
  c.request.event = "unblock_x";
  c.request.mutation_class = "unknown-event";
  EXPECT_TRUE(reg.add(lf::signature_of(a, "no-ack"), a));
  EXPECT_FALSE(reg.add(lf::signature_of(b, "no-ack"), b));
  EXPECT_TRUE(reg.add(lf::signature_of(c, "no-ack"), c));
  c.request.event = "get_user_x";
  EXPECT_FALSE(reg.add(lf::signature_of(c, "no-ack"), c));  // made-up names are one kind
  const auto recs = reg.records();
  ASSERT_EQ(recs.size(), 2u);
  EXPECT_EQ(recs[0].sig.id(), "fuzz.unblock.none.no-ack");
  EXPECT_EQ(recs[0].count, 2u);
  EXPECT_EQ(recs[0].first.request.args_json, a.request.args_json);
  EXPECT_EQ(recs[0].smallest.request.args_json, b.request.args_json);
  EXPECT_EQ(recs[1].sig.id(), "fuzz.unknown-event.unknown-event.no-ack");
  EXPECT_EQ(lf::severity_of("target-crashed"), lf::Severity::crash);
  EXPECT_EQ(lf::severity_of("target-hung"), lf::Severity::hang);
  EXPECT_EQ(lf::severity_of("no-ack"), lf::Severity::deviation);
}

// The committed fuzz expectations (fuzz/expectations/*.json) parse and name signatures.
TEST(LiveFuzzFindings, CommittedExpectationsNameSignatures) {
  std::ifstream in(UNM_SOURCE_DIR "/fuzz/expectations/deployed.json");
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto e = unm::conformance::parse_expectations(text);
  ASSERT_TRUE(e.has_value()) << e.error();
  lf::Finding unblock;
  unblock.request = lf::Request{"unblock", "[{}]", lf::Expect::failure, "drop key username"};
  unblock.request.mutation_class = "drop-key";
  EXPECT_TRUE(e->find(lf::signature_of(unblock, "no-ack").id()).has_value());
  EXPECT_FALSE(e->find(lf::signature_of(unblock, "accepted-invalid").id()).has_value());
}

TEST(LiveFuzzMinimize, KeepsTheMutatedKeyAndShrinksTheRest) {
  lf::Request r{"send_message",
                R"([{"id":1,"message":"00ff00ff","signature":"abababab","fuzz_extra":true}])",
                lf::Expect::failure, "extra key"};
  r.mutation_class = "extra-key";
  r.mutated_key = "fuzz_extra";
  for (const auto& c : lf::shrink_candidates(r)) {
    EXPECT_NE(c.args_json.find("fuzz_extra"), std::string::npos) << c.args_json;
    EXPECT_LT(c.args_json.size(), r.args_json.size());
  }
  // An oracle that only needs the extra key: everything else goes.
  auto [best, used] = lf::minimize(
      r, [](const lf::Request& c) { return c.args_json.find("fuzz_extra") != std::string::npos; },
      100);
  EXPECT_EQ(best.args_json, R"([{"fuzz_extra":true}])");
  EXPECT_GT(used, 0u);
  // A huge value shrinks to the smallest size the oracle still accepts.
  lf::Request huge{"get_user", "[{\"username\":\"" + std::string(4096, 'a') + "\"}]",
                   lf::Expect::any, "huge value"};
  huge.mutation_class = "huge-value";
  huge.mutated_key = "username";
  auto [small, n] = lf::minimize(
      huge, [](const lf::Request& c) { return c.args_json.size() > 1000; }, 100);
  EXPECT_LT(small.args_json.size(), 2200u);
  EXPECT_GT(small.args_json.size(), 1000u);
  // The budget is respected.
  auto [same, none] = lf::minimize(
      r, [](const lf::Request&) { return false; }, 2);
  EXPECT_EQ(same.args_json, r.args_json);
  EXPECT_EQ(none, 2u);
}

// Every request the fuzzer builds is a JSON array; one that claims a mutation expects failure
// only when it really changed something.
RC_GTEST_PROP(LiveFuzzMutations, AlwaysJsonArrays, (std::uint64_t seed)) {
  std::mt19937_64 rng(seed);
  for (int i = 0; i < 20; ++i) {
    const lf::Request r = lf::mutate(test_context(), rng);
    RC_ASSERT(is_json_array(r.args_json));
    RC_ASSERT(!r.event.empty());
    RC_ASSERT(!r.mutation.empty());
    RC_ASSERT(r.expect == lf::Expect::any || r.mutation != "none");
  }
}

// What the fuzzer calls invalid, the reference server core refuses: the oracle is checked against
// the reference before it judges other servers (and the ServerRig checks the ack's form).
RC_GTEST_PROP(LiveFuzzMutations, ReferenceRefusesEveryInvalidRequest, (std::uint64_t seed)) {
  RC_ASSERT(unm::crypto::init().has_value());
  unm::fuzz::ServerRig rig(seed);
  const auto alice = rig.make_user("alice");
  const auto bob = rig.make_user("bob");
  const auto c = rig.connect();
  RC_ASSERT(rig.register_user(c, alice).success);
  RC_ASSERT(rig.register_user(c, bob).success);
  RC_ASSERT(rig.login(c, alice));
  lf::Context ctx{"alice", "bob", bob.pub, std::string(128, '0')};
  std::mt19937_64 rng(seed);
  for (int i = 0; i < 30; ++i) {
    const lf::Request r = lf::mutate(ctx, rng);
    const auto ack = rig.call(c, r.event, r.args_json);
    if (r.expect == lf::Expect::failure) {
      RC_ASSERT(!ack.success);
    }
  }
}

}  // namespace
