// profile_test — the local identity key file: 0600, atomic, never silently overwritten, and
// refused when readable by others or malformed.
#include "reference/client/profile.h"

#include <sys/stat.h>

#include <algorithm>
#include <fstream>

#include <gtest/gtest.h>

#include "reference/crypto/keys.h"

namespace unm::client {
namespace {

std::filesystem::path temp_dir(const std::string& name) {
  auto base = std::filesystem::temp_directory_path() /
              ("unm_client_profile_" + std::to_string(::getpid()) + "_" + name);
  std::filesystem::remove_all(base);
  return base;
}

Identity sample() {
  crypto::DeterministicRandom rng(7);
  return Identity{"alice", crypto::generate_private_key(rng)};
}

TEST(Profile, SaveLoadRoundTripWithOwnerOnlyPermissions) {
  const auto dir = temp_dir("roundtrip");
  Profile p(dir / "nested");
  EXPECT_FALSE(p.exists());
  ASSERT_TRUE(p.save(sample()).has_value());
  struct stat st {};
  ASSERT_EQ(::stat(p.key_file().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  auto id = p.load();
  ASSERT_TRUE(id.has_value()) << describe(id.error());
  EXPECT_EQ(id->username, "alice");
  EXPECT_TRUE(id->private_key == sample().private_key);
  std::filesystem::remove_all(dir);
}

TEST(Profile, RefusesToOverwriteUnlessAsked) {
  const auto dir = temp_dir("overwrite");
  Profile p(dir);
  ASSERT_TRUE(p.save(sample()).has_value());
  Identity other = sample();
  other.username = "bob";
  auto again = p.save(other);
  ASSERT_FALSE(again.has_value());
  EXPECT_EQ(again.error().code, ErrorCode::local);
  EXPECT_EQ(p.load()->username, "alice");
  ASSERT_TRUE(p.save(other, true).has_value());
  EXPECT_EQ(p.load()->username, "bob");
  std::filesystem::remove_all(dir);
}

TEST(Profile, RefusesKeyFilesOthersCanRead) {
  const auto dir = temp_dir("perm");
  Profile p(dir);
  ASSERT_TRUE(p.save(sample()).has_value());
  ASSERT_EQ(::chmod(p.key_file().c_str(), 0644), 0);
  auto id = p.load();
  ASSERT_FALSE(id.has_value());
  EXPECT_NE(id.error().detail.find("chmod 600"), std::string::npos);
  std::filesystem::remove_all(dir);
}

TEST(Profile, MalformedOrMissingFilesAreLocalErrors) {
  const auto dir = temp_dir("bad");
  Profile p(dir);
  EXPECT_EQ(p.load().error().code, ErrorCode::local);  // missing
  std::filesystem::create_directories(dir);
  for (const char* text : {"", "{}", "[1]", R"({"username":"a","private_key":"zz"})",
                           R"({"username":"a","private_key":"00"})", "{\"username\":"}) {
    {
      std::ofstream f(p.key_file(), std::ios::trunc);
      f << text;
    }
    ::chmod(p.key_file().c_str(), 0600);
    auto id = p.load();
    ASSERT_FALSE(id.has_value()) << text;
    EXPECT_EQ(id.error().code, ErrorCode::local) << text;
  }
  std::filesystem::remove_all(dir);
}

TEST(RecoveryPhrase, IdentityRoundTripsThroughItsPhrase) {
  crypto::DeterministicRandom rng(31);
  Identity id{"alice", crypto::generate_private_key(rng)};
  const std::string phrase = recovery_phrase(id);
  EXPECT_EQ(std::count(phrase.begin(), phrase.end(), ' '), 23);  // 24 words (CR-KEY-005)
  auto back = identity_from_phrase("alice", phrase);
  ASSERT_TRUE(back.has_value()) << describe(back.error());
  EXPECT_EQ(back->username, "alice");
  EXPECT_TRUE(back->private_key == id.private_key);
  auto bad = identity_from_phrase("alice", phrase.substr(0, phrase.rfind(' ')));
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().code, ErrorCode::local);
  EXPECT_NE(bad.error().detail.find("phrase_word_count"), std::string::npos);
}

}  // namespace
}  // namespace unm::client
