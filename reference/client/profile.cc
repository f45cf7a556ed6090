#include "reference/client/profile.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include <cerrno>
#include <cstring>
#include <string_view>

#include "reference/client/rpc.h"
#include "reference/common/hex.h"
#include "reference/crypto/error.h"
#include "reference/crypto/recovery_phrase.h"

namespace unm::client {
namespace {

// WipedString is a std::string holding key material that is zeroed when it goes out of scope.
class WipedString {
 public:
  explicit WipedString(std::string s) : s_(std::move(s)) {}
  WipedString(const WipedString&) = delete;
  WipedString& operator=(const WipedString&) = delete;
  ~WipedString() { sodium_memzero(s_.data(), s_.size()); }
  std::string& get() { return s_; }

 private:
  std::string s_;
};

// Fd closes a file descriptor when it goes out of scope.
class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  int get() const { return fd_; }
  // release closes now and reports whether close succeeded (a failed close can lose data).
  bool close_now() {
    const int fd = fd_;
    fd_ = -1;
    return ::close(fd) == 0;
  }

 private:
  int fd_;
};

std::string errno_text(std::string_view what, const std::filesystem::path& p) {
  return std::string(what) + " " + p.string() + ": " + std::strerror(errno);
}

}  // namespace

bool Profile::exists() const {
  std::error_code ec;
  return std::filesystem::exists(key_file(), ec);
}

Result<void> Profile::save(const Identity& id, bool overwrite) const {
  if (!overwrite && exists())
    return fail(ErrorCode::local, "key file already exists: " + key_file().string());
  std::error_code ec;
  std::filesystem::create_directories(dir_, ec);
  if (ec) return fail(ErrorCode::local, "cannot create profile directory: " + ec.message());
  ::chmod(dir_.c_str(), 0700);
  WipedString hex(to_hex(std::span<const std::uint8_t>(id.private_key.bytes())));
  WipedString text_holder(
      Payload().str("username", id.username).str("private_key", hex.get()).text() + "\n");
  const std::string& text = text_holder.get();
  const std::filesystem::path tmp = dir_ / "identity.json.tmp";
  Fd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
  if (fd.get() < 0) return fail(ErrorCode::local, errno_text("cannot create", tmp));
  // The mode argument is filtered by the umask; set it explicitly so the file is exactly 0600.
  if (::fchmod(fd.get(), 0600) != 0) return fail(ErrorCode::local, errno_text("cannot chmod", tmp));
  std::size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd.get(), text.data() + done, text.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return fail(ErrorCode::local, errno_text("cannot write", tmp));
    }
    done += static_cast<std::size_t>(n);
  }
  if (::fsync(fd.get()) != 0 || !fd.close_now())
    return fail(ErrorCode::local, errno_text("cannot flush", tmp));
  if (::rename(tmp.c_str(), key_file().c_str()) != 0)
    return fail(ErrorCode::local, errno_text("cannot rename", tmp));
  return {};
}

Result<Identity> Profile::load() const {
  const std::filesystem::path p = key_file();
  Fd fd(::open(p.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) return fail(ErrorCode::local, errno_text("cannot open key file", p));
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) return fail(ErrorCode::local, errno_text("cannot stat", p));
  if ((st.st_mode & 077) != 0)
    return fail(ErrorCode::local,
                "key file " + p.string() + " is accessible by group or others; chmod 600 it");
  if (st.st_size > 4096) return fail(ErrorCode::local, "key file is too large: " + p.string());
  WipedString text_holder(std::string(static_cast<std::size_t>(st.st_size), '\0'));
  std::string& text = text_holder.get();
  std::size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::read(fd.get(), text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return fail(ErrorCode::local, errno_text("cannot read", p));
    done += static_cast<std::size_t>(n);
  }
  auto doc = parse_json(text);
  if (!doc || !doc->IsObject()) return fail(ErrorCode::local, "key file is not a JSON object");
  auto u = doc->FindMember("username");
  auto k = doc->FindMember("private_key");
  if (u == doc->MemberEnd() || !u->value.IsString() || k == doc->MemberEnd() ||
      !k->value.IsString())
    return fail(ErrorCode::local, "key file lacks username or private_key");
  Identity id;
  id.username.assign(u->value.GetString(), u->value.GetStringLength());
  if (!from_hex_into(std::string_view(k->value.GetString(), k->value.GetStringLength()),
                     id.private_key.mutable_bytes()))
    return fail(ErrorCode::local, "key file private_key is not 64 lowercase hex characters");
  return id;
}

std::string recovery_phrase(const Identity& id) {
  return crypto::encode_recovery_phrase(id.private_key);
}

Result<Identity> identity_from_phrase(std::string_view username, std::string_view phrase) {
  auto key = crypto::decode_recovery_phrase(phrase);
  if (!key)
    return fail(ErrorCode::local, "recovery phrase does not decode (CR-KEY-005): " +
                                      std::string(crypto::error_name(key.error())));
  return Identity{std::string(username), *key};
}

}  // namespace unm::client
