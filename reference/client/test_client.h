// test_client.h — test-only: a session on the in-process fake server (fake_server.h) with
// everything its handlers were given, shared by the session and dialect tests.
#pragma once

#include <chrono>
#include <memory>
#include <vector>

#include "reference/client/fake_server.h"
#include "reference/client/session.h"

namespace unm::client::testing {

// Seen collects what a session's handlers were given.
struct Seen {
  std::vector<ReadMessage> messages, changes;
  std::vector<DmJoined> joined;
  std::vector<CallNotice> call_joined, call_left;
  std::vector<User> profiles;
  std::vector<MalformedNotification> malformed;

  Handlers handlers() {
    Handlers h;
    h.on_message = [this](const ReadMessage& m) { messages.push_back(m); };
    h.on_message_change = [this](const ReadMessage& m) { changes.push_back(m); };
    h.on_dm_joined = [this](const DmJoined& j) { joined.push_back(j); };
    h.on_call_joined = [this](const CallNotice& c) { call_joined.push_back(c); };
    h.on_call_left = [this](const CallNotice& c) { call_left.push_back(c); };
    h.on_profile = [this](const User& u) { profiles.push_back(u); };
    h.on_malformed = [this](const MalformedNotification& m) { malformed.push_back(m); };
    return h;
  }
};

// Client is one test user: a session on the fake server, its identity, its wire and what it saw.
struct Client {
  std::unique_ptr<Session> session;
  Identity id;
  FakeChannel* wire = nullptr;
  std::unique_ptr<Seen> seen = std::make_unique<Seen>();
  Session* operator->() { return session.get(); }
  // pump handles every notification already queued.
  void pump() {
    while (session->process_notifications(std::chrono::milliseconds{0}) > 0) {
    }
  }
};

}  // namespace unm::client::testing
