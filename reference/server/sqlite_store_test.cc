// sqlite_store_test.cc — the SQLite backend: schema versioning, durability across reopen,
// transactions that fail roll back as a whole, id non-reuse, timer ordering.
#include <gtest/gtest.h>

#include <filesystem>

#include "reference/server/sqlite_store.h"

namespace unm::server {
namespace {

std::string temp_db(const std::string& name) {
  const auto dir =
      std::filesystem::temp_directory_path() / ("unm_store_test_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const auto path = dir / name;
  std::filesystem::remove(path);
  std::filesystem::remove(path.string() + "-wal");
  std::filesystem::remove(path.string() + "-shm");
  return path.string();
}

protocol::User user(std::string name) {
  protocol::User u;
  u.username = std::move(name);
  u.public_key = std::string(64, 'a');
  u.spk = std::string(64, 'b');
  u.sig = std::string(128, 'c');
  return u;
}

TEST(SqliteStore, MigratesToCurrentVersionAndReopens) {
  const auto path = temp_db("migrate.db");
  {
    auto s = SqliteStore::open(path, Synchronous::full);
    ASSERT_TRUE(s) << s.error();
    EXPECT_EQ((*s)->schema_version(), SqliteStore::kSchemaVersion);
    ASSERT_TRUE((*s)->begin());
    (*s)->insert_user(user("alice"));
    ASSERT_TRUE((*s)->commit());
  }
  auto s = SqliteStore::open(path, Synchronous::full);
  ASSERT_TRUE(s) << s.error();
  EXPECT_EQ((*s)->schema_version(), SqliteStore::kSchemaVersion);
  auto u = (*s)->user_by_name("alice");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->spk, std::string(64, 'b'));
}

TEST(SqliteStore, UncommittedChangesAreGone) {
  auto s = SqliteStore::open(":memory:", Synchronous::normal);
  ASSERT_TRUE(s);
  auto& st = **s;
  ASSERT_TRUE(st.begin());
  st.insert_user(user("alice"));
  st.rollback();
  EXPECT_FALSE(st.user_by_name("alice"));
}

TEST(SqliteStore, AFailingStatementRollsBackTheWholeTransaction) {
  auto s = SqliteStore::open(":memory:", Synchronous::normal);
  ASSERT_TRUE(s);
  auto& st = **s;
  ASSERT_TRUE(st.begin());
  st.insert_user(user("alice"));
  ASSERT_TRUE(st.commit());
  ASSERT_TRUE(st.begin());
  st.insert_user(user("bob"));
  st.insert_user(user("alice"));  // UNIQUE violation
  EXPECT_FALSE(st.commit());
  EXPECT_FALSE(st.user_by_name("bob"));
}

// Group commit (store.h): a failing statement inside a savepoint rolls back that savepoint only;
// the transaction goes on and commits the other savepoints (EV-TRN-010 per request).
TEST(SqliteStore, AFailingSavepointRollsBackAloneAndTheOthersCommit) {
  auto s = SqliteStore::open(":memory:", Synchronous::normal);
  ASSERT_TRUE(s);
  auto& st = **s;
  ASSERT_TRUE(st.begin());
  ASSERT_TRUE(st.savepoint());
  st.insert_user(user("alice"));
  EXPECT_TRUE(st.release_savepoint());
  ASSERT_TRUE(st.savepoint());
  st.insert_user(user("bob"));
  st.insert_user(user("alice"));  // UNIQUE violation: this savepoint fails
  EXPECT_FALSE(st.release_savepoint());
  ASSERT_TRUE(st.savepoint());
  st.insert_user(user("carol"));
  st.rollback_savepoint();  // discarded on purpose
  ASSERT_TRUE(st.savepoint());
  st.insert_user(user("dave"));
  EXPECT_TRUE(st.release_savepoint());
  ASSERT_TRUE(st.commit());
  EXPECT_TRUE(st.user_by_name("alice"));
  EXPECT_FALSE(st.user_by_name("bob"));
  EXPECT_FALSE(st.user_by_name("carol"));
  EXPECT_TRUE(st.user_by_name("dave"));
}

// A savepoint outside a transaction would run in autocommit mode, escaping the batch's commit.
TEST(SqliteStore, SavepointsNeedAnOpenTransaction) {
  auto s = SqliteStore::open(":memory:", Synchronous::normal);
  ASSERT_TRUE(s);
  auto& st = **s;
  EXPECT_FALSE(st.savepoint());
  EXPECT_FALSE(st.release_savepoint());
  ASSERT_TRUE(st.begin());
  ASSERT_TRUE(st.savepoint());
  EXPECT_FALSE(st.savepoint());  // not nested: one per request
  st.insert_user(user("alice"));
  EXPECT_TRUE(st.release_savepoint());
  st.rollback();
  EXPECT_FALSE(st.savepoint());
  EXPECT_FALSE(st.user_by_name("alice"));  // released, but the transaction rolled back
}

TEST(SqliteStore, MessageIdsAreNeverReused) {  // EV-OBJ-002
  auto s = SqliteStore::open(":memory:", Synchronous::normal);
  ASSERT_TRUE(s);
  auto& st = **s;
  ASSERT_TRUE(st.begin());
  const auto a = st.insert_user(user("alice"));
  const auto dm = st.insert_dm(1, {a}, {std::string(64, 'd')});
  const auto m1 = st.insert_message(dm, a, "00", std::string(128, 'e'), 10, std::nullopt);
  st.delete_message(m1);
  const auto m2 = st.insert_message(dm, a, "00", std::string(128, 'e'), 11, std::nullopt);
  ASSERT_TRUE(st.commit());
  EXPECT_GT(m2, m1);
}

TEST(SqliteStore, RelationsAreDirected) {
  auto s = SqliteStore::open(":memory:", Synchronous::normal);
  ASSERT_TRUE(s);
  auto& st = **s;
  ASSERT_TRUE(st.begin());
  const auto a = st.insert_user(user("alice"));
  const auto b = st.insert_user(user("bob"));
  st.set_relation(a, b, Relation::request);
  st.set_relation(b, a, Relation::block);
  EXPECT_EQ(st.relation(a, b), Relation::request);
  EXPECT_EQ(st.relation(b, a), Relation::block);
  EXPECT_EQ(st.related_names(b, Relation::request, true), std::vector<std::string>{"alice"});
  st.set_relation(a, b, Relation::none);
  EXPECT_EQ(st.relation(a, b), Relation::none);
  ASSERT_TRUE(st.commit());
}

TEST(SqliteStore, TimersComeOutInDueOrder) {
  auto s = SqliteStore::open(":memory:", Synchronous::normal);
  ASSERT_TRUE(s);
  auto& st = **s;
  ASSERT_TRUE(st.begin());
  const auto a = st.insert_user(user("alice"));
  const auto dm = st.insert_dm(1, {a}, {std::string(64, 'd')});
  const auto m = st.insert_message(dm, a, "00", std::string(128, 'e'), 10, 500);
  ScheduledRecord r;
  r.dm_id = dm;
  r.user_id = a;
  r.schedule_id = 1;
  r.message = "00";
  r.signature = std::string(128, 'e');
  r.due = 300;
  r.soon_at = 100;
  const auto row = st.insert_scheduled(r);
  ASSERT_TRUE(st.commit());
  EXPECT_EQ(st.next_due(), 100);
  const auto due = st.due_timers(1000, 10);
  ASSERT_EQ(due.size(), 3u);
  EXPECT_EQ(due[0].kind, TimerKind::soon_notice);
  EXPECT_EQ(due[0].ref, row);
  EXPECT_EQ(due[1].kind, TimerKind::send_scheduled);
  EXPECT_EQ(due[2].kind, TimerKind::delete_message);
  EXPECT_EQ(due[2].ref, m);
  EXPECT_EQ(st.due_timers(299, 10).size(), 1u);
}

TEST(SqliteStore, PendingX3dhRoundTrip) {
  auto s = SqliteStore::open(":memory:", Synchronous::normal);
  ASSERT_TRUE(s);
  auto& st = **s;
  ASSERT_TRUE(st.begin());
  const auto a = st.insert_user(user("alice"));
  const auto dm = st.insert_dm(1, {a}, {std::string(64, 'd')});
  protocol::X3dhObject x;
  x.sender = "bob";
  x.ik = std::string(64, '1');
  x.spk = std::string(64, '2');
  x.ek = std::string(64, '3');
  x.key_tree = {std::string(64, '4'), std::string(64, '5')};
  x.position = 1;
  x.id = dm;
  st.insert_pending_x3dh(a, x);
  ASSERT_TRUE(st.commit());
  const auto p = st.pending_x3dh(a);
  ASSERT_EQ(p.size(), 1u);
  EXPECT_EQ(p[0].object.key_tree, x.key_tree);
  EXPECT_EQ(p[0].object.id, dm);
}

}  // namespace
}  // namespace unm::server
