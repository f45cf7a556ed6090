#include "reference/server/sqlite_store.h"

#include <sqlite3.h>

#include <type_traits>

namespace unm::server {

using protocol::Message;
using protocol::User;

void SqliteStore::DbCloser::operator()(sqlite3* db) const {
  sqlite3_close_v2(db);
}
void SqliteStore::StmtFinalizer::operator()(sqlite3_stmt* s) const {
  sqlite3_finalize(s);
}

// Query steps one cached statement; it binds its arguments in order and resets the statement
// when destroyed, so a statement is never left half-stepped for the next user.
class SqliteStore::Query {
 public:
  template <class... Args>
  Query(SqliteStore& store, const char* sql, const Args&... args)
      : store_(store), stmt_(store.prepare(sql)) {
    if (stmt_ == nullptr) return;
    int i = 1;
    (bind(i++, args), ...);
  }
  ~Query() {
    if (stmt_ != nullptr) {
      sqlite3_reset(stmt_);
      sqlite3_clear_bindings(stmt_);
    }
  }
  Query(const Query&) = delete;
  Query& operator=(const Query&) = delete;

  // row advances to the next row; false at the end or on error (the error is recorded).
  bool row() {
    if (stmt_ == nullptr || done_) return false;
    const int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    done_ = true;
    if (rc != SQLITE_DONE) store_.note_error();
    return false;
  }
  // run executes a statement that returns no rows.
  void run() {
    while (row()) {
    }
  }
  std::int64_t i64(int col) { return sqlite3_column_int64(stmt_, col); }
  bool null(int col) { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }
  std::string text(int col) {
    const auto* p = sqlite3_column_text(stmt_, col);
    const int n = sqlite3_column_bytes(stmt_, col);
    return p == nullptr ? std::string() : std::string(reinterpret_cast<const char*>(p), n);
  }
  std::optional<std::string> opt_text(int col) {
    if (null(col)) return std::nullopt;
    return text(col);
  }
  std::optional<std::int64_t> opt_i64(int col) {
    if (null(col)) return std::nullopt;
    return i64(col);
  }

 private:
  void check(int rc) {
    if (rc != SQLITE_OK) store_.note_error();
  }
  void bind(int i, std::int64_t v) { check(sqlite3_bind_int64(stmt_, i, v)); }
  void bind(int i, int v) { check(sqlite3_bind_int64(stmt_, i, v)); }
  void bind(int i, bool v) { check(sqlite3_bind_int64(stmt_, i, v ? 1 : 0)); }
  void bind(int i, std::string_view v) {
    check(sqlite3_bind_text64(stmt_, i, v.data(), v.size(), SQLITE_TRANSIENT, SQLITE_UTF8));
  }
  void bind(int i, const std::string& v) { bind(i, std::string_view(v)); }
  void bind(int i, const char* v) { bind(i, std::string_view(v)); }
  void bind(int i, std::nullopt_t) { check(sqlite3_bind_null(stmt_, i)); }
  template <class T>
  void bind(int i, const std::optional<T>& v) {
    if (v) {
      bind(i, *v);
    } else {
      check(sqlite3_bind_null(stmt_, i));
    }
  }

  SqliteStore& store_;
  sqlite3_stmt* stmt_;
  bool done_ = false;
};

namespace {

// Schema version 1. Ids use AUTOINCREMENT so that ids of deleted rows are never handed out again
// (EV-OBJ-002). Times are µs since the epoch (UTC).
constexpr const char* kSchemaV1 = R"sql(
CREATE TABLE users (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  username TEXT NOT NULL UNIQUE,
  public_key TEXT NOT NULL,
  spk TEXT,
  sig TEXT,
  status TEXT NOT NULL,
  biography TEXT NOT NULL,
  profile_picture TEXT NOT NULL,
  own_storage TEXT NOT NULL
);
CREATE TABLE relations (
  a INTEGER NOT NULL REFERENCES users(id),
  b INTEGER NOT NULL REFERENCES users(id),
  kind INTEGER NOT NULL CHECK (kind IN (1, 2, 3)),
  PRIMARY KEY (a, b),
  CHECK (a <> b)
);
CREATE INDEX relations_b ON relations(b, kind);
CREATE TABLE dms (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  name TEXT,
  created_at INTEGER NOT NULL,
  key_tree TEXT NOT NULL
);
CREATE TABLE dm_members (
  dm_id INTEGER NOT NULL REFERENCES dms(id),
  user_id INTEGER NOT NULL REFERENCES users(id),
  position INTEGER NOT NULL,
  PRIMARY KEY (dm_id, user_id)
);
CREATE INDEX dm_members_user ON dm_members(user_id, dm_id);
CREATE TABLE messages (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  dm_id INTEGER NOT NULL REFERENCES dms(id),
  sender_id INTEGER NOT NULL REFERENCES users(id),
  message TEXT NOT NULL,
  signature TEXT NOT NULL,
  ts INTEGER NOT NULL,
  delete_at INTEGER,
  pinned INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX messages_dm_ts ON messages(dm_id, ts, id);
CREATE INDEX messages_delete_at ON messages(delete_at) WHERE delete_at IS NOT NULL;
CREATE TABLE reactions (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  message_id INTEGER NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
  sender_id INTEGER NOT NULL REFERENCES users(id),
  reaction TEXT NOT NULL,
  signature TEXT NOT NULL
);
CREATE INDEX reactions_message ON reactions(message_id, id);
CREATE TABLE scheduled (
  row_id INTEGER PRIMARY KEY AUTOINCREMENT,
  dm_id INTEGER NOT NULL REFERENCES dms(id),
  user_id INTEGER NOT NULL REFERENCES users(id),
  schedule_id INTEGER NOT NULL,
  message TEXT NOT NULL,
  signature TEXT NOT NULL,
  delete_seconds INTEGER NOT NULL,
  due INTEGER NOT NULL,
  soon_at INTEGER,
  UNIQUE (dm_id, user_id, schedule_id)
);
CREATE INDEX scheduled_due ON scheduled(due);
CREATE INDEX scheduled_soon ON scheduled(soon_at) WHERE soon_at IS NOT NULL;
CREATE TABLE pending_x3dh (
  row_id INTEGER PRIMARY KEY AUTOINCREMENT,
  user_id INTEGER NOT NULL REFERENCES users(id),
  dm_id INTEGER NOT NULL REFERENCES dms(id),
  sender TEXT NOT NULL,
  ik TEXT NOT NULL,
  spk TEXT NOT NULL,
  ek TEXT NOT NULL,
  key_tree TEXT NOT NULL,
  position INTEGER NOT NULL
);
CREATE INDEX pending_x3dh_user ON pending_x3dh(user_id, row_id);
)sql";

// join_keys / split_keys store a key list as space-separated hex (the store holds no JSON).
std::string join_keys(const std::vector<std::string>& keys) {
  std::string out;
  for (const auto& k : keys) {
    if (!out.empty()) out.push_back(' ');
    out += k;
  }
  return out;
}

std::vector<std::string> split_keys(const std::string& s) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start < s.size()) {
    std::size_t end = s.find(' ', start);
    if (end == std::string::npos) end = s.size();
    out.emplace_back(s.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

constexpr const char* kUserColumns =
    "id, username, public_key, spk, sig, status, biography, profile_picture, own_storage";

}  // namespace

Expected<std::unique_ptr<SqliteStore>, std::string> SqliteStore::open(const std::string& path,
                                                                      Synchronous sync) {
  std::unique_ptr<SqliteStore> s(new SqliteStore());
  sqlite3* raw = nullptr;
  const int rc =
      sqlite3_open_v2(path.c_str(), &raw,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  s->db_.reset(raw);
  if (rc != SQLITE_OK) {
    return Unexpected{std::string("cannot open database: ") +
                      (raw != nullptr ? sqlite3_errmsg(raw) : sqlite3_errstr(rc))};
  }
  sqlite3_busy_timeout(raw, 5000);
  if (!s->exec("PRAGMA foreign_keys = ON") || !s->exec("PRAGMA journal_mode = WAL") ||
      !s->exec(sync == Synchronous::full ? "PRAGMA synchronous = FULL"
                                         : "PRAGMA synchronous = NORMAL")) {
    return Unexpected{std::string("cannot configure database: ") + sqlite3_errmsg(raw)};
  }
  if (!s->migrate()) {
    return Unexpected{std::string("cannot migrate database: ") + sqlite3_errmsg(raw)};
  }
  return s;
}

SqliteStore::~SqliteStore() {
  stmts_.clear();  // statements must be finalized before the connection closes
}

bool SqliteStore::exec(const char* sql) {
  return sqlite3_exec(db_.get(), sql, nullptr, nullptr, nullptr) == SQLITE_OK;
}

int SqliteStore::schema_version() {
  Query q(*this, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations");
  return q.row() ? static_cast<int>(q.i64(0)) : 0;
}

bool SqliteStore::migrate() {
  if (!exec("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, "
            "applied_at INTEGER NOT NULL)")) {
    return false;
  }
  // Each migration runs in its own transaction together with its version row, so a crash during
  // start-up never leaves a half-migrated file.
  struct Migration {
    int version;
    const char* sql;
  };
  static constexpr Migration kMigrations[] = {{1, kSchemaV1}};
  const int current = schema_version();
  if (failed_) return false;
  if (current > kSchemaVersion) return false;  // a newer server wrote this file
  for (const auto& m : kMigrations) {
    if (m.version <= current) continue;
    if (!exec("BEGIN IMMEDIATE")) return false;
    const std::string record = "INSERT INTO schema_migrations(version, applied_at) VALUES (" +
                               std::to_string(m.version) + ", strftime('%s','now'))";
    if (!exec(m.sql) || !exec(record.c_str()) || !exec("COMMIT")) {
      exec("ROLLBACK");
      return false;
    }
  }
  return true;
}

sqlite3_stmt* SqliteStore::prepare(const char* sql) {
  auto it = stmts_.find(sql);
  if (it != stmts_.end()) return it->second.get();
  sqlite3_stmt* raw = nullptr;
  if (sqlite3_prepare_v3(db_.get(), sql, -1, SQLITE_PREPARE_PERSISTENT, &raw, nullptr) !=
      SQLITE_OK) {
    note_error();
    return nullptr;
  }
  stmts_.emplace(sql, std::unique_ptr<sqlite3_stmt, StmtFinalizer>(raw));
  return raw;
}

void SqliteStore::note_error() {
  failed_ = true;
}

bool SqliteStore::begin() {
  failed_ = false;
  in_savepoint_ = false;
  // IMMEDIATE takes the write lock at once: a second process on the same file waits at begin
  // instead of failing half-way.
  in_tx_ = exec("BEGIN IMMEDIATE");
  return in_tx_;
}

bool SqliteStore::commit() {
  if (!in_tx_) return false;
  const bool alive = tx_alive();
  in_tx_ = false;
  in_savepoint_ = false;
  if (failed_ || !alive || !exec("COMMIT")) {
    exec("ROLLBACK");
    failed_ = false;
    return false;
  }
  return true;
}

void SqliteStore::rollback() {
  if (in_tx_) exec("ROLLBACK");
  in_tx_ = false;
  in_savepoint_ = false;
  failed_ = false;
}

bool SqliteStore::tx_alive() {
  return in_tx_ && sqlite3_get_autocommit(db_.get()) == 0;
}

bool SqliteStore::savepoint() {
  // Outside a live transaction SAVEPOINT would start a new one in autocommit mode, whose writes
  // would escape the batch's commit: refuse instead.
  if (!tx_alive() || in_savepoint_ || failed_) return false;
  in_savepoint_ = exec("SAVEPOINT request");
  if (!in_savepoint_) failed_ = true;
  return in_savepoint_;
}

bool SqliteStore::release_savepoint() {
  if (!in_savepoint_) return false;
  if (failed_) {
    rollback_savepoint();
    return false;
  }
  in_savepoint_ = false;
  if (!exec("RELEASE request")) {
    failed_ = true;  // the transaction is in an unknown state: let its commit fail
    return false;
  }
  return true;
}

void SqliteStore::rollback_savepoint() {
  if (!in_savepoint_) return;
  in_savepoint_ = false;
  // ROLLBACK TO keeps the savepoint open; RELEASE then removes it. If SQLite already rolled the
  // whole transaction back, both fail and tx_alive() makes the commit fail.
  if (tx_alive() && exec("ROLLBACK TO request") && exec("RELEASE request")) {
    failed_ = false;
  } else {
    failed_ = true;
  }
}

// ---- users -------------------------------------------------------------------------------

namespace {
template <class Q>
User read_user(Q& q) {
  User u;
  u.id = q.i64(0);
  u.username = q.text(1);
  u.public_key = q.text(2);
  u.spk = q.opt_text(3);
  u.sig = q.opt_text(4);
  u.status = q.text(5);
  u.biography = q.text(6);
  u.profile_picture = q.text(7);
  u.own_storage = q.text(8);
  return u;
}
}  // namespace

std::optional<User> SqliteStore::user_by_name(std::string_view username) {
  static const std::string sql =
      std::string("SELECT ") + kUserColumns + " FROM users WHERE username = ?";
  Query q(*this, sql.c_str(), username);
  if (!q.row()) return std::nullopt;
  return read_user(q);
}

std::optional<User> SqliteStore::user_by_id(UserId id) {
  static const std::string sql = std::string("SELECT ") + kUserColumns + " FROM users WHERE id = ?";
  Query q(*this, sql.c_str(), id);
  if (!q.row()) return std::nullopt;
  return read_user(q);
}

std::vector<User> SqliteStore::all_users() {
  static const std::string sql = std::string("SELECT ") + kUserColumns + " FROM users ORDER BY id";
  Query q(*this, sql.c_str());
  std::vector<User> out;
  while (q.row()) out.push_back(read_user(q));
  return out;
}

UserId SqliteStore::insert_user(const User& u) {
  Query q(*this,
          "INSERT INTO users(username, public_key, spk, sig, status, biography, profile_picture, "
          "own_storage) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
          u.username, u.public_key, u.spk, u.sig, u.status, u.biography, u.profile_picture,
          u.own_storage);
  q.run();
  return sqlite3_last_insert_rowid(db_.get());
}

void SqliteStore::update_user(const User& u) {
  Query q(*this,
          "UPDATE users SET spk = ?, sig = ?, status = ?, biography = ?, profile_picture = ?, "
          "own_storage = ? WHERE id = ?",
          u.spk, u.sig, u.status, u.biography, u.profile_picture, u.own_storage, u.id);
  q.run();
}

// ---- relations ---------------------------------------------------------------------------

Relation SqliteStore::relation(UserId a, UserId b) {
  Query q(*this, "SELECT kind FROM relations WHERE a = ? AND b = ?", a, b);
  if (!q.row()) return Relation::none;
  return static_cast<Relation>(q.i64(0));
}

void SqliteStore::set_relation(UserId a, UserId b, Relation r) {
  if (r == Relation::none) {
    Query q(*this, "DELETE FROM relations WHERE a = ? AND b = ?", a, b);
    q.run();
    return;
  }
  Query q(*this,
          "INSERT INTO relations(a, b, kind) VALUES (?, ?, ?) "
          "ON CONFLICT(a, b) DO UPDATE SET kind = excluded.kind",
          a, b, static_cast<int>(r));
  q.run();
}

std::vector<std::string> SqliteStore::related_names(UserId me, Relation r, bool incoming) {
  const char* sql = incoming ? "SELECT u.username FROM relations r JOIN users u ON u.id = r.a "
                               "WHERE r.b = ? AND r.kind = ? ORDER BY u.id"
                             : "SELECT u.username FROM relations r JOIN users u ON u.id = r.b "
                               "WHERE r.a = ? AND r.kind = ? ORDER BY u.id";
  Query q(*this, sql, me, static_cast<int>(r));
  std::vector<std::string> out;
  while (q.row()) out.push_back(q.text(0));
  return out;
}

// ---- DMs ---------------------------------------------------------------------------------

DmId SqliteStore::insert_dm(Micros created_at, const std::vector<UserId>& members_in_order,
                            const std::vector<std::string>& key_tree) {
  DmId id = 0;
  {
    Query q(*this, "INSERT INTO dms(name, created_at, key_tree) VALUES (NULL, ?, ?)", created_at,
            join_keys(key_tree));
    q.run();
    id = sqlite3_last_insert_rowid(db_.get());
  }
  for (std::size_t i = 0; i < members_in_order.size(); ++i) {
    Query q(*this, "INSERT INTO dm_members(dm_id, user_id, position) VALUES (?, ?, ?)", id,
            members_in_order[i], static_cast<std::int64_t>(i));
    q.run();
  }
  return id;
}

std::optional<DmRecord> SqliteStore::dm(DmId id) {
  DmRecord d;
  {
    Query q(*this, "SELECT id, name, created_at FROM dms WHERE id = ?", id);
    if (!q.row()) return std::nullopt;
    d.id = q.i64(0);
    d.name = q.opt_text(1);
    d.created_at = q.i64(2);
  }
  Query q(*this,
          "SELECT m.user_id, u.username FROM dm_members m JOIN users u ON u.id = m.user_id "
          "WHERE m.dm_id = ? ORDER BY m.position",
          id);
  while (q.row()) {
    d.member_ids.push_back(q.i64(0));
    d.member_names.push_back(q.text(1));
  }
  return d;
}

std::vector<DmId> SqliteStore::dms_of(UserId user) {
  Query q(*this, "SELECT dm_id FROM dm_members WHERE user_id = ? ORDER BY dm_id", user);
  std::vector<DmId> out;
  while (q.row()) out.push_back(q.i64(0));
  return out;
}

bool SqliteStore::is_member(DmId dm, UserId user) {
  Query q(*this, "SELECT 1 FROM dm_members WHERE dm_id = ? AND user_id = ?", dm, user);
  return q.row();
}

void SqliteStore::set_dm_name(DmId dm, const std::optional<std::string>& name) {
  Query q(*this, "UPDATE dms SET name = ? WHERE id = ?", name, dm);
  q.run();
}

void SqliteStore::remove_member(DmId dm, UserId user) {
  Query q(*this, "DELETE FROM dm_members WHERE dm_id = ? AND user_id = ?", dm, user);
  q.run();
}

bool SqliteStore::dm_with_members(UserId a, UserId b) {
  Query q(*this,
          "SELECT 1 FROM dm_members x JOIN dm_members y ON y.dm_id = x.dm_id "
          "WHERE x.user_id = ? AND y.user_id = ? AND "
          "(SELECT COUNT(*) FROM dm_members z WHERE z.dm_id = x.dm_id) = 2 LIMIT 1",
          a, b);
  return q.row();
}

// ---- messages ----------------------------------------------------------------------------

namespace {
constexpr const char* kMessageColumns =
    "SELECT m.id, m.dm_id, u.username, m.message, m.signature, m.ts, m.delete_at, m.pinned "
    "FROM messages m JOIN users u ON u.id = m.sender_id ";

template <class Q>
Message read_message(Q& q) {
  Message m;
  m.id = q.i64(0);
  m.dm_id = q.i64(1);
  m.sender = q.text(2);
  m.message = q.text(3);
  m.signature = q.text(4);
  m.timestamp = q.i64(5);
  m.delete_at = q.opt_i64(6);
  m.pinned = q.i64(7) != 0;
  return m;
}
}  // namespace

void SqliteStore::load_reactions(Message& m) {
  Query q(*this,
          "SELECT r.id, u.username, r.reaction, r.signature FROM reactions r "
          "JOIN users u ON u.id = r.sender_id WHERE r.message_id = ? ORDER BY r.id",
          m.id);
  while (q.row()) {
    m.reactions.push_back(protocol::Reaction{q.i64(0), q.text(1), q.text(2), q.text(3)});
  }
}

MessageId SqliteStore::insert_message(DmId dm, UserId sender, std::string_view message,
                                      std::string_view signature, Micros timestamp,
                                      std::optional<Micros> delete_at) {
  Query q(*this,
          "INSERT INTO messages(dm_id, sender_id, message, signature, ts, delete_at, pinned) "
          "VALUES (?, ?, ?, ?, ?, ?, 0)",
          dm, sender, message, signature, timestamp, delete_at);
  q.run();
  return sqlite3_last_insert_rowid(db_.get());
}

std::optional<Message> SqliteStore::message(MessageId id) {
  static const std::string sql = std::string(kMessageColumns) + "WHERE m.id = ?";
  std::optional<Message> m;
  {
    Query q(*this, sql.c_str(), id);
    if (!q.row()) return std::nullopt;
    m = read_message(q);
  }
  load_reactions(*m);
  return m;
}

std::vector<Message> SqliteStore::messages_where(const char* sql, DmId dm, Micros before,
                                                 std::int64_t limit) {
  std::vector<Message> out;
  {
    Query q(*this, sql, dm, before, limit);
    while (q.row()) out.push_back(read_message(q));
  }
  for (auto& m : out) load_reactions(m);
  return out;
}

std::vector<Message> SqliteStore::history(DmId dm, Micros before, std::int64_t limit) {
  static const std::string sql = std::string(kMessageColumns) +
                                 "WHERE m.dm_id = ? AND m.ts < ? "
                                 "ORDER BY m.ts DESC, m.id DESC LIMIT ?";
  return messages_where(sql.c_str(), dm, before, limit);
}

std::optional<Message> SqliteStore::latest_message(DmId dm) {
  static const std::string sql = std::string(kMessageColumns) +
                                 "WHERE m.dm_id = ? AND m.ts < ? "
                                 "ORDER BY m.ts DESC, m.id DESC LIMIT ?";
  auto v = messages_where(sql.c_str(), dm, INT64_MAX, 1);
  if (v.empty()) return std::nullopt;
  return std::move(v.front());
}

std::vector<Message> SqliteStore::pinned_messages(DmId dm) {
  static const std::string sql = std::string(kMessageColumns) +
                                 "WHERE m.dm_id = ? AND m.pinned = 1 AND m.ts < ? "
                                 "ORDER BY m.ts DESC, m.id DESC LIMIT ?";
  return messages_where(sql.c_str(), dm, INT64_MAX, INT64_MAX);
}

void SqliteStore::update_message_text(MessageId id, std::string_view message,
                                      std::string_view signature) {
  Query q(*this, "UPDATE messages SET message = ?, signature = ? WHERE id = ?", message, signature,
          id);
  q.run();
}

void SqliteStore::set_pinned(MessageId id, bool pinned) {
  Query q(*this, "UPDATE messages SET pinned = ? WHERE id = ?", pinned, id);
  q.run();
}

void SqliteStore::delete_message(MessageId id) {
  Query q(*this, "DELETE FROM messages WHERE id = ?", id);  // reactions: ON DELETE CASCADE
  q.run();
}

// ---- reactions ---------------------------------------------------------------------------

ReactionId SqliteStore::insert_reaction(MessageId message, UserId sender, std::string_view reaction,
                                        std::string_view signature) {
  Query q(*this,
          "INSERT INTO reactions(message_id, sender_id, reaction, signature) VALUES (?, ?, ?, ?)",
          message, sender, reaction, signature);
  q.run();
  return sqlite3_last_insert_rowid(db_.get());
}

std::optional<ReactionRecord> SqliteStore::reaction(ReactionId id) {
  Query q(*this, "SELECT id, message_id, sender_id FROM reactions WHERE id = ?", id);
  if (!q.row()) return std::nullopt;
  return ReactionRecord{q.i64(0), q.i64(1), q.i64(2)};
}

void SqliteStore::delete_reaction(ReactionId id) {
  Query q(*this, "DELETE FROM reactions WHERE id = ?", id);
  q.run();
}

// ---- scheduled ---------------------------------------------------------------------------

namespace {
constexpr const char* kScheduledColumns =
    "SELECT row_id, dm_id, user_id, schedule_id, message, signature, delete_seconds, due, soon_at "
    "FROM scheduled ";

template <class Q>
ScheduledRecord read_scheduled(Q& q) {
  ScheduledRecord s;
  s.row_id = q.i64(0);
  s.dm_id = q.i64(1);
  s.user_id = q.i64(2);
  s.schedule_id = q.i64(3);
  s.message = q.text(4);
  s.signature = q.text(5);
  s.delete_seconds = q.i64(6);
  s.due = q.i64(7);
  s.soon_at = q.opt_i64(8);
  return s;
}
}  // namespace

std::int64_t SqliteStore::insert_scheduled(const ScheduledRecord& s) {
  Query q(*this,
          "INSERT INTO scheduled(dm_id, user_id, schedule_id, message, signature, delete_seconds, "
          "due, soon_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
          s.dm_id, s.user_id, s.schedule_id, s.message, s.signature, s.delete_seconds, s.due,
          s.soon_at);
  q.run();
  return sqlite3_last_insert_rowid(db_.get());
}

std::optional<ScheduledRecord> SqliteStore::scheduled_query(const char* sql, std::int64_t a,
                                                            std::int64_t b, std::int64_t c) {
  Query q(*this, sql, a, b, c);
  if (!q.row()) return std::nullopt;
  return read_scheduled(q);
}

std::optional<ScheduledRecord> SqliteStore::scheduled_by_row(std::int64_t row_id) {
  static const std::string sql =
      std::string(kScheduledColumns) + "WHERE row_id = ? AND ? = ? LIMIT 1";
  return scheduled_query(sql.c_str(), row_id, 0, 0);
}

std::optional<ScheduledRecord> SqliteStore::scheduled(DmId dm, UserId user,
                                                      std::int64_t schedule_id) {
  static const std::string sql =
      std::string(kScheduledColumns) + "WHERE dm_id = ? AND user_id = ? AND schedule_id = ?";
  return scheduled_query(sql.c_str(), dm, user, schedule_id);
}

std::vector<ScheduledRecord> SqliteStore::scheduled_of(DmId dm, UserId user) {
  static const std::string sql =
      std::string(kScheduledColumns) + "WHERE dm_id = ? AND user_id = ? ORDER BY schedule_id";
  Query q(*this, sql.c_str(), dm, user);
  std::vector<ScheduledRecord> out;
  while (q.row()) out.push_back(read_scheduled(q));
  return out;
}

std::int64_t SqliteStore::max_schedule_id(DmId dm, UserId user) {
  Query q(*this,
          "SELECT COALESCE(MAX(schedule_id), 0) FROM scheduled WHERE dm_id = ? AND user_id = ?", dm,
          user);
  return q.row() ? q.i64(0) : 0;
}

void SqliteStore::delete_scheduled(std::int64_t row_id) {
  Query q(*this, "DELETE FROM scheduled WHERE row_id = ?", row_id);
  q.run();
}

void SqliteStore::delete_scheduled_of(DmId dm, UserId user) {
  Query q(*this, "DELETE FROM scheduled WHERE dm_id = ? AND user_id = ?", dm, user);
  q.run();
}

void SqliteStore::clear_soon(std::int64_t row_id) {
  Query q(*this, "UPDATE scheduled SET soon_at = NULL WHERE row_id = ?", row_id);
  q.run();
}

// ---- timers ------------------------------------------------------------------------------

namespace {
// All durable timers as one ordered relation: kind 0 = soon notice, 1 = scheduled send,
// 2 = self-destruct.
constexpr const char* kTimersUnion =
    "SELECT 0 AS kind, soon_at AS due, row_id AS ref FROM scheduled WHERE soon_at IS NOT NULL "
    "UNION ALL SELECT 1, due, row_id FROM scheduled "
    "UNION ALL SELECT 2, delete_at, id FROM messages WHERE delete_at IS NOT NULL ";
}  // namespace

std::optional<Micros> SqliteStore::next_due() {
  // The WHERE lets SQLite answer from the partial index messages_delete_at instead of scanning
  // every message (load tool finding: the scan grew with the table, 10-30 ms at 15 000 rows).
  Query q(*this,
          "SELECT MIN(d) FROM (SELECT MIN(soon_at) AS d FROM scheduled "
          "UNION ALL SELECT MIN(due) FROM scheduled "
          "UNION ALL SELECT MIN(delete_at) FROM messages WHERE delete_at IS NOT NULL)");
  if (!q.row()) return std::nullopt;
  return q.opt_i64(0);
}

std::vector<DueTimer> SqliteStore::due_timers(Micros now, std::size_t limit) {
  static const std::string sql = std::string("SELECT kind, due, ref FROM (") + kTimersUnion +
                                 ") WHERE due <= ? ORDER BY due, kind, ref LIMIT ?";
  Query q(*this, sql.c_str(), now, static_cast<std::int64_t>(limit));
  std::vector<DueTimer> out;
  while (q.row()) out.push_back(DueTimer{static_cast<TimerKind>(q.i64(0)), q.i64(1), q.i64(2)});
  return out;
}

// ---- pending X3DH ------------------------------------------------------------------------

void SqliteStore::insert_pending_x3dh(UserId user, const protocol::X3dhObject& x) {
  Query q(*this,
          "INSERT INTO pending_x3dh(user_id, dm_id, sender, ik, spk, ek, key_tree, position) "
          "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
          user, x.id, x.sender, x.ik, x.spk, x.ek, join_keys(x.key_tree), x.position);
  q.run();
}

std::vector<PendingX3dh> SqliteStore::pending_x3dh(UserId user) {
  Query q(*this,
          "SELECT row_id, user_id, dm_id, sender, ik, spk, ek, key_tree, position "
          "FROM pending_x3dh WHERE user_id = ? ORDER BY row_id",
          user);
  std::vector<PendingX3dh> out;
  while (q.row()) {
    PendingX3dh p;
    p.row_id = q.i64(0);
    p.user_id = q.i64(1);
    p.object.id = q.i64(2);
    p.object.sender = q.text(3);
    p.object.ik = q.text(4);
    p.object.spk = q.text(5);
    p.object.ek = q.text(6);
    p.object.key_tree = split_keys(q.text(7));
    p.object.position = q.i64(8);
    out.push_back(std::move(p));
  }
  return out;
}

void SqliteStore::delete_pending_x3dh(std::int64_t row_id) {
  Query q(*this, "DELETE FROM pending_x3dh WHERE row_id = ?", row_id);
  q.run();
}

}  // namespace unm::server
