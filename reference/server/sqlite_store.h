// sqlite_store.h — the SQLite backend of Store: WAL journal, foreign keys on, a versioned schema
// with a migrations table, cached prepared statements. Durability: see docs/server.md.
#pragma once

#include <memory>
#include <string>
#include <unordered_map>

#include "reference/common/expected.h"
#include "reference/server/store.h"

struct sqlite3;
struct sqlite3_stmt;

namespace unm::server {

// Synchronous is SQLite's fsync policy. `full` syncs the WAL at every commit (an acknowledged
// change survives power loss); `normal` syncs at checkpoints only (survives kill -9 of the
// server, since the WAL is in the OS page cache, but not a power cut).
enum class Synchronous { full, normal };

// SqliteStore — see file comment. Not thread-safe: the chat server uses it from one thread.
class SqliteStore final : public Store {
 public:
  // open opens (creating if needed) the database at `path` (":memory:" for a private in-memory
  // one) and migrates it to the current schema version.
  static Expected<std::unique_ptr<SqliteStore>, std::string> open(const std::string& path,
                                                                  Synchronous sync);
  ~SqliteStore() override;
  SqliteStore(const SqliteStore&) = delete;
  SqliteStore& operator=(const SqliteStore&) = delete;

  // schema_version returns the version recorded in the migrations table.
  int schema_version();
  // kSchemaVersion is the version this code migrates to.
  static constexpr int kSchemaVersion = 1;

  bool begin() override;
  bool commit() override;
  void rollback() override;
  bool savepoint() override;
  bool release_savepoint() override;
  void rollback_savepoint() override;

  std::optional<protocol::User> user_by_name(std::string_view username) override;
  std::optional<protocol::User> user_by_id(UserId id) override;
  std::vector<protocol::User> all_users() override;
  UserId insert_user(const protocol::User& u) override;
  void update_user(const protocol::User& u) override;

  Relation relation(UserId a, UserId b) override;
  void set_relation(UserId a, UserId b, Relation r) override;
  std::vector<std::string> related_names(UserId me, Relation r, bool incoming) override;

  DmId insert_dm(Micros created_at, const std::vector<UserId>& members_in_order,
                 const std::vector<std::string>& key_tree) override;
  std::optional<DmRecord> dm(DmId id) override;
  std::vector<DmId> dms_of(UserId user) override;
  bool is_member(DmId dm, UserId user) override;
  void set_dm_name(DmId dm, const std::optional<std::string>& name) override;
  void remove_member(DmId dm, UserId user) override;
  bool dm_with_members(UserId a, UserId b) override;

  MessageId insert_message(DmId dm, UserId sender, std::string_view message,
                           std::string_view signature, Micros timestamp,
                           std::optional<Micros> delete_at) override;
  std::optional<protocol::Message> message(MessageId id) override;
  std::vector<protocol::Message> history(DmId dm, Micros before, std::int64_t limit) override;
  std::optional<protocol::Message> latest_message(DmId dm) override;
  std::vector<protocol::Message> pinned_messages(DmId dm) override;
  void update_message_text(MessageId id, std::string_view message,
                           std::string_view signature) override;
  void set_pinned(MessageId id, bool pinned) override;
  void delete_message(MessageId id) override;

  ReactionId insert_reaction(MessageId message, UserId sender, std::string_view reaction,
                             std::string_view signature) override;
  std::optional<ReactionRecord> reaction(ReactionId id) override;
  void delete_reaction(ReactionId id) override;

  std::int64_t insert_scheduled(const ScheduledRecord& s) override;
  std::optional<ScheduledRecord> scheduled_by_row(std::int64_t row_id) override;
  std::optional<ScheduledRecord> scheduled(DmId dm, UserId user, std::int64_t schedule_id) override;
  std::vector<ScheduledRecord> scheduled_of(DmId dm, UserId user) override;
  std::int64_t max_schedule_id(DmId dm, UserId user) override;
  void delete_scheduled(std::int64_t row_id) override;
  void delete_scheduled_of(DmId dm, UserId user) override;
  void clear_soon(std::int64_t row_id) override;

  std::optional<Micros> next_due() override;
  std::vector<DueTimer> due_timers(Micros now, std::size_t limit) override;

  void insert_pending_x3dh(UserId user, const protocol::X3dhObject& x) override;
  std::vector<PendingX3dh> pending_x3dh(UserId user) override;
  void delete_pending_x3dh(std::int64_t row_id) override;

  class Query;  // a bound, cached statement being stepped (sqlite_store.cc)

 private:
  SqliteStore() = default;
  bool exec(const char* sql);
  bool migrate();
  sqlite3_stmt* prepare(const char* sql);
  void note_error();
  // tx_alive reports whether the transaction begun by begin() is still open: SQLite rolls the
  // whole transaction back by itself after some errors (SQLITE_FULL, SQLITE_IOERR, …), and
  // later statements must then not run in autocommit mode.
  bool tx_alive();
  std::vector<protocol::Message> messages_where(const char* sql, DmId dm, Micros before,
                                                std::int64_t limit);
  void load_reactions(protocol::Message& m);
  std::optional<ScheduledRecord> scheduled_query(const char* sql, std::int64_t a, std::int64_t b,
                                                 std::int64_t c);

  struct DbCloser {
    void operator()(sqlite3* db) const;
  };
  struct StmtFinalizer {
    void operator()(sqlite3_stmt* s) const;
  };
  std::unique_ptr<sqlite3, DbCloser> db_;
  // Cached prepared statements keyed by their SQL text's address (every SQL text is a literal).
  std::unordered_map<const char*, std::unique_ptr<sqlite3_stmt, StmtFinalizer>> stmts_;
  bool in_tx_ = false;
  bool in_savepoint_ = false;
  bool failed_ = false;
};

}  // namespace unm::server
