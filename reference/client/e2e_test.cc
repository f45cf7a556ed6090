// e2e_test — the client library and every unmanageable-client subcommand against the real
// reference server (unmanageable-server), spawned per test on 127.0.0.1 port 0 with a fresh
// database in a temporary directory and no X3DH grace period (--x3dh-delay-ms 0).
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>

#include "reference/client/cli.h"
#include "reference/client/rpc.h"
#include "reference/common/hex.h"
#include "reference/crypto/crypto.h"
#include "reference/tools/testing/server_process.h"

extern char** environ;

namespace unm::client {
namespace {

using namespace std::chrono_literals;

// server_options runs unmanageable-server for one test with its database and stderr log in
// `dir`; a server still running when it is destroyed gets SIGTERM, then SIGKILL after 5 s.
tools::testing::ServerProcessOptions server_options(const std::filesystem::path& dir) {
  tools::testing::ServerProcessOptions o;
  o.executable = UNM_SERVER_EXE;
  o.db = dir / "server.db";
  o.flags = {"--x3dh-delay-ms", "0", "--synchronous", "normal"};
  o.stderr_log = dir / "server.log";
  o.stop_signal = SIGTERM;
  o.stop_grace = 5s;
  return o;
}

struct Outcome {
  int code;
  std::string out;
  std::string err;
};

class E2eTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(crypto::init().has_value());
    root = std::filesystem::temp_directory_path() /
           ("unm_client_e2e_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(root);
    std::filesystem::create_directories(root / "server");
    server = std::make_unique<tools::testing::ServerProcess>(server_options(root / "server"));
    ASSERT_FALSE(server->url().empty())
        << "server did not start; see " << (root / "server/server.log");
  }
  void TearDown() override {
    server.reset();
    if (!HasFailure()) std::filesystem::remove_all(root);
  }

  Outcome cli(const std::string& who, std::vector<std::string> args,
              std::function<bool()> stop = {}) {
    std::ostringstream out, err;
    CliEnv env;
    env.out = &out;
    env.err = &err;
    env.rng = &crypto::system_random();
    env.stop_requested = std::move(stop);
    env.default_profile = (root / who).string();
    args.insert(args.begin(), {"--server", server->url()});
    const int code = run_cli(args, env);
    return Outcome{code, out.str(), err.str()};
  }

  // session opens a library session and (optionally) registers and logs in `name`.
  std::unique_ptr<Session> session(const std::string& name, Identity* keep = nullptr) {
    auto s = Session::connect(server->url(), crypto::system_random());
    EXPECT_TRUE(s.has_value()) << describe(s.error());
    if (!s) return nullptr;
    auto id = (*s)->register_account(name);
    EXPECT_TRUE(id.has_value()) << describe(id.error());
    if (!id) return nullptr;
    auto in = (*s)->login(*id);
    EXPECT_TRUE(in.has_value()) << describe(in.error());
    if (keep != nullptr) *keep = *id;
    return std::move(*s);
  }

  // pump_until processes notifications until `done` or 10 s (EV-DM-014's bound) pass.
  static bool pump_until(const std::vector<Session*>& ss, const std::function<bool()>& done) {
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (!done()) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      for (Session* s : ss) s->process_notifications(20ms);
    }
    return true;
  }

  std::filesystem::path root;
  std::unique_ptr<tools::testing::ServerProcess> server;
};

std::int64_t json_id(const std::string& text) {
  auto d = parse_json(text);
  if (!d || !d->IsObject() || !d->HasMember("id") || !(*d)["id"].IsInt64()) return -1;
  return (*d)["id"].GetInt64();
}

TEST_F(E2eTest, EverySubcommand) {
  ASSERT_EQ(cli("alice", {"register", "alice"}).code, kExitOk);
  ASSERT_EQ(cli("bob", {"register", "bob"}).code, kExitOk);
  ASSERT_EQ(cli("carol", {"register", "carol"}).code, kExitOk);
  EXPECT_EQ(cli("dave", {"register", "alice"}).code, kExitRefused);  // R-TAKEN
  auto login = cli("alice", {"login"});
  ASSERT_EQ(login.code, kExitOk) << login.err;
  EXPECT_NE(login.out.find("logged in as alice"), std::string::npos);
  auto who = cli("alice", {"whoami"});
  ASSERT_EQ(who.code, kExitOk) << who.err;
  EXPECT_NE(who.out.find("alice (online)"), std::string::npos) << who.out;
  auto users = cli("alice", {"--json", "users"});
  ASSERT_EQ(users.code, kExitOk);
  EXPECT_NE(users.out.find("\"carol\""), std::string::npos);
  ASSERT_EQ(cli("alice", {"profile", "--status", "away", "--bio", "hello there"}).code, kExitOk);
  auto user = cli("bob", {"user", "alice"});
  ASSERT_EQ(user.code, kExitOk);
  EXPECT_NE(user.out.find("hello there"), std::string::npos) << user.out;
  EXPECT_EQ(cli("bob", {"user", "nobody"}).code, kExitRefused);

  // Friends (EV-FRD): request, list, reject, request again, accept, remove, and again.
  ASSERT_EQ(cli("alice", {"friend", "add", "bob"}).code, kExitOk);
  auto lists = cli("bob", {"--json", "friend", "list"});
  ASSERT_EQ(lists.code, kExitOk);
  EXPECT_NE(lists.out.find("\"incoming\":[\"alice\"]"), std::string::npos) << lists.out;
  ASSERT_EQ(cli("bob", {"friend", "reject", "alice"}).code, kExitOk);
  ASSERT_EQ(cli("alice", {"friend", "add", "bob"}).code, kExitOk);
  ASSERT_EQ(cli("bob", {"friend", "accept", "alice"}).code, kExitOk);
  auto friends = cli("alice", {"friend", "list"});
  EXPECT_NE(friends.out.find("friends: bob"), std::string::npos) << friends.out;
  ASSERT_EQ(cli("alice", {"friend", "remove", "bob"}).code, kExitOk);
  EXPECT_EQ(cli("alice", {"friend", "remove", "bob"}).code, kExitRefused);
  ASSERT_EQ(cli("alice", {"friend", "add", "bob"}).code, kExitOk);
  ASSERT_EQ(cli("bob", {"friend", "accept", "alice"}).code, kExitOk);
  // Blocking (EV-FRD-007/008).
  ASSERT_EQ(cli("carol", {"block", "alice"}).code, kExitOk);
  EXPECT_NE(cli("carol", {"blocked"}).out.find("blocked: alice"), std::string::npos);
  EXPECT_EQ(cli("alice", {"friend", "add", "carol"}).code, kExitRefused);
  ASSERT_EQ(cli("carol", {"unblock", "alice"}).code, kExitOk);
  EXPECT_EQ(cli("carol", {"unblock", "alice"}).code, kExitRefused);

  // DMs: 1:1 with a friend; bob joins from his X3DH notification at his next login.
  auto created = cli("alice", {"--json", "dm", "create", "bob"});
  ASSERT_EQ(created.code, kExitOk) << created.err;
  const std::string dm = std::to_string(json_id(created.out));
  EXPECT_EQ(cli("alice", {"dm", "create", "carol"}).code, kExitRefused);  // not friends
  ASSERT_EQ(cli("alice", {"send", dm, "first message"}).code, kExitOk);
  auto hist = cli("bob", {"--json", "history", dm});
  ASSERT_EQ(hist.code, kExitOk) << hist.err;
  auto h = parse_json(hist.out);
  ASSERT_TRUE(h && (*h)["messages"].IsArray() && (*h)["messages"].Size() == 1) << hist.out;
  EXPECT_STREQ((*h)["messages"][0]["text"].GetString(), "first message");
  const std::string mid = std::to_string((*h)["messages"][0]["id"].GetInt64());
  // The reference server speaks the document: detected, no §12 warning.
  EXPECT_STREQ((*h)["dialect"].GetString(), "document");
  EXPECT_TRUE((*h)["warnings"].Empty()) << hist.out;

  auto list = cli("bob", {"dm", "list"});
  ASSERT_EQ(list.code, kExitOk);
  EXPECT_NE(list.out.find(dm + "  (unnamed)  [alice, bob]"), std::string::npos) << list.out;
  ASSERT_EQ(cli("bob", {"dm", "rename", dm, "Two of us"}).code, kExitOk);
  auto show = cli("alice", {"dm", "show", dm});
  ASSERT_EQ(show.code, kExitOk) << show.err;
  EXPECT_NE(show.out.find("Two of us"), std::string::npos) << show.out;
  EXPECT_NE(show.out.find("alice: first message"), std::string::npos) << show.out;
  ASSERT_EQ(cli("bob", {"dm", "rename", dm, "--clear"}).code, kExitOk);

  // Reactions, edits, pins.
  auto react = cli("bob", {"--json", "react", mid, "🎉"});
  ASSERT_EQ(react.code, kExitOk) << react.err;
  const std::string rid = std::to_string(json_id(react.out));
  ASSERT_EQ(cli("alice", {"edit", mid, "first message, edited"}).code, kExitOk);
  EXPECT_EQ(cli("bob", {"edit", mid, "hijack"}).code, kExitLocal);
  ASSERT_EQ(cli("bob", {"pin", mid}).code, kExitOk);
  auto pinned = cli("alice", {"pinned", dm});
  ASSERT_EQ(pinned.code, kExitOk);
  EXPECT_NE(pinned.out.find("[pinned]: first message, edited"), std::string::npos) << pinned.out;
  EXPECT_NE(pinned.out.find("bob: 🎉"), std::string::npos) << pinned.out;
  ASSERT_EQ(cli("bob", {"pin", mid, "--off"}).code, kExitOk);
  EXPECT_EQ(cli("alice", {"pinned", dm}).out, "");
  ASSERT_EQ(cli("bob", {"unreact", rid}).code, kExitOk);
  EXPECT_EQ(cli("bob", {"unreact", rid}).code, kExitRefused);

  // Scheduled and self-destructing messages.
  ASSERT_EQ(cli("alice", {"send", dm, "later", "--schedule", "3600"}).code, kExitOk);
  auto sched = cli("alice", {"--json", "dm", "show", dm});
  ASSERT_EQ(sched.code, kExitOk);
  auto sd = parse_json(sched.out);
  ASSERT_TRUE(sd && (*sd)["dm"]["scheduled"].Size() == 1) << sched.out;
  EXPECT_STREQ((*sd)["dm"]["scheduled"][0]["text"].GetString(), "later");
  const std::string sid = std::to_string((*sd)["dm"]["scheduled"][0]["schedule_id"].GetInt64());
  ASSERT_EQ(cli("alice", {"cancel", dm, sid}).code, kExitOk);
  EXPECT_EQ(cli("alice", {"cancel", dm, sid}).code, kExitRefused);
  ASSERT_EQ(cli("alice", {"send", dm, "ephemeral", "--delete", "600"}).code, kExitOk);
  auto eph = cli("bob", {"history", dm, "--count", "1"});
  EXPECT_NE(eph.out.find("ephemeral  (self-destructs"), std::string::npos) << eph.out;

  // Typing and calls.
  ASSERT_EQ(cli("bob", {"typing", dm}).code, kExitOk);
  auto join = cli("alice", {"--json", "call", "join", dm, "uuid-a"});
  ASSERT_EQ(join.code, kExitOk) << join.err;
  EXPECT_NE(join.out.find("\"alice\":\"uuid-a\""), std::string::npos) << join.out;
  // The call ends with alice's connection (EV-CALL-010), so leaving afterwards is refused.
  EXPECT_EQ(cli("alice", {"call", "leave", dm}).code, kExitRefused);

  // watch prints decrypted notifications live; it stops when asked.
  std::atomic<bool> stop{false};
  Outcome watched;
  std::thread watcher([&] {
    watched = cli("bob", {"--json", "watch", "--duration", "20"}, [&] { return stop.load(); });
  });
  std::this_thread::sleep_for(
      1500ms);  // let bob log in before the message (not a timing assertion)
  ASSERT_EQ(cli("alice", {"send", dm, "live!"}).code, kExitOk);
  std::this_thread::sleep_for(1000ms);
  stop = true;
  watcher.join();
  EXPECT_EQ(watched.code, kExitOk) << watched.err;
  EXPECT_NE(watched.out.find("\"text\":\"live!\""), std::string::npos) << watched.out;

  ASSERT_EQ(cli("bob", {"dm", "leave", dm}).code, kExitOk);
  EXPECT_EQ(cli("bob", {"history", dm}).code, kExitRefused);
  // login --wait stays connected for the given time, handling invitations.
  EXPECT_EQ(cli("alice", {"login", "--wait", "1"}).code, kExitOk);
}

// run_client runs the unmanageable-client executable; with `interrupt_after` it sends SIGINT
// after that long. Returns the exit status, or -1 when it did not end within 20 s (then killed).
int run_client(const std::vector<std::string>& args,
               std::optional<std::chrono::milliseconds> interrupt_after = std::nullopt) {
  std::vector<std::string> argv_s = {UNM_CLIENT_EXE};
  argv_s.insert(argv_s.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : argv_s) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
  pid_t pid = -1;
  const int rc = posix_spawn(&pid, argv[0], &fa, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  if (rc != 0) return -2;
  const auto start = std::chrono::steady_clock::now();
  bool interrupted = false;
  int status = 0;
  while (::waitpid(pid, &status, WNOHANG) == 0) {
    const auto elapsed = std::chrono::steady_clock::now() - start;
    if (interrupt_after && !interrupted && elapsed >= *interrupt_after) {
      ::kill(pid, SIGINT);
      interrupted = true;
    }
    if (elapsed > 20s) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      return -1;
    }
    std::this_thread::sleep_for(20ms);
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : -3;
}

TEST_F(E2eTest, ExecutableExitCodesAndInterruptedWatch) {
  EXPECT_EQ(run_client({"--help"}), kExitOk);
  EXPECT_EQ(run_client({"dm", "create", "--help"}), kExitOk);
  EXPECT_EQ(run_client({"frobnicate"}), kExitUsage);
  const std::string profile = (root / "exe").string();
  EXPECT_EQ(run_client({"--server", server->url(), "--profile", profile, "whoami"}), kExitLocal);
  EXPECT_EQ(run_client({"--server", server->url(), "--profile", profile, "register", "eve"}),
            kExitOk);
  EXPECT_EQ(run_client({"--server", server->url(), "--profile", profile, "user", "nobody"}),
            kExitRefused);
  EXPECT_EQ(run_client({"--server", "http://127.0.0.1:1", "--profile", profile, "whoami"}),
            kExitTransport);
  // SIGINT ends `watch` cleanly (exit 0), without waiting for a --duration.
  EXPECT_EQ(run_client({"--server", server->url(), "--profile", profile, "watch"}, 1500ms),
            kExitOk);
}

TEST_F(E2eTest, TwoMemberAndNineMemberDms) {
  std::vector<std::unique_ptr<Session>> ss;
  std::vector<std::string> names;
  std::vector<std::vector<ReadMessage>> seen(9);
  std::vector<int> joined(9, 0);
  for (int i = 0; i < 9; ++i) {
    names.push_back("member" + std::to_string(i));
    ss.push_back(session(names.back()));
    ASSERT_NE(ss.back(), nullptr);
    Handlers h;
    h.on_message = [&seen, i](const ReadMessage& m) { seen[i].push_back(m); };
    h.on_dm_joined = [&joined, i](const DmJoined& j) {
      EXPECT_FALSE(j.error.has_value()) << describe(*j.error);
      ++joined[i];
    };
    ss.back()->set_handlers(h);
  }
  std::vector<Session*> all;
  for (auto& s : ss) all.push_back(s.get());

  // 2-member (group rules: a 1:1 DM needs friendship, so make them friends first).
  ASSERT_TRUE(ss[0]->send_friend_request(names[1]).has_value());
  ASSERT_TRUE(ss[1]->ack_friend_request(names[0], true).has_value());
  auto two = ss[0]->create_dm({names[1]});
  ASSERT_TRUE(two.has_value()) << describe(two.error());
  ASSERT_TRUE(pump_until(all, [&] { return joined[1] == 1; }));
  ASSERT_TRUE(ss[0]->send_message(*two, "ping").has_value());
  ASSERT_TRUE(ss[1]->send_message(*two, "pong").has_value());
  ASSERT_TRUE(pump_until(all, [&] { return seen[0].size() == 2 && seen[1].size() == 2; }));
  for (int i : {0, 1}) {
    EXPECT_EQ(seen[i][0].text, "ping");
    EXPECT_EQ(seen[i][1].text, "pong");
    EXPECT_EQ(seen[i][1].status, ContentStatus::ok);
  }

  // 9-member group DM created by member8; everyone writes once; everyone reads all nine.
  for (auto& v : seen) v.clear();
  auto nine = ss[8]->create_dm(std::vector<std::string>(names.begin(), names.end() - 1));
  ASSERT_TRUE(nine.has_value()) << describe(nine.error());
  ASSERT_TRUE(pump_until(all, [&] {
    for (int i = 0; i < 8; ++i)
      if (ss[i]->keys().dm_key(*nine) == nullptr) return false;
    return true;
  }));
  for (int i = 0; i < 9; ++i)
    ASSERT_TRUE(ss[i]->send_message(*nine, "hi from " + names[i]).has_value());
  ASSERT_TRUE(pump_until(all, [&] {
    for (auto& v : seen)
      if (v.size() < 9) return false;
    return true;
  }));
  for (int i = 0; i < 9; ++i) {
    ASSERT_EQ(seen[i].size(), 9u);
    for (const auto& m : seen[i]) {
      EXPECT_EQ(m.status, ContentStatus::ok);
      EXPECT_EQ(m.text, "hi from " + m.raw.sender);
    }
  }
}

TEST_F(E2eTest, OfflineMemberGetsItsX3dhAtLoginAndOtherClientsRecoverKeys) {
  Identity carol_id;
  {
    auto carol = session("carol", &carol_id);  // registers, then goes offline
    ASSERT_NE(carol, nullptr);
  }
  auto alice = session("alice");
  auto bob = session("bob");
  ASSERT_TRUE(alice && bob);
  auto dm = alice->create_dm({"bob", "carol"});
  ASSERT_TRUE(dm.has_value()) << describe(dm.error());
  ASSERT_TRUE(alice->send_message(*dm, "carol, read this when you're back").has_value());

  auto carol = Session::connect(server->url(), crypto::system_random());
  ASSERT_TRUE(carol.has_value());
  int joined = 0;
  Handlers h;
  h.on_dm_joined = [&](const DmJoined& j) {
    EXPECT_FALSE(j.error.has_value());
    ++joined;
  };
  (*carol)->set_handlers(h);
  ASSERT_TRUE((*carol)->login(carol_id).has_value());
  ASSERT_TRUE(pump_until({carol->get()}, [&] { return joined == 1; }));
  auto hist = (*carol)->get_message_history(*dm, "", 10);
  ASSERT_TRUE(hist.has_value()) << describe(hist.error());
  ASSERT_EQ(hist->size(), 1u);
  EXPECT_EQ((*hist)[0].status, ContentStatus::ok);
  EXPECT_EQ((*hist)[0].text, "carol, read this when you're back");

  // A second client of carol's account recovers the DM key from own_storage (CR-STORE-001).
  auto laptop = Session::connect(server->url(), crypto::system_random());
  ASSERT_TRUE(laptop.has_value());
  ASSERT_TRUE((*laptop)->login(carol_id).has_value());
  ASSERT_NE((*laptop)->keys().dm_key(*dm), nullptr);
  auto m = (*laptop)->get_message((*hist)[0].raw.id);
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(m->text, "carol, read this when you're back");
}

TEST_F(E2eTest, TamperedMessagesAreReportedAsSuch) {
  Identity alice_id;
  auto alice = session("alice", &alice_id);
  auto bob = session("bob");
  ASSERT_TRUE(alice && bob);
  std::vector<ReadMessage> seen;
  Handlers h;
  h.on_message = [&](const ReadMessage& m) { seen.push_back(m); };
  bob->set_handlers(h);
  auto dm = alice->create_dm({"bob", "carol_never"});
  // create_dm needs every user to exist: a group of two others, one unknown, is refused.
  ASSERT_FALSE(dm.has_value());
  auto carol = session("carol");
  dm = alice->create_dm({"bob", "carol"});
  ASSERT_TRUE(dm.has_value()) << describe(dm.error());
  ASSERT_TRUE(pump_until({bob.get()}, [&] { return bob->keys().dm_key(*dm) != nullptr; }));

  // Bad tag: alice signs a ciphertext made under another key; the server (which cannot
  // decrypt) accepts it, and bob reports it as undecryptable, never as text.
  crypto::SharedKey wrong;
  crypto::system_random().fill(wrong.mutable_bytes());
  const std::string secret = "not for you";
  auto ct = crypto::aead_encrypt_hex(
      wrong,
      std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(secret.data()),
                                    secret.size()),
      crypto::system_random());
  ASSERT_TRUE(ct.has_value());
  auto sig = crypto::sign(alice_id.private_key, *from_hex(*ct));
  Rpc rpc(alice->channel(), 10s);
  ASSERT_TRUE(rpc.call_true("send_message",
                            Payload()
                                .num("id", *dm)
                                .str("message", *ct)
                                .str("signature", to_hex(std::span<const std::uint8_t>(sig)))
                                .num("schedule", 0)
                                .num("delete", 0)
                                .text())
                  .has_value());
  ASSERT_TRUE(pump_until({bob.get()}, [&] { return !seen.empty(); }));
  EXPECT_EQ(seen[0].status, ContentStatus::undecryptable);
  EXPECT_TRUE(seen[0].text.empty());

  // Bad signature: the reference server refuses it (EV-MSG-004), so it never reaches bob.
  std::string bad = to_hex(std::span<const std::uint8_t>(sig));
  bad[0] = bad[0] == '0' ? '1' : '0';
  auto refused = rpc.call_true("send_message", Payload()
                                                   .num("id", *dm)
                                                   .str("message", *ct)
                                                   .str("signature", bad)
                                                   .num("schedule", 0)
                                                   .num("delete", 0)
                                                   .text());
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().code, ErrorCode::refused);
  // Read back through get_message: still undecryptable, still no text.
  auto again = bob->get_message(seen[0].raw.id);
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(again->status, ContentStatus::undecryptable);
}

}  // namespace
}  // namespace unm::client
