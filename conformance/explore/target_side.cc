// target_side.cc — the server under test as a Side: one Socket.IO connection per explorer
// connection (transport/event_channel.h), notifications queued per connection from the
// channels' I/O threads.
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>

#include "conformance/explore/side.h"
#include "conformance/src/json.h"
#include "reference/transport/event_channel.h"

namespace unm::conformance::explore {
namespace {

namespace tr = unm::transport;

// Inbox is shared with a channel's I/O thread.
struct Inbox {
  std::mutex m;
  std::condition_variable cv;
  std::deque<Note> q;
};

struct Conn {
  std::unique_ptr<tr::EventChannel> ch;
  std::shared_ptr<Inbox> inbox;
};

// first_argument returns the first element of a JSON array text, as JSON text.
std::optional<std::string> first_argument(const std::string& array_text) {
  auto d = parse_json(array_text);
  if (!d || !d->IsArray() || d->Empty()) return std::nullopt;
  return to_json((*d)[0]);
}

class TargetSide final : public Side {
 public:
  TargetSide(std::string url, std::chrono::milliseconds timeout, bool insecure)
      : url_(std::move(url)), timeout_(timeout), insecure_(insecure) {}
  ~TargetSide() override { close_all(); }

  bool open(int conn, std::string& why) override {
    close(conn);
    tr::ChannelOptions o;
    o.verify_tls = !insecure_;
    o.connect_timeout = timeout_;
    o.websocket_only = true;
    auto ch = tr::connect_channel(url_, o);
    if (!ch) {
      why = "cannot connect to " + url_ + ": " + ch.error().detail;
      return false;
    }
    Conn c{std::move(*ch), std::make_shared<Inbox>()};
    std::weak_ptr<Inbox> weak = c.inbox;
    c.ch->set_event_handler([weak](std::string name, std::string args) {
      auto in = weak.lock();
      if (!in) return;
      // A notification carries one payload (EV-TRN-024); a different shape is kept whole so
      // that the comparison shows it.
      std::string payload = args;
      if (auto a = parse_json(args); a && a->IsArray() && a->Size() == 1)
        payload = to_json((*a)[0]);
      std::lock_guard<std::mutex> lock(in->m);
      in->q.push_back(Note{std::move(name), std::move(payload)});
      in->cv.notify_all();
    });
    conns_[conn] = std::move(c);
    return true;
  }
  void close(int conn) override {
    auto it = conns_.find(conn);
    if (it == conns_.end()) return;
    it->second.ch->close();
    conns_.erase(it);
  }
  bool is_open(int conn) const override { return conns_.count(conn) != 0; }

  Ack call(int conn, std::string_view event, std::string_view payload_json, Micros) override {
    auto it = conns_.find(conn);
    if (it == conns_.end()) return Ack{std::nullopt, "connection not open"};
    std::string args;
    args.reserve(payload_json.size() + 2);
    args.append("[").append(payload_json).append("]");
    auto r = it->second.ch->call(event, args, timeout_);
    if (!r) return Ack{std::nullopt, r.error().detail.empty() ? "no ack" : r.error().detail};
    auto first = first_argument(*r);
    if (!first) return Ack{std::nullopt, "ack without a result object: " + *r};
    return Ack{*first, ""};
  }

  std::vector<Note> take(int conn) override {
    auto it = conns_.find(conn);
    if (it == conns_.end()) return {};
    std::lock_guard<std::mutex> lock(it->second.inbox->m);
    std::vector<Note> v(it->second.inbox->q.begin(), it->second.inbox->q.end());
    it->second.inbox->q.clear();
    return v;
  }
  bool wait_for(int conn, std::size_t count, std::chrono::milliseconds limit) override {
    auto it = conns_.find(conn);
    if (it == conns_.end()) return count == 0;
    auto& in = *it->second.inbox;
    std::unique_lock<std::mutex> lock(in.m);
    return in.cv.wait_for(lock, limit, [&] { return in.q.size() >= count; });
  }
  void advance(Micros) override {}
  std::optional<Micros> next_timer() override { return std::nullopt; }
  void close_all() override {
    while (!conns_.empty()) close(conns_.begin()->first);
  }

 private:
  std::string url_;
  std::chrono::milliseconds timeout_;
  bool insecure_;
  std::map<int, Conn> conns_;
};

}  // namespace

std::unique_ptr<Side> make_target_side(std::string url, std::chrono::milliseconds timeout,
                                       bool insecure) {
  return std::make_unique<TargetSide>(std::move(url), timeout, insecure);
}

}  // namespace unm::conformance::explore
