// tcp_cork.h — set_tcp_cork, used by the server's and the client's WebSocket writers: while a
// connection has a burst of frames to write, TCP_CORK keeps them in the kernel, so they leave in
// as few TCP segments (and wake the peer as few times) as possible; turning it off sends what the
// kernel holds at once.
#pragma once

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

namespace unm::transport {

// set_tcp_cork sets or clears TCP_CORK on an open Asio TCP socket (Linux; elsewhere a no-op).
// Failures are ignored: corking only changes how bytes are grouped into segments, never what
// is sent.
template <class Socket>
void set_tcp_cork(Socket& socket, bool on) noexcept {
#ifdef TCP_CORK
  if (!socket.is_open()) return;
  const int value = on ? 1 : 0;
  ::setsockopt(socket.native_handle(), IPPROTO_TCP, TCP_CORK, &value, sizeof value);
#else
  (void)socket;
  (void)on;
#endif
}

}  // namespace unm::transport
