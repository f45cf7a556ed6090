// cli_dialect_test — `unmanageable-client --dialect` in-process against MiniServer in either
// dialect: detection, the §12 warnings on stderr and in --json, every translated command, and
// `login` saying which DMs it joined.
#include <unistd.h>

#include <filesystem>
#include <set>
#include <sstream>

#include <gtest/gtest.h>

#include "reference/client/cli.h"
#include "reference/client/fake_server.h"
#include "reference/client/rpc.h"
#include "reference/crypto/crypto.h"

namespace unm::client {
namespace {

using testing::MiniServer;
using namespace std::chrono_literals;

struct Outcome {
  int code;
  std::string out;
  std::string err;
};

// warning_rows lists the §12 rows of a --json document's warnings.
std::set<int> warning_rows(const rapidjson::Value& doc) {
  std::set<int> rows;
  for (const auto& w : doc["warnings"].GetArray()) {
    EXPECT_TRUE(w["text"].IsString() && w["clause"].IsString());
    rows.insert(w["row"].GetInt());
  }
  return rows;
}

class CliDialectTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(crypto::init().has_value());
    root = std::filesystem::temp_directory_path() /
           ("unm_cli_dialect_test_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(root);
  }
  void TearDown() override { std::filesystem::remove_all(root); }

  Outcome run(MiniServer& server, const std::string& who, std::vector<std::string> args) {
    std::ostringstream out, err;
    CliEnv env;
    env.out = &out;
    env.err = &err;
    env.rng = &rng;
    env.default_profile = (root / who).string();
    env.connect = [&](const std::string&,
                      const ConnectOptions& o) -> Result<std::unique_ptr<Session>> {
      return std::make_unique<Session>(server.connect(), rng, o.session);
    };
    const int code = run_cli(args, env);
    return Outcome{code, out.str(), err.str()};
  }
  rapidjson::Document json(const Outcome& o) {
    auto d = parse_json(o.out);
    EXPECT_TRUE(d.has_value() && d->IsObject()) << o.out << o.err;
    return d ? std::move(*d) : rapidjson::Document();
  }

  crypto::DeterministicRandom rng{123};
  MiniServer deployed{rng, Dialect::deployed, 100ms};
  MiniServer document{rng};
  std::filesystem::path root;
};

TEST_F(CliDialectTest, BadDialectIsAUsageError) {
  auto r = run(document, "x", {"--dialect", "python", "whoami"});
  EXPECT_EQ(r.code, kExitUsage);
  EXPECT_NE(r.err.find("--dialect"), std::string::npos);
  EXPECT_NE(run(document, "x", {"--help"}).out.find("--dialect"), std::string::npos);
}

TEST_F(CliDialectTest, EveryCommandWorksAgainstTheDeployedDialectAndNamesItsRows) {
  auto& s = deployed;
  ASSERT_EQ(run(s, "alice", {"register", "alice"}).code, kExitOk);
  ASSERT_EQ(run(s, "bob", {"register", "bob"}).code, kExitOk);
  auto created = run(s, "alice", {"--json", "dm", "create", "bob"});
  ASSERT_EQ(created.code, kExitOk) << created.err;
  auto cdoc = json(created);
  EXPECT_STREQ(cdoc["dialect"].GetString(), "deployed");
  EXPECT_TRUE(warning_rows(cdoc).count(14));  // detected by the get_user_list probe
  const std::string dm = std::to_string(cdoc["id"].GetInt64());
  ASSERT_EQ(run(s, "alice", {"send", dm, "one"}).code, kExitOk);
  ASSERT_EQ(run(s, "alice", {"send", dm, "two"}).code, kExitOk);

  // bob's pending invitation comes 100 ms after his login (#10); history reads it decrypted.
  auto hist = run(s, "bob", {"--json", "history", dm});
  ASSERT_EQ(hist.code, kExitOk) << hist.err;
  auto h = json(hist);
  ASSERT_EQ(h["messages"].Size(), 2u) << hist.out;
  EXPECT_STREQ(h["messages"][0]["text"].GetString(), "two");
  EXPECT_STREQ(h["messages"][1]["status"].GetString(), "ok");
  auto rows = warning_rows(h);
  for (int row : {2, 3, 10, 14}) EXPECT_TRUE(rows.count(row)) << "row " << row << hist.out;
  const std::string oldest = h["messages"][1]["timestamp"].GetString();
  const std::string mid = std::to_string(h["messages"][1]["id"].GetInt64());

  // Page 2 from a message's own timestamp (#3).
  auto page2 = run(
      s, "bob", {"--json", "history", dm, "--before", h["messages"][0]["timestamp"].GetString()});
  ASSERT_EQ(page2.code, kExitOk) << page2.err;
  auto p2 = json(page2);
  ASSERT_EQ(p2["messages"].Size(), 1u);
  EXPECT_STREQ(p2["messages"][0]["text"].GetString(), "one");

  // Human output: one warning line per row on stderr, the result on stdout.
  auto human = run(s, "alice", {"history", dm, "--before", oldest});
  ASSERT_EQ(human.code, kExitOk) << human.err;
  EXPECT_TRUE(human.out.empty()) << human.out;  // nothing older than the oldest
  EXPECT_NE(human.err.find("warning: events.md §12 #2 (EV-MSG-014)"), std::string::npos)
      << human.err;

  auto react = run(s, "bob", {"--json", "react", mid, "🎉"});
  ASSERT_EQ(react.code, kExitOk) << react.err;
  EXPECT_TRUE(warning_rows(json(react)).count(4)) << react.out;
  auto show = run(s, "bob", {"--json", "dm", "show", dm});
  ASSERT_EQ(show.code, kExitOk) << show.err;
  auto sd = json(show);
  EXPECT_STREQ(sd["dm"]["latest_message"]["text"].GetString(), "two");
  EXPECT_TRUE(warning_rows(sd).count(18));

  auto join = run(s, "alice", {"--json", "call", "join", dm, "uuid-a"});
  ASSERT_EQ(join.code, kExitOk) << join.err;
  EXPECT_STREQ(json(join)["call"]["alice"].GetString(), "uuid-a");
  auto list = run(s, "bob", {"--json", "dm", "list"});
  ASSERT_EQ(list.code, kExitOk) << list.err;
  auto ld = json(list);
  ASSERT_EQ(ld["dms"].Size(), 1u);
  EXPECT_TRUE(ld["dms"][0]["have_key"].GetBool());
  EXPECT_EQ(ld["dms"][0]["users_in_call"].Size(), 0u);  // alice's connection has closed
  EXPECT_EQ(run(s, "alice", {"call", "leave", dm}).code, kExitRefused);
  auto stay = run(s, "alice", {"--json", "call", "join", dm, "uuid-b", "--stay", "1"});
  ASSERT_EQ(stay.code, kExitOk) << stay.err;
  EXPECT_TRUE(json(stay)["left"].GetBool());
  EXPECT_EQ(run(s, "alice", {"call", "join", dm, "u", "--stay", "0"}).code, kExitUsage);

  ASSERT_EQ(run(s, "alice", {"block", "bob"}).code, kExitOk);
  auto unblock = run(s, "alice", {"--json", "unblock", "bob"});
  ASSERT_EQ(unblock.code, kExitOk) << unblock.err;
  EXPECT_TRUE(warning_rows(json(unblock)).count(1));
  auto users = run(s, "alice", {"--json", "users"});
  ASSERT_EQ(users.code, kExitOk) << users.err;
  EXPECT_EQ(json(users)["users"].Size(), 2u);

  // The document dialect forced on the deployed server fails where the issue said it did.
  auto strict = run(s, "bob", {"--dialect", "document", "--json", "dm", "list"});
  EXPECT_EQ(strict.code, kExitProtocol);
  auto sdoc = json(strict);
  EXPECT_FALSE(sdoc["ok"].GetBool());
  EXPECT_STREQ(sdoc["dialect"].GetString(), "document");
}

TEST_F(CliDialectTest, TheDocumentDialectIsDetectedWithoutWarnings) {
  ASSERT_EQ(run(document, "alice", {"register", "alice"}).code, kExitOk);
  auto who = run(document, "alice", {"--json", "whoami"});
  ASSERT_EQ(who.code, kExitOk) << who.err;
  auto d = json(who);
  EXPECT_STREQ(d["dialect"].GetString(), "document");
  EXPECT_TRUE(d["warnings"].Empty());
  EXPECT_TRUE(run(document, "alice", {"whoami"}).err.empty());
}

TEST_F(CliDialectTest, LoginSaysWhichDmsWereJoined) {
  for (MiniServer* s : {&document, &deployed}) {
    const std::string tag = s == &document ? "doc" : "dep";
    ASSERT_EQ(run(*s, "alice" + tag, {"register", "alice"}).code, kExitOk);
    ASSERT_EQ(run(*s, "bob" + tag, {"register", "bob"}).code, kExitOk);
    ASSERT_EQ(run(*s, "alice" + tag, {"dm", "create", "bob"}).code, kExitOk);
    auto human = run(*s, "bob" + tag, {"login", "--wait", "1"});
    ASSERT_EQ(human.code, kExitOk) << human.err;
    EXPECT_NE(human.out.find("joined DM 1 created by alice"), std::string::npos) << human.out;
    ASSERT_EQ(run(*s, "alice" + tag, {"dm", "create", "bob"}).code, kExitOk);
    auto j = run(*s, "bob" + tag, {"--json", "login"});
    ASSERT_EQ(j.code, kExitOk) << j.err;
    auto d = json(j);
    ASSERT_EQ(d["joined"].Size(), 1u) << j.out;
    EXPECT_EQ(d["joined"][0]["dm_id"].GetInt64(), 2);
    EXPECT_STREQ(d["joined"][0]["sender"].GetString(), "alice");
    EXPECT_TRUE(d["joined"][0]["error"].IsNull());
    EXPECT_EQ(d["dm_keys"].GetInt64(), 2);
    auto none = run(*s, "bob" + tag, {"login"});
    EXPECT_NE(none.out.find("no DM joined"), std::string::npos) << none.out;
  }
}

}  // namespace
}  // namespace unm::client
