// event_channel.cc — names of channel errors (the EventChannel contract, event_channel.h).
// connect_channel itself lives in client_channel.cc with the Beast/Asio client.
#include "reference/transport/event_channel.h"

namespace unm::transport {

std::string_view channel_error_name(ChannelError e) {
  switch (e) {
    case ChannelError::invalid_url:
      return "invalid_url";
    case ChannelError::connect_failed:
      return "connect_failed";
    case ChannelError::tls_error:
      return "tls_error";
    case ChannelError::refused:
      return "refused";
    case ChannelError::timeout:
      return "timeout";
    case ChannelError::disconnected:
      return "disconnected";
    case ChannelError::protocol_error:
      return "protocol_error";
    case ChannelError::bad_argument:
      return "bad_argument";
  }
  return "unknown";
}

}  // namespace unm::transport
