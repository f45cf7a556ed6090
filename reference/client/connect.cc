// connect.cc — Session::connect, kept apart so that unm_client's pure part builds and tests
// without the network transport.
#include "reference/client/rpc.h"
#include "reference/client/session.h"

namespace unm::client {

Result<std::unique_ptr<Session>> Session::connect(std::string_view url, crypto::Random& rng,
                                                  const ConnectOptions& options) {
  transport::ChannelOptions co;
  co.verify_tls = options.verify_tls;
  co.ca_file = options.ca_file;
  co.connect_timeout = options.connect_timeout;
  auto ch = transport::connect_channel(url, co);
  if (!ch) return Unexpected<Error>{channel_error(ch.error())};
  return std::make_unique<Session>(std::move(*ch), rng, options.session);
}

}  // namespace unm::client
