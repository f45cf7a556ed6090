// scenarios.h — the timed scenarios of `unmanageable-load`, each against any server of the
// protocol at Options::target, through the reference client (reference/client/session.h) for
// setup and the raw EventChannel (reference/transport/event_channel.h) for the timed requests.
//
// Every scenario registers its own fresh users (names start with `prefix`), so runs can repeat
// against the same server. Setup — registration, friendships, DM creation with the client's
// X3DH / key tree, encryption and signing of the messages — is done before the clock starts;
// the timed phase measures the server's work (plus the unavoidable transport cost on the client).
// EventChannel::call blocks, so W requests in flight on a connection are W threads calling it.
#pragma once

#include <optional>
#include <string>

#include "bench/load/options.h"
#include "bench/load/report.h"

namespace unm::load {

// probe opens and closes one connection to the target; returns why it failed, if it did.
std::optional<std::string> probe(const Options& o);

// run_login: `--users` users registered (untimed), then timed challenge logins (login →
// challenge → login_challenge_response, CR-CHAL) over `--connections` concurrent workers, each
// login on a fresh pre-opened connection (EV-AUTH-001: one identity per connection).
ScenarioReport run_login(const Options& o, const std::string& prefix);

// run_send: acknowledged send_message per second into DMs of `members` members (2 or 32):
// `--connections` senders, each a different user in its own DM (the other members offline),
// `--in-flight` requests in flight per connection, closed loop.
ScenarioReport run_send(const Options& o, const std::string& prefix, int members);

// run_fanout: one 32-member DM with every member connected; one sender with `--in-flight`
// requests in flight; time from each send's ack (and from its send) to the last member's
// message_notification.
ScenarioReport run_fanout(const Options& o, const std::string& prefix);

// run_latency: open-loop sends into 2-member DMs at `rate` messages/s (RateSchedule), latency
// from each request's scheduled time to its ack.
ScenarioReport run_latency(const Options& o, const std::string& prefix, double rate);

}  // namespace unm::load
