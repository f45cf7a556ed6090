// parallel.h — internal: split independent crypto work over a few threads. Used by the group
// tree creator, whose n-1 X3DH handshakes and per-level node computations are independent of one
// another (the issue allows both cores). No I/O and no shared mutable state: every index writes
// only its own output slot.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <system_error>
#include <thread>
#include <vector>

namespace unm::crypto::detail {

// kMaxCryptoThreads bounds the threads one call may use, whatever the machine reports.
inline constexpr unsigned kMaxCryptoThreads = 8;

// resolve_threads maps a requested thread count to the one used: 0 means "every core" (as the
// standard library reports it, at least 1), anything else is taken as is; both are capped by
// kMaxCryptoThreads.
inline unsigned resolve_threads(unsigned requested) noexcept {
  unsigned t = requested;
  if (t == 0) t = std::max(1u, std::thread::hardware_concurrency());
  return std::min(t, kMaxCryptoThreads);
}

// parallel_for calls fn(i) once for every i in [0, count) on up to `threads` threads (the
// calling thread included). Indices are handed out one at a time from a shared counter rather
// than in fixed chunks, so a thread that runs slower (a busy or throttled core) simply takes
// fewer of them. At least `min_per_thread` indices per thread are needed before another thread
// is started, so small jobs stay on the calling thread and pay no thread start. fn must not
// throw. When a thread cannot be started the others do its share, so the call always completes.
template <class Fn>
void parallel_for(std::size_t count, unsigned threads, std::size_t min_per_thread, Fn&& fn) {
  const std::size_t per = std::max<std::size_t>(1, min_per_thread);
  const std::size_t t = std::min<std::size_t>(std::max(1u, threads), count / per);
  if (t <= 1) {
    for (std::size_t i = 0; i < count; ++i) fn(i);
    return;
  }
  std::atomic<std::size_t> next{0};
  auto drain = [&] {
    for (std::size_t i = next.fetch_add(1, std::memory_order_relaxed); i < count;
         i = next.fetch_add(1, std::memory_order_relaxed))
      fn(i);
  };
  std::vector<std::jthread> workers;
  workers.reserve(t - 1);
  for (std::size_t k = 1; k < t; ++k) {
    try {
      workers.emplace_back(drain);
    } catch (const std::system_error&) {
      break;  // no thread available: the running ones take the rest
    }
  }
  drain();
  // The jthreads join when `workers` goes out of scope; joining orders every fn(i) before the
  // caller reads the outputs.
}

}  // namespace unm::crypto::detail
