// events.h — names of every client→server event (events.md Table 1) and every server→client
// notification (events.md Table 4), plus the aliases of EV-TRN-013.
#pragma once

#include <optional>
#include <string_view>

namespace unm::protocol {

// Event identifies one client→server event of Table 1 (aliases map to their primary event).
enum class Event {
  register_user,
  login,
  login_challenge_response,
  username_exists,
  get_user,
  get_full_user,
  get_user_list,
  set_user,
  create_dm,
  get_dms,
  get_dm,
  set_dm,
  leave_dm,
  send_message,
  get_message,
  get_message_history,
  get_pinned,
  set_message,
  cancel_scheduled_message,
  add_reaction,
  remove_reaction,
  ping_typing,
  send_friend_request,
  get_friend_requests,
  get_outgoing_requests,
  get_friends,
  get_blocked,
  ack_friend_request,
  unfriend,
  block_user,
  unblock,
  join_call,
  leave_call,
};

// parse_event maps a wire event name to its Event; `unblock_user` is the alias of `unblock`
// (EV-TRN-013). Unknown names give nullopt (EV-TRN-021).
std::optional<Event> parse_event(std::string_view name) noexcept;

// event_name returns the primary (document) name of `e`.
std::string_view event_name(Event e) noexcept;

// requires_login reports the Login column of Table 1: true when the event needs LOGGED_IN.
bool requires_login(Event e) noexcept;

// Notification names (Table 4).
namespace notification {
inline constexpr std::string_view kProfile = "profile_notification";
inline constexpr std::string_view kDm = "dm_notification";
inline constexpr std::string_view kTyping = "typing_notification";
inline constexpr std::string_view kMessage = "message_notification";
inline constexpr std::string_view kMessageChange = "message_change_notification";
inline constexpr std::string_view kMessageDelete = "message_delete_notification";
inline constexpr std::string_view kScheduledSent = "scheduled_message_sent_notification";
inline constexpr std::string_view kScheduledSoon = "scheduled_soon_notification";
inline constexpr std::string_view kX3dh = "x3dh_notification";
inline constexpr std::string_view kFriendRequest = "friend_request_notification";
inline constexpr std::string_view kFriendAccept = "friend_request_accept_notification";
inline constexpr std::string_view kUnfriend = "unfriend_notification";
inline constexpr std::string_view kUserJoinedCall = "user_joined_call";
inline constexpr std::string_view kUserLeftCall = "user_left_call";
}  // namespace notification

}  // namespace unm::protocol
