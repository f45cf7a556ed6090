// batch_test.cc — group commit (ChatServer::on_batch): a batch answers exactly like the same
// requests one by one; a failing request rolls back alone (EV-TRN-010); acks and notifications
// keep request order (EV-TRN-026/027); a failed commit answers every request of the batch with
// R-INTERNAL and applies none of their effects, durable or in memory.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>
#include <sqlite3.h>

#include <filesystem>
#include <limits>
#include <tuple>

#include "reference/common/hex.h"
#include "reference/crypto/challenge.h"
#include "reference/server/test_support.h"

namespace unm::server::testing {
namespace {

using protocol::Reason;

// Req is one request of a batch: connection, event and the JSON array of its arguments.
struct Req {
  ConnId conn = 0;
  std::string event;
  std::string args;
};

// run_batch hands `reqs` to the server as one batch (each with an ack id) and returns what was
// sent, in order. With `pool`, the batch's signatures are verified on it: all of them first
// (verify_all), or — `pipelined`, as ChatApp does — while the batch runs (start, result, finish).
std::vector<Sent> run_batch(Harness& h, const std::vector<Req>& reqs, SignaturePool* pool = nullptr,
                            bool pipelined = false) {
  std::vector<ChatServer::Incoming> batch;
  static std::uint64_t next_ack = 1'000'000;
  for (const auto& r : reqs) {
    ChatServer::Incoming in;
    in.conn = r.conn;
    in.name = r.event;
    in.args.Parse(r.args.data(), r.args.size());
    EXPECT_FALSE(in.args.HasParseError()) << r.args;
    in.ack_id = next_ack++;
    batch.push_back(std::move(in));
  }
  const std::size_t before = h.out.log.size();
  std::vector<SignatureCheck> checks;
  if (pool != nullptr && pipelined) {
    checks = h.server->signature_checks(batch);
    pool->start(checks);
    h.server->on_batch(batch, checks, [pool](std::size_t i) { return pool->result(i); });
    pool->finish();
  } else {
    if (pool != nullptr) {
      checks = h.server->signature_checks(batch);
      pool->verify_all(checks);
    }
    h.server->on_batch(batch, checks);
  }
  return {h.out.log.begin() + static_cast<std::ptrdiff_t>(before), h.out.log.end()};
}

// acks returns the acks of `sent` (the i-th belongs to the i-th request).
std::vector<Sent> acks(const std::vector<Sent>& sent) {
  std::vector<Sent> a;
  for (const auto& s : sent)
    if (s.is_ack) a.push_back(s);
  return a;
}

bool succeeded(const Sent& ack) {
  return parse(ack.json)["success"].GetBool();
}

std::string failure_text(const Sent& ack) {
  auto d = parse(ack.json);
  return d["result"].IsString() ? d["result"].GetString() : std::string();
}

Req send_req(Harness& h, ConnId c, const TestUser& u, std::int64_t dm, const std::string& hex) {
  return {c, "send_message",
          R"([{"id":)" + std::to_string(dm) + R"(,"message":")" + hex + R"(","signature":")" +
              h.sign(u, hex) + R"(","schedule":0,"delete":0}])"};
}

std::string temp_db(const std::string& name) {
  const auto dir =
      std::filesystem::temp_directory_path() / ("unm_batch_test_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  return (dir / name).string();
}

// exec_other runs `sql` through a second connection to the database file (fault injection).
void exec_other(const std::string& path, const char* sql) {
  sqlite3* raw = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &raw), SQLITE_OK);
  char* err = nullptr;
  EXPECT_EQ(sqlite3_exec(raw, sql, nullptr, nullptr, &err), SQLITE_OK) << (err ? err : "");
  sqlite3_free(err);
  sqlite3_close(raw);
}

TEST(GroupCommit, AFailingRequestInTheMiddleRollsBackAloneAndTheOthersCommit) {  // EV-TRN-010
  const std::string path = temp_db("middle.db");
  {
    Harness h(path);
    TestUser a, b;
    const ConnId ca = h.signed_up(a, "alice");
    const ConnId cb = h.signed_up(b, "bob");
    h.befriend(ca, a, cb, b);
    const auto dm = h.create_dm(ca, {&b});
    h.drain_all();
    // Reaction inserts fail half-way through add_reaction's writes.
    exec_other(path,
               "CREATE TRIGGER fault BEFORE INSERT ON reactions "
               "BEGIN SELECT RAISE(ABORT, 'injected fault'); END;");
    const std::string bad_sig = std::string(128, '0');
    const auto sent =
        run_batch(h, {send_req(h, ca, a, dm, "01"),
                      // a store fault after its checks passed (message 1 was created by this batch)
                      {cb, "add_reaction",
                       R"([{"id":1,"reaction":"ab","signature":")" + h.sign(b, "ab") + "\"}]"},
                      // a validation failure
                      {ca, "send_message",
                       R"([{"id":)" + std::to_string(dm) + R"(,"message":"02","signature":")" +
                           bad_sig + R"(","schedule":0,"delete":0}])"},
                      send_req(h, cb, b, dm, "03")});
    const auto a4 = acks(sent);
    ASSERT_EQ(a4.size(), 4u);
    EXPECT_TRUE(succeeded(a4[0]));
    EXPECT_FALSE(succeeded(a4[1]));
    EXPECT_EQ(failure_text(a4[1]).substr(0, protocol::reason_text(Reason::internal).size()),
              protocol::reason_text(Reason::internal));
    EXPECT_FALSE(succeeded(a4[2]));
    EXPECT_TRUE(succeeded(a4[3]));
    // Only the two messages were notified, in request order, on both connections.
    for (ConnId c : {ca, cb}) {
      std::vector<std::string> bodies;
      for (const auto& s : sent) {
        if (s.conn != c || s.is_ack) continue;
        EXPECT_EQ(s.name, "message_notification");
        bodies.emplace_back(parse(s.json)["message"].GetString());
      }
      EXPECT_EQ(bodies, (std::vector<std::string>{"01", "03"}));
    }
  }
  // Reopened from the file: both messages are there, without the reaction.
  Harness h(path);
  const auto r = h.store->history(1, std::numeric_limits<Micros>::max(), 10);
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[0].message, "03");
  EXPECT_EQ(r[1].message, "01");
  EXPECT_TRUE(r[1].reactions.empty());
  std::filesystem::remove_all(std::filesystem::path(path).parent_path());
}

TEST(GroupCommit, AcksAndNotificationsFollowRequestOrder) {  // EV-TRN-026, EV-TRN-027
  Harness h;
  TestUser a, b, c;
  const ConnId ca = h.signed_up(a, "alice");
  const ConnId cb = h.signed_up(b, "bob");
  const ConnId cc = h.signed_up(c, "carol");
  const auto dm = h.create_dm(ca, {&b, &c});
  const auto id = std::to_string(dm);
  h.drain_all();
  const auto sent =
      run_batch(h, {send_req(h, ca, a, dm, "01"),
                    {cb, "set_dm", R"([{"id":)" + id + R"(,"name":"n"}])"},
                    send_req(h, cc, c, dm, "02"),
                    {cb, "ping_typing", R"([{"id":)" + id + "}]"},
                    {ca, "add_reaction",
                     R"([{"id":1,"reaction":"ab","signature":")" + h.sign(a, "ab") + "\"}]"}});
  // Each request's ack comes before every notification it causes, and after everything the
  // requests before it caused.
  const std::vector<ConnId> requester{ca, cb, cc, cb, ca};
  std::size_t request = 0;
  for (std::size_t i = 0; i < sent.size(); ++i) {
    if (!sent[i].is_ack) continue;
    ASSERT_LT(request, requester.size());
    EXPECT_EQ(sent[i].conn, requester[request]) << "ack " << request;
    EXPECT_TRUE(succeeded(sent[i])) << sent[i].json;
    ++request;
  }
  EXPECT_EQ(request, requester.size());
  EXPECT_TRUE(sent.front().is_ack);
  const std::vector<std::string> want{"message_notification", "dm_notification",
                                      "message_notification", "typing_notification",
                                      "message_notification", "message_change_notification"};
  auto without_typing = want;
  without_typing.erase(without_typing.begin() + 3);
  EXPECT_EQ(Harness::names(h.drain(ca)), want);
  EXPECT_EQ(Harness::names(h.drain(cb)), without_typing);
  EXPECT_EQ(Harness::names(h.drain(cc)), want);
}

// A commit that fails (here: a deferred foreign key, checked only at COMMIT, planted by a
// trigger) answers every request of the batch R-INTERNAL; nothing of the batch is durable or
// visible: no message, no login, no presence, no call, no notification.
TEST(GroupCommit, AFailedCommitAnswersEveryRequestInternalAndAppliesNothing) {
  const std::string path = temp_db("commit.db");
  Harness h(path);
  TestUser a, b, c;
  const ConnId ca = h.signed_up(a, "alice");
  const ConnId cb = h.signed_up(b, "bob");
  c = h.make_user("carol");
  h.register_user(c);
  h.befriend(ca, a, cb, b);
  const auto dm = h.create_dm(ca, {&b});
  const auto id = std::to_string(dm);
  // carol's connection holds a challenge; its right answer would log her in.
  const ConnId cc = h.connect();
  const auto ch = h.call(cc, "login", R"({"username":"carol"})");
  ASSERT_TRUE(ch.success);
  crypto::PublicKey challenge{};
  ASSERT_TRUE(from_hex_into(ch.result.GetString(), challenge));
  const auto response = crypto::challenge_response(c.ik, challenge);
  ASSERT_TRUE(response);
  h.drain_all();
  exec_other(path,
             "CREATE TABLE poison (u INTEGER REFERENCES users(id) DEFERRABLE INITIALLY DEFERRED);"
             "CREATE TRIGGER poison_dead AFTER INSERT ON messages WHEN NEW.message = 'dead' "
             "BEGIN INSERT INTO poison VALUES (-1); END;");
  const std::vector<Req> reqs{
      {cc, "login_challenge_response", R"([{"response":")" + to_hex(*response) + "\"}]"},
      {ca, "join_call", R"([{"id":)" + id + R"(,"uuid":"u1"}])"},
      send_req(h, ca, a, dm, "01"),
      {cb, "set_user", R"([{"status":"busy"}])"},
      {ca, "nonsense", "[{}]"},
      send_req(h, cb, b, dm, "dead"),
  };
  const auto sent = run_batch(h, reqs);
  ASSERT_EQ(sent.size(), reqs.size()) << "acks only, no notification";
  for (std::size_t i = 0; i < sent.size(); ++i) {
    EXPECT_TRUE(sent[i].is_ack);
    EXPECT_EQ(sent[i].conn, reqs[i].conn);
    EXPECT_FALSE(succeeded(sent[i]));
    EXPECT_EQ(failure_text(sent[i]).substr(0, protocol::reason_text(Reason::internal).size()),
              protocol::reason_text(Reason::internal));
  }
  exec_other(path, "DROP TRIGGER poison_dead; DROP TABLE poison;");
  h.drain_all();
  // carol is not logged in, and nobody sees her online.
  expect_fail(h.call(cc, "get_dms", "{}"), Reason::notlogged);
  EXPECT_EQ(
      std::string(h.call(ca, "get_user", R"({"username":"carol"})").result["status"].GetString()),
      "offline");
  // bob's status, the call and the messages are as before the batch.
  EXPECT_EQ(
      std::string(h.call(ca, "get_user", R"({"username":"bob"})").result["status"].GetString()),
      "online");
  EXPECT_EQ(json_text(h.call(ca, "get_dm", R"({"id":)" + id + "}").result["users_in_call"]), "[]");
  EXPECT_EQ(
      expect_ok(h.call(ca, "get_message_history",
                       R"({"id":)" + id + R"(,"cursor":"2100-01-01T00:00:00.000Z","count":10})")),
      "[]");
  // The server goes on: the same kind of batch commits now.
  const auto again = run_batch(h, {{ca, "join_call", R"([{"id":)" + id + R"(,"uuid":"u1"}])"},
                                   send_req(h, ca, a, dm, "01")});
  for (const auto& s : acks(again)) EXPECT_TRUE(succeeded(s)) << s.json;
  EXPECT_EQ(
      Harness::names(h.drain(cb)),
      (std::vector<std::string>{"dm_notification", "user_joined_call", "message_notification"}));
  std::filesystem::remove_all(std::filesystem::path(path).parent_path());
}

// A login and its challenge response in one batch: the response sees the challenge, and the
// notifications of a later request of the batch reach the new session, not the earlier ones.
TEST(GroupCommit, SessionTransitionsInsideABatchAreSequential) {
  Harness h;
  TestUser a, b;
  const ConnId ca = h.signed_up(a, "alice");
  b = h.make_user("bob");
  h.register_user(b);
  const ConnId cb = h.connect();
  // bob's challenge is made before the batch; his response and alice's set_user follow.
  const auto ch = h.call(cb, "login", R"({"username":"bob"})");
  crypto::PublicKey challenge{};
  ASSERT_TRUE(from_hex_into(ch.result.GetString(), challenge));
  const auto response = crypto::challenge_response(b.ik, challenge);
  ASSERT_TRUE(response);
  h.drain_all();
  const auto sent = run_batch(
      h, {{ca, "set_user", R"([{"biography":"before"}])"},
          {cb, "login_challenge_response", R"([{"response":")" + to_hex(*response) + "\"}]"},
          {ca, "set_user", R"([{"biography":"after"}])"}});
  std::vector<std::string> bob_sees;
  for (const auto& s : sent) {
    if (s.conn == cb && !s.is_ack) bob_sees.emplace_back(parse(s.json)["biography"].GetString());
  }
  EXPECT_EQ(bob_sees, std::vector<std::string>{"after"});  // EV-TRN-025: after his login only
  for (const auto& s : acks(sent)) EXPECT_TRUE(succeeded(s)) << s.json;
}

// Pre-verified signatures are used only for the exact (key, message, signature) they were
// checked for: a request whose triple is not listed as verified is verified as usual.
TEST(GroupCommit, PreverifiedSignaturesApplyOnlyToTheirOwnTriple) {  // EV-MSG-004
  Harness h;
  TestUser a, b;
  const ConnId ca = h.signed_up(a, "alice");
  const ConnId cb = h.signed_up(b, "bob");
  h.befriend(ca, a, cb, b);
  const auto dm = h.create_dm(ca, {&b});
  h.drain_all();
  const std::string forged = h.sign(b, "02");  // bob's signature, sent as alice's
  const std::vector<Req> reqs{
      send_req(h, ca, a, dm, "01"),
      {ca, "send_message",
       R"([{"id":)" + std::to_string(dm) + R"(,"message":"02","signature":")" + forged +
           R"(","schedule":0,"delete":0}])"}};
  std::vector<ChatServer::Incoming> batch;
  for (const auto& r : reqs) {
    ChatServer::Incoming in;
    in.conn = r.conn;
    in.name = r.event;
    in.args.Parse(r.args.c_str());
    in.ack_id = 7;
    batch.push_back(std::move(in));
  }
  auto checks = h.server->signature_checks(batch);
  ASSERT_EQ(checks.size(), 2u);
  EXPECT_EQ(checks[0].key, a.pub);
  SignaturePool pool(2);
  pool.verify_all(checks);
  EXPECT_TRUE(checks[0].ok);
  EXPECT_FALSE(checks[1].ok);
  // Claim the first triple's result for a different message: it must not carry over.
  checks[1].ok = false;
  checks.push_back(SignatureCheck{a.pub, "02", checks[0].sig, true});
  h.server->on_batch(batch, checks);
  const auto a2 = acks(h.out.log);
  ASSERT_EQ(a2.size(), 2u);
  EXPECT_TRUE(succeeded(a2[0]));
  EXPECT_FALSE(succeeded(a2[1]));
  EXPECT_EQ(Harness::names(h.drain(cb)), std::vector<std::string>{"message_notification"});
}

// Op is one generated request: who sends it, what, and a small parameter.
using Op = std::tuple<int, int, int>;

std::vector<Req> ops_to_requests(Harness& h, const std::vector<Op>& ops,
                                 const std::vector<ConnId>& conns,
                                 const std::vector<const TestUser*>& users, std::int64_t dm) {
  std::vector<Req> reqs;
  const std::string id = std::to_string(dm);
  for (const auto& [who_raw, kind, param] : ops) {
    const int who = who_raw % 3;
    const ConnId c = conns[static_cast<std::size_t>(who)];
    const TestUser& u = *users[static_cast<std::size_t>(who)];
    const std::string hex = to_hex(std::vector<std::uint8_t>{static_cast<std::uint8_t>(param)});
    const std::string mid = std::to_string(1 + param % 6);
    switch (kind % 10) {
      case 0:
        reqs.push_back(send_req(h, c, u, dm, hex));
        break;
      case 1:  // bad signature (another user's)
        reqs.push_back({c, "send_message",
                        R"([{"id":)" + id + R"(,"message":")" + hex + R"(","signature":")" +
                            h.sign(*users[static_cast<std::size_t>((who + 1) % 3)], hex) +
                            R"(","schedule":0,"delete":0}])"});
        break;
      case 2:
        reqs.push_back({c, "add_reaction",
                        R"([{"id":)" + mid + R"(,"reaction":")" + hex + R"(","signature":")" +
                            h.sign(u, hex) + "\"}]"});
        break;
      case 3:
        reqs.push_back({c, "remove_reaction", R"([{"id":)" + mid + "}]"});
        break;
      case 4:
        reqs.push_back({c, "set_message", R"([{"id":)" + mid + R"(,"pinned":true}])"});
        break;
      case 5:
        reqs.push_back({c, "get_message_history",
                        R"([{"id":)" + id + R"(,"cursor":"2100-01-01T00:00:00.000Z","count":3}])"});
        break;
      case 6:
        reqs.push_back({c, param % 2 ? "join_call" : "leave_call",
                        R"([{"id":)" + id + (param % 2 ? R"(,"uuid":"u"}])" : "}]")});
        break;
      case 7:
        reqs.push_back({c, "set_dm", R"([{"id":)" + id + R"(,"name":")" + hex + "\"}]"});
        break;
      case 8:
        reqs.push_back({c, "set_user", R"([{"biography":")" + hex + "\"}]"});
        break;
      default:
        reqs.push_back({c, param % 2 ? "unknown_event" : "get_message", R"([{"id":)" + mid + "}]"});
        break;
    }
  }
  return reqs;
}

// The invariant of group commit: a batch is observably the same as its requests one by one —
// the same acks, the same notifications to the same connections, in the same order — also when
// its signatures were verified on a SignaturePool, beforehand or while the batch runs.
RC_GTEST_PROP(GroupCommitProperty, ABatchAnswersLikeItsRequestsOneByOne, ()) {
  const int verify = *rc::gen::inRange(0, 3);  // 0 inline, 1 verify_all first, 2 pipelined
  SignaturePool pool(1);
  const auto ops = *rc::gen::container<std::vector<Op>>(
      rc::gen::tuple(rc::gen::inRange(0, 3), rc::gen::inRange(0, 10), rc::gen::inRange(0, 256)));
  RC_PRE(!ops.empty());
  Harness batched;
  Harness single;
  std::vector<Sent> logs[2];
  int run = 0;
  for (Harness* h : {&batched, &single}) {
    TestUser a, b, c;
    const ConnId ca = h->signed_up(a, "alice");
    const ConnId cb = h->signed_up(b, "bob");
    const ConnId cc = h->signed_up(c, "carol");
    const auto dm = h->create_dm(ca, {&b, &c});
    h->drain_all();
    const auto reqs = ops_to_requests(*h, ops, {ca, cb, cc}, {&a, &b, &c}, dm);
    if (h == &batched) {
      run_batch(*h, reqs, verify > 0 ? &pool : nullptr, verify == 2);
    } else {
      for (const auto& r : reqs) {
        rapidjson::Document args;
        args.Parse(r.args.data(), r.args.size());
        h->server->on_event(r.conn, r.event, args, 1);
      }
    }
    logs[run++] = h->out.log;
  }
  RC_ASSERT(logs[0].size() == logs[1].size());
  for (std::size_t i = 0; i < logs[0].size(); ++i) {
    RC_ASSERT(logs[0][i].conn == logs[1][i].conn);
    RC_ASSERT(logs[0][i].is_ack == logs[1][i].is_ack);
    RC_ASSERT(logs[0][i].name == logs[1][i].name);
    RC_ASSERT(logs[0][i].json == logs[1][i].json);
  }
}

}  // namespace
}  // namespace unm::server::testing
