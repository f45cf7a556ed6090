// clauses_of.cc — see clauses_of.h. The table follows events.md Table 1 (requests) and Table 4
// (notifications, last column).
#include "conformance/explore/clauses_of.h"

#include <array>
#include <utility>

namespace unm::conformance::explore {
namespace {

constexpr std::array<std::pair<std::string_view, std::string_view>, 39> kTable{{
    {"register", "EV-AUTH-003 EV-AUTH-005 EV-AUTH-006"},
    {"login", "EV-AUTH-009 EV-AUTH-010"},
    {"login_challenge_response", "EV-AUTH-011 EV-AUTH-012"},
    {"get_user", "EV-USR-001 EV-USR-002 EV-AUTH-020"},
    {"get_user_list", "EV-USR-004 EV-AUTH-020"},
    {"set_user", "EV-USR-006 EV-USR-007 EV-USR-008 EV-USR-010"},
    {"create_dm", "EV-DM-001 EV-DM-002 EV-DM-003 EV-DM-005 EV-DM-008"},
    {"get_dms", "EV-DM-017"},
    {"get_dm", "EV-DM-018 EV-DM-019"},
    {"set_dm", "EV-DM-023 EV-DM-024"},
    {"leave_dm", "EV-DM-026 EV-DM-027"},
    {"send_message", "EV-MSG-001 EV-MSG-002 EV-MSG-003 EV-MSG-005 EV-MSG-006"},
    {"get_message", "EV-MSG-013"},
    {"get_message_history", "EV-MSG-014 EV-MSG-015 EV-MSG-016"},
    {"get_pinned", "EV-MSG-018"},
    {"set_message", "EV-MSG-019 EV-MSG-020 EV-MSG-021 EV-MSG-022 EV-MSG-023"},
    {"cancel_scheduled_message", "EV-MSG-025 EV-MSG-026"},
    {"add_reaction", "EV-RCT-001 EV-RCT-002 EV-RCT-003"},
    {"remove_reaction", "EV-RCT-005 EV-RCT-006 EV-RCT-007"},
    {"ping_typing", "EV-TYP-001 EV-TYP-002"},
    {"send_friend_request", "EV-FRD-003 EV-FRD-011"},
    {"ack_friend_request", "EV-FRD-005 EV-FRD-011"},
    {"unfriend", "EV-FRD-006 EV-FRD-011"},
    {"block_user", "EV-FRD-007 EV-FRD-011"},
    {"unblock", "EV-FRD-008 EV-FRD-011"},
    {"get_friends", "EV-FRD-004"},
    {"join_call", "EV-CALL-001 EV-CALL-002"},
    {"leave_call", "EV-CALL-004 EV-CALL-005"},
    {"profile_notification", "EV-NTF-001 EV-USR-013 EV-USR-010"},
    {"dm_notification", "EV-NTF-001 EV-DM-021"},
    {"typing_notification", "EV-NTF-001 EV-TYP-002"},
    {"message_notification", "EV-NTF-001 EV-MSG-027 EV-MSG-005 EV-MSG-009"},
    {"message_change_notification", "EV-NTF-001 EV-MSG-028"},
    {"message_delete_notification", "EV-NTF-001 EV-MSG-011 EV-MSG-030"},
    {"scheduled_message_sent_notification", "EV-NTF-001 EV-MSG-009 EV-MSG-031"},
    {"scheduled_soon_notification", "EV-NTF-001 EV-MSG-008 EV-MSG-031"},
    {"x3dh_notification", "EV-NTF-001 EV-DM-011 EV-DM-012 EV-DM-013 EV-DM-014"},
    {"friend_request_notification", "EV-NTF-001 EV-FRD-003"},
    {"unfriend_notification", "EV-NTF-001 EV-FRD-006"},
}};

constexpr std::array<std::pair<std::string_view, std::string_view>, 6> kMore{{
    {"get_friend_requests", "EV-FRD-004"},
    {"get_outgoing_requests", "EV-FRD-004"},
    {"get_blocked", "EV-FRD-004"},
    {"friend_request_accept_notification", "EV-NTF-001 EV-FRD-005"},
    {"user_joined_call", "EV-NTF-001 EV-CALL-003"},
    {"user_left_call", "EV-NTF-001 EV-CALL-005 EV-CALL-010"},
}};

std::vector<std::string> split(std::string_view s) {
  std::vector<std::string> out;
  std::size_t i = 0;
  while (i < s.size()) {
    std::size_t j = s.find(' ', i);
    if (j == std::string_view::npos) j = s.size();
    out.emplace_back(s.substr(i, j - i));
    i = j + 1;
  }
  return out;
}

constexpr std::array<std::pair<std::string_view, std::string_view>, 12> kResults{{
    {"get_message_history", "EV-MSG-016"},
    {"get_pinned", "EV-MSG-018"},
    {"get_dms", "EV-DM-017"},
    {"get_dm", "EV-DM-019 EV-OBJ-007"},
    {"get_message", "EV-MSG-013 EV-OBJ-010"},
    {"get_user", "EV-USR-002 EV-AUTH-020"},
    {"get_user_list", "EV-USR-004 EV-AUTH-020"},
    {"create_dm", "EV-DM-008"},
    {"add_reaction", "EV-RCT-003"},
    {"join_call", "EV-CALL-002"},
    {"login", "EV-AUTH-010"},
    {"get_friends", "EV-FRD-004"},
}};

}  // namespace

std::vector<std::string> result_clauses_of(std::string_view event) {
  for (const auto& [name, clauses] : kResults) {
    if (name == event) return split(clauses);
  }
  return {};
}

std::vector<std::string> clauses_of(std::string_view subject) {
  for (const auto& [name, clauses] : kTable) {
    if (name == subject) return split(clauses);
  }
  for (const auto& [name, clauses] : kMore) {
    if (name == subject) return split(clauses);
  }
  return {};
}

}  // namespace unm::conformance::explore
