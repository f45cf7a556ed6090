// cli_test — unmanageable-client's command line, run in-process against MiniServer: help at
// every level, usage errors, exit codes, human and --json output, and the message flow
// register → dm create → send → history/watch between two profiles.
#include "reference/client/cli.h"

#include <unistd.h>

#include <algorithm>
#include <sstream>

#include <gtest/gtest.h>

#include "reference/client/fake_server.h"
#include "reference/client/rpc.h"
#include "reference/crypto/crypto.h"

namespace unm::client {
namespace {

using testing::MiniServer;

struct Outcome {
  int code;
  std::string out;
  std::string err;
};

class CliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(crypto::init().has_value());
    root = std::filesystem::temp_directory_path() /
           ("unm_cli_test_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(root);
  }
  void TearDown() override { std::filesystem::remove_all(root); }

  Outcome run(const std::string& who, std::vector<std::string> args,
              const std::string& input = "") {
    std::ostringstream out, err;
    std::istringstream in(input);
    CliEnv env;
    env.out = &out;
    env.err = &err;
    env.in = &in;
    env.rng = &rng;
    env.default_profile = (root / who).string();
    env.connect = [this](const std::string&,
                         const ConnectOptions& o) -> Result<std::unique_ptr<Session>> {
      if (unreachable) return fail(ErrorCode::transport, "connect_failed: refused");
      return std::make_unique<Session>(server.connect(), rng, o.session);
    };
    const int code = run_cli(args, env);
    return Outcome{code, out.str(), err.str()};
  }

  crypto::DeterministicRandom rng{77};
  MiniServer server{rng};
  std::filesystem::path root;
  bool unreachable = false;
};

TEST_F(CliTest, HelpAtEveryLevel) {
  auto top = run("x", {"--help"});
  EXPECT_EQ(top.code, kExitOk);
  EXPECT_NE(top.out.find("exit codes"), std::string::npos);
  EXPECT_NE(top.out.find("dm create"), std::string::npos);
  auto group = run("x", {"dm", "--help"});
  EXPECT_EQ(group.code, kExitOk);
  EXPECT_NE(group.out.find("rename"), std::string::npos);
  auto cmd = run("x", {"send", "--help"});
  EXPECT_EQ(cmd.code, kExitOk);
  EXPECT_NE(cmd.out.find("--schedule"), std::string::npos);
  EXPECT_EQ(run("x", {"friend", "add", "-h"}).code, kExitOk);
}

TEST_F(CliTest, UsageErrorsExitWithTwo) {
  EXPECT_EQ(run("x", {}).code, kExitUsage);
  EXPECT_EQ(run("x", {"frobnicate"}).code, kExitUsage);
  EXPECT_EQ(run("x", {"dm"}).code, kExitUsage);
  EXPECT_EQ(run("x", {"dm", "explode"}).code, kExitUsage);
  EXPECT_EQ(run("x", {"send", "1"}).code, kExitUsage);                  // missing TEXT
  EXPECT_EQ(run("x", {"register", "a", "b"}).code, kExitUsage);         // too many
  EXPECT_EQ(run("x", {"--bogus", "whoami"}).code, kExitUsage);          // unknown option
  EXPECT_EQ(run("x", {"whoami", "--schedule", "5"}).code, kExitUsage);  // wrong command
  EXPECT_EQ(run("x", {"--server"}).code, kExitUsage);                   // missing value
  // Every usage error is one line in the common form (command_line.h), nothing on stdout.
  const std::vector<std::vector<std::string>> bad = {{},
                                                     {"dm"},
                                                     {"dm", "explode"},
                                                     {"send", "1"},
                                                     {"--bogus", "whoami"},
                                                     {"whoami", "--schedule", "5"},
                                                     {"--json=1", "whoami"},
                                                     {"--timeout", "0", "whoami"},
                                                     {"--timeout", "ten", "whoami"}};
  for (const auto& args : bad) {
    auto r = run("x", args);
    EXPECT_EQ(r.code, kExitUsage);
    EXPECT_EQ(r.out, "");
    EXPECT_TRUE(r.err.starts_with("unmanageable-client")) << r.err;
    EXPECT_TRUE(r.err.ends_with(" --help)\n")) << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  }
  auto wrong = run("x", {"whoami", "--schedule", "5"});
  EXPECT_EQ(wrong.err,
            "unmanageable-client whoami: --schedule does not apply to 'whoami' "
            "(see unmanageable-client whoami --help)\n");
  // --help anywhere on the line shows the help of the command named on it.
  auto late = run("x", {"--help", "history"});
  EXPECT_EQ(late.code, kExitOk);
  EXPECT_NE(late.out.find("--count N"), std::string::npos) << late.out;
  // Text that looks like a short option, and anything after `--`, is an argument.
  EXPECT_EQ(run("x", {"send", "1", "-5", "--json"}).code, kExitLocal);  // no profile "x"
  EXPECT_EQ(run("x", {"send", "1", "--", "--text"}).code, kExitLocal);
  auto version = run("x", {"whoami", "--version"});
  EXPECT_EQ(version.code, kExitOk);
  EXPECT_TRUE(version.out.starts_with("unmanageable-client ")) << version.out;
}

TEST_F(CliTest, ExitCodesForLocalAndTransportFailures) {
  auto missing = run("ghost", {"whoami"});
  EXPECT_EQ(missing.code, kExitLocal);
  EXPECT_NE(missing.err.find("identity.json"), std::string::npos);
  unreachable = true;
  auto down = run("ghost", {"register", "ghost"});
  EXPECT_EQ(down.code, kExitTransport);
}

TEST_F(CliTest, TwoProfilesExchangeMessages) {
  ASSERT_EQ(run("alice", {"register", "alice"}).code, kExitOk);
  ASSERT_EQ(run("bob", {"register", "bob"}).code, kExitOk);
  EXPECT_EQ(run("alice", {"register", "alice2"}).code, kExitLocal);   // profile already used
  EXPECT_EQ(run("carol", {"register", "alice"}).code, kExitRefused);  // name taken

  auto who = run("alice", {"--json", "whoami"});
  ASSERT_EQ(who.code, kExitOk) << who.err;
  auto doc = parse_json(who.out);
  ASSERT_TRUE(doc.has_value());
  EXPECT_TRUE((*doc)["ok"].GetBool());
  EXPECT_STREQ((*doc)["user"]["username"].GetString(), "alice");
  EXPECT_STREQ((*doc)["dialect"].GetString(), "document");  // detected
  EXPECT_TRUE((*doc)["warnings"].IsArray() && (*doc)["warnings"].Empty());

  auto created = run("alice", {"--json", "dm", "create", "bob"});
  ASSERT_EQ(created.code, kExitOk) << created.err;
  auto cdoc = parse_json(created.out);
  ASSERT_TRUE(cdoc.has_value());
  const std::string dm = std::to_string((*cdoc)["id"].GetInt64());

  ASSERT_EQ(run("alice", {"send", dm, "hi bob"}).code, kExitOk);
  // Bob's first command processes his pending X3DH invitation, then reads.
  auto hist = run("bob", {"--json", "history", dm});
  ASSERT_EQ(hist.code, kExitOk) << hist.err;
  auto hdoc = parse_json(hist.out);
  ASSERT_TRUE(hdoc.has_value()) << hist.out;
  const rapidjson::Value& msgs = (*hdoc)["messages"];
  ASSERT_TRUE(msgs.IsArray() && msgs.Size() == 1) << hist.out;
  EXPECT_STREQ(msgs[0]["text"].GetString(), "hi bob");
  EXPECT_STREQ(msgs[0]["status"].GetString(), "ok");
  const std::string mid = std::to_string(msgs[0]["id"].GetInt64());

  auto react = run("bob", {"react", mid, "❤"});
  ASSERT_EQ(react.code, kExitOk) << react.err;
  ASSERT_EQ(run("alice", {"edit", mid, "hi bob (edited)"}).code, kExitOk);
  auto human = run("alice", {"history", dm, "--count", "5"});
  ASSERT_EQ(human.code, kExitOk) << human.err;
  EXPECT_NE(human.out.find("alice: hi bob (edited)"), std::string::npos) << human.out;
  EXPECT_NE(human.out.find("bob: ❤"), std::string::npos) << human.out;
  EXPECT_EQ(run("bob", {"edit", mid, "not mine"}).code, kExitLocal);
  EXPECT_EQ(run("alice", {"history", "abc"}).code, kExitUsage);
  EXPECT_EQ(run("alice", {"history", dm, "--count", "1000"}).code, kExitUsage);
}

TEST_F(CliTest, TamperedHistoryExitsWithFourAndShowsNoPlaintext) {
  ASSERT_EQ(run("alice", {"register", "alice"}).code, kExitOk);
  ASSERT_EQ(run("bob", {"register", "bob"}).code, kExitOk);
  auto created = run("alice", {"dm", "create", "bob"});
  ASSERT_EQ(created.code, kExitOk);
  ASSERT_EQ(run("alice", {"send", "1", "genuine"}).code, kExitOk);
  server.tamper_ack = [](std::string_view ev, std::string& ack) {
    if (ev != "get_message_history") return;
    auto pos = ack.find("\"signature\":\"") + 13;
    ack[pos] = ack[pos] == 'a' ? 'b' : 'a';
  };
  auto hist = run("bob", {"--json", "history", "1"});
  EXPECT_EQ(hist.code, kExitCrypto);
  EXPECT_EQ(hist.out.find("genuine"), std::string::npos);
  EXPECT_NE(hist.out.find("bad_signature"), std::string::npos);
}

TEST_F(CliTest, WatchPrintsDecryptedNotificationsAsJsonLines) {
  ASSERT_EQ(run("alice", {"register", "alice"}).code, kExitOk);
  ASSERT_EQ(run("bob", {"register", "bob"}).code, kExitOk);
  ASSERT_EQ(run("alice", {"dm", "create", "bob"}).code, kExitOk);
  // watch ends by itself (--duration); bob joins from the pending invitation at login.
  auto w = run("bob", {"--json", "watch", "--duration", "1"});
  ASSERT_EQ(w.code, kExitOk) << w.err;
  auto line = parse_json(w.out.substr(0, w.out.find('\n')));
  ASSERT_TRUE(line.has_value()) << w.out;
  EXPECT_STREQ((*line)["event"].GetString(), "dm_joined");
  EXPECT_STREQ((*line)["sender"].GetString(), "alice");
  EXPECT_TRUE((*line)["error"].IsNull());
  auto keys = run("bob", {"--json", "dm", "list"});
  ASSERT_EQ(keys.code, kExitOk) << keys.err;
  auto d = parse_json(keys.out);
  ASSERT_TRUE(d.has_value() && (*d)["dms"].IsArray() && (*d)["dms"].Size() == 1) << keys.out;
  EXPECT_TRUE((*d)["dms"][0]["have_key"].GetBool());
}

TEST_F(CliTest, RecoveryPhraseExportsAndImportsTheAccount) {
  ASSERT_EQ(run("alice", {"register", "alice"}).code, kExitOk);
  ASSERT_EQ(run("bob", {"register", "bob"}).code, kExitOk);
  ASSERT_EQ(run("alice", {"dm", "create", "bob"}).code, kExitOk);
  auto shown = run("alice", {"--json", "key", "show", "--phrase"});
  ASSERT_EQ(shown.code, kExitOk) << shown.err;
  auto doc = parse_json(shown.out);
  ASSERT_TRUE(doc.has_value()) << shown.out;
  const std::string phrase = (*doc)["phrase"].GetString();
  const std::string pub = (*doc)["public_key"].GetString();
  std::vector<std::string> words;
  for (std::size_t i = 0, j; i < phrase.size(); i = j + 1) {
    j = phrase.find(' ', i);
    if (j == std::string::npos) j = phrase.size();
    words.push_back(phrase.substr(i, j - i));
  }
  ASSERT_EQ(words.size(), 24u);                                                  // CR-KEY-005
  EXPECT_EQ(run("alice", {"key", "show"}).out.find(phrase), std::string::npos);  // only on ask

  // Import as words (in lower case: any case is accepted) into a fresh profile.
  std::vector<std::string> args = {"--json", "import", "alice", "--phrase"};
  for (auto w : words) {
    for (auto& c : w) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    args.push_back(w);
  }
  auto imported = run("alice2", args);
  ASSERT_EQ(imported.code, kExitOk) << imported.err;
  auto idoc = parse_json(imported.out);
  EXPECT_EQ((*idoc)["dm_keys"].GetInt64(), 1);  // the DM key came back from own_storage
  auto again = parse_json(run("alice2", {"--json", "key", "show"}).out);
  EXPECT_STREQ((*again)["public_key"].GetString(), pub.c_str());
  EXPECT_STREQ((*again)["username"].GetString(), "alice");
  ASSERT_EQ(run("alice2", {"send", "1", "from the imported profile"}).code, kExitOk);

  // From standard input; into a used profile; without --phrase; a bad phrase; a wrong account.
  auto stdin_import = run("alice3", {"import", "alice", "--phrase"}, phrase + "\n");
  ASSERT_EQ(stdin_import.code, kExitOk) << stdin_import.err;
  EXPECT_NE(stdin_import.out.find("imported alice (1 DM keys"), std::string::npos);
  EXPECT_EQ(run("alice3", {"import", "alice", "--phrase"}, phrase).code, kExitLocal);
  EXPECT_EQ(run("alice4", {"import", "alice"}).code, kExitUsage);
  std::swap(words[0], words[1]);
  std::string swapped;
  for (const auto& w : words) swapped += (swapped.empty() ? "" : " ") + w;
  auto bad = run("alice4", {"import", "alice", "--phrase", swapped});
  EXPECT_EQ(bad.code, kExitLocal) << bad.err;
  EXPECT_NE(bad.err.find("recovery phrase"), std::string::npos);
  EXPECT_EQ(run("alice4", {"import", "bob", "--phrase"}, phrase).code, kExitRefused);
  EXPECT_FALSE(std::filesystem::exists(root / "alice4" / "identity.json"));
}

}  // namespace
}  // namespace unm::client
