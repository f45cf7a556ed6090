#include "reference/protocol/events.h"

#include <array>
#include <utility>

namespace unm::protocol {
namespace {

struct Entry {
  std::string_view name;
  Event event;
};

// Table 1, plus the alias `unblock_user` (EV-TRN-013) listed after its primary name so that
// event_name finds the primary one first.
constexpr std::array kEvents{
    Entry{"register", Event::register_user},
    Entry{"login", Event::login},
    Entry{"login_challenge_response", Event::login_challenge_response},
    Entry{"username_exists", Event::username_exists},
    Entry{"get_user", Event::get_user},
    Entry{"get_full_user", Event::get_full_user},
    Entry{"get_user_list", Event::get_user_list},
    Entry{"set_user", Event::set_user},
    Entry{"create_dm", Event::create_dm},
    Entry{"get_dms", Event::get_dms},
    Entry{"get_dm", Event::get_dm},
    Entry{"set_dm", Event::set_dm},
    Entry{"leave_dm", Event::leave_dm},
    Entry{"send_message", Event::send_message},
    Entry{"get_message", Event::get_message},
    Entry{"get_message_history", Event::get_message_history},
    Entry{"get_pinned", Event::get_pinned},
    Entry{"set_message", Event::set_message},
    Entry{"cancel_scheduled_message", Event::cancel_scheduled_message},
    Entry{"add_reaction", Event::add_reaction},
    Entry{"remove_reaction", Event::remove_reaction},
    Entry{"ping_typing", Event::ping_typing},
    Entry{"send_friend_request", Event::send_friend_request},
    Entry{"get_friend_requests", Event::get_friend_requests},
    Entry{"get_outgoing_requests", Event::get_outgoing_requests},
    Entry{"get_friends", Event::get_friends},
    Entry{"get_blocked", Event::get_blocked},
    Entry{"ack_friend_request", Event::ack_friend_request},
    Entry{"unfriend", Event::unfriend},
    Entry{"block_user", Event::block_user},
    Entry{"unblock", Event::unblock},
    Entry{"unblock_user", Event::unblock},
    Entry{"join_call", Event::join_call},
    Entry{"leave_call", Event::leave_call},
};

}  // namespace

std::optional<Event> parse_event(std::string_view name) noexcept {
  for (const auto& e : kEvents) {
    if (e.name == name) return e.event;
  }
  return std::nullopt;
}

std::string_view event_name(Event e) noexcept {
  for (const auto& entry : kEvents) {
    if (entry.event == e) return entry.name;
  }
  return "";
}

bool requires_login(Event e) noexcept {
  switch (e) {
    case Event::register_user:
    case Event::login:
    case Event::login_challenge_response:
    case Event::username_exists:
      return false;
    default:
      return true;
  }
}

}  // namespace unm::protocol
