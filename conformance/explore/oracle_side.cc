// oracle_side.cc — the in-process reference core as a Side: the chat server's handlers, an
// in-memory SQLite store, a clock that follows the times the explorer passes in, and an outbox
// that hands acks back to the caller and queues notifications per connection. Everything runs on
// the caller's thread, so answers and notifications are exact and immediate.
#include <map>

#include <rapidjson/document.h>

#include "conformance/explore/side.h"
#include "reference/crypto/random.h"
#include "reference/server/chat_server.h"
#include "reference/server/clock.h"
#include "reference/server/faults.h"
#include "reference/server/sqlite_store.h"

namespace unm::conformance::explore {
namespace {

namespace sv = unm::server;

// Outbox records acks by (connection, ack id) and notifications per connection.
class OracleOutbox final : public sv::Outbox {
 public:
  void ack(sv::ConnId conn, std::uint64_t ack_id, const std::string& result_json) override {
    acks[{conn, ack_id}] = result_json;
  }
  void emit(sv::ConnId conn, std::string_view name, const std::string& payload_json) override {
    notes[conn].push_back(Note{std::string(name), payload_json});
  }
  std::map<std::pair<sv::ConnId, std::uint64_t>, std::string> acks;
  std::map<sv::ConnId, std::vector<Note>> notes;
};

class OracleSide final : public Side {
 public:
  OracleSide(std::unique_ptr<sv::SqliteStore> store, sv::ServerOptions opts)
      : store_(std::move(store)),
        clock_(wall_now()),
        server_(std::make_unique<sv::ChatServer>(*store_, clock_, out_, rng_, std::move(opts))) {}

  bool open(int conn, std::string&) override {
    close(conn);
    const sv::ConnId id = next_id_++;
    ids_[conn] = id;
    server_->on_connect(id);
    return true;
  }
  void close(int conn) override {
    auto it = ids_.find(conn);
    if (it == ids_.end()) return;
    server_->on_disconnect(it->second);
    out_.notes.erase(it->second);
    ids_.erase(it);
  }
  bool is_open(int conn) const override { return ids_.count(conn) != 0; }

  Ack call(int conn, std::string_view event, std::string_view payload_json, Micros now) override {
    advance(now);
    auto it = ids_.find(conn);
    if (it == ids_.end()) return Ack{std::nullopt, "connection not open"};
    rapidjson::Document args;
    std::string text;
    text.reserve(payload_json.size() + 2);
    text.append("[").append(payload_json).append("]");
    args.Parse(text.c_str(), text.size());
    if (args.HasParseError()) return Ack{std::nullopt, "explorer built invalid JSON"};
    const std::uint64_t ack_id = next_ack_++;
    server_->on_event(it->second, event, args, ack_id);
    auto a = out_.acks.find({it->second, ack_id});
    if (a == out_.acks.end()) return Ack{std::nullopt, "no ack"};
    Ack r{a->second, ""};
    out_.acks.erase(a);
    return r;
  }

  std::vector<Note> take(int conn) override {
    auto it = ids_.find(conn);
    if (it == ids_.end()) return {};
    auto n = out_.notes.find(it->second);
    if (n == out_.notes.end()) return {};
    std::vector<Note> v = std::move(n->second);
    out_.notes.erase(n);
    return v;
  }
  bool wait_for(int conn, std::size_t count, std::chrono::milliseconds) override {
    auto it = ids_.find(conn);
    if (it == ids_.end()) return count == 0;
    auto n = out_.notes.find(it->second);
    return (n == out_.notes.end() ? 0 : n->second.size()) >= count;
  }

  void advance(Micros now) override {
    if (now > clock_.now()) clock_.set(now);
    // Fire every timer due by now, in due order (EV-MSG-012); run_due handles all due at once.
    for (int guard = 0; guard < 1000; ++guard) {
      auto due = server_->next_wakeup();
      if (!due || *due > clock_.now()) break;
      server_->run_due();
    }
  }
  std::optional<Micros> next_timer() override { return server_->next_wakeup(); }

  void close_all() override {
    while (!ids_.empty()) close(ids_.begin()->first);
  }

 private:
  std::unique_ptr<sv::SqliteStore> store_;
  sv::FakeClock clock_;
  OracleOutbox out_;
  crypto::DeterministicRandom rng_{0x6f7261636c65ULL};
  std::unique_ptr<sv::ChatServer> server_;
  std::map<int, sv::ConnId> ids_;
  sv::ConnId next_id_ = 1;
  std::uint64_t next_ack_ = 1;
};

}  // namespace

Expected<std::unique_ptr<Side>, std::string> make_oracle_side(const OracleOptions& options) {
  sv::ServerOptions opts;
  opts.x3dh_delay = options.x3dh_delay;
  if (!options.faults.empty()) {
    auto f = sv::parse_faults(options.faults);
    if (!f) return Unexpected{f.error()};
    opts.faults = *f;
  }
  auto store = sv::SqliteStore::open(":memory:", sv::Synchronous::normal);
  if (!store) return Unexpected{"oracle store: " + store.error()};
  return std::unique_ptr<Side>(std::make_unique<OracleSide>(std::move(*store), std::move(opts)));
}

}  // namespace unm::conformance::explore
