// cli_test.cc — the `vectors` command as a user runs it: generate, check, exit codes, output.
#include "vectors/cli.h"

#include <gtest/gtest.h>

#include <sstream>

#include "vectors/test_support.h"

namespace unm::vectors {
namespace {

using testing::TempDir;

struct CliRun {
  int status = 0;
  std::string out;
  std::string err;
};

CliRun run(std::vector<std::string> args) {
  std::ostringstream out;
  std::ostringstream err;
  CliRun r;
  r.status = vectors_command_to(args, out, err);
  r.out = out.str();
  r.err = err.str();
  return r;
}

TEST(VectorsCli, HelpAndUsageErrors) {
  const CliRun help = run({"--help"});
  EXPECT_EQ(help.status, 0);
  EXPECT_NE(help.out.find("vectors generate DIR"), std::string::npos);
  EXPECT_NE(help.out.find("group_dm"), std::string::npos);
  EXPECT_EQ(run({"check", "--help"}).status, 0);
  EXPECT_EQ(run({"generate", "-h"}).status, 0);
  EXPECT_EQ(run({}).status, 2);
  EXPECT_EQ(run({"frobnicate"}).status, 2);
  EXPECT_EQ(run({"generate"}).status, 2);
  EXPECT_EQ(run({"generate", "/tmp/x", "--seed"}).status, 2);
  EXPECT_EQ(run({"generate", "/tmp/x", "--seed", "-4"}).status, 2);
  EXPECT_EQ(run({"generate", "/tmp/x", "--family", "rot13"}).status, 2);
  EXPECT_EQ(run({"generate", "/tmp/x", "--bogus"}).status, 2);
  EXPECT_EQ(run({"check"}).status, 2);
  EXPECT_EQ(run({"check", "--bogus", "f.json"}).status, 2);
}

TEST(VectorsCli, GenerateIsReproducibleAndChecks) {
  TempDir a("cli_gen_a");
  TempDir b("cli_gen_b");
  const CliRun ga = run({"generate", a.path().string(), "--seed", "99"});
  ASSERT_EQ(ga.status, 0) << ga.err;
  ASSERT_EQ(run({"generate", b.path().string(), "--seed", "99"}).status, 0);
  std::vector<std::string> check_args = {"check"};
  for (Family f : all_families()) {
    const std::string name = std::string(family_name(f)) + ".json";
    EXPECT_NE(ga.out.find(name), std::string::npos);
    const std::string ta = testing::read_file(a.path() / name);
    EXPECT_FALSE(ta.empty());
    EXPECT_EQ(ta, testing::read_file(b.path() / name)) << name;
    check_args.push_back((a.path() / name).string());
  }
  const CliRun c = run(check_args);
  EXPECT_EQ(c.status, 0) << c.out << c.err;
  EXPECT_NE(c.out.find("x3dh: 90 passed, 0 failed (0 lenient, 0 strict, 0 skipped)\n"),
            std::string::npos)
      << c.out;
  // The closing line sums every file.
  const std::string last = c.out.substr(c.out.rfind('\n', c.out.size() - 2) + 1);
  EXPECT_NE(last.find(" passed, 0 failed, 0 skipped\n"), std::string::npos) << last;
}

TEST(VectorsCli, GenerateOneFamily) {
  TempDir d("cli_one");
  ASSERT_EQ(run({"generate", d.path().string(), "--family", "kdf"}).status, 0);
  EXPECT_TRUE(std::filesystem::exists(d.path() / "kdf.json"));
  EXPECT_FALSE(std::filesystem::exists(d.path() / "aead.json"));
  const CliRun c = run({"check", (d.path() / "kdf.json").string()});
  EXPECT_EQ(c.status, 0);
  EXPECT_EQ(c.out,
            "kdf: 22 passed, 0 failed (0 lenient, 0 strict, 0 skipped)\n22 passed, 0 failed, 0 "
            "skipped\n");
}

TEST(VectorsCli, CorruptedCopyFailsWithStatusOne) {
  TempDir d("cli_corrupt");
  ASSERT_EQ(run({"generate", d.path().string(), "--family", "personal_key"}).status, 0);
  const auto path = d.path() / "personal_key.json";
  std::string text = testing::read_file(path);
  // Change one digit of the first personal_key output.
  const std::size_t at = text.find("\"personal_key\": \"", text.find("\"tests\""));
  ASSERT_NE(at, std::string::npos);
  char& c = text[at + 17];
  c = c == '0' ? '1' : '0';
  testing::write_file(path, text);
  const CliRun r = run({"check", path.string()});
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.out.find("personal_key #1 failed: personal_key differs"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("personal_key: 23 passed, 1 failed (0 lenient, 0 strict, 0 skipped)"),
            std::string::npos);
  EXPECT_NE(r.out.find("23 passed, 1 failed, 0 skipped\n"), std::string::npos);
}

TEST(VectorsCli, MalformedAndMissingFilesExitTwoWithOneLine) {
  TempDir d("cli_malformed");
  const auto bad = d.path() / "bad.json";
  testing::write_file(bad, "{\"family\": \"kdf\", \"version\": 1, \"tests\": [");
  const CliRun r = run({"check", bad.string()});
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  EXPECT_NE(r.err.find("bad.json"), std::string::npos);
  const CliRun missing = run({"check", (d.path() / "missing.json").string()});
  EXPECT_EQ(missing.status, 2);
  EXPECT_NE(missing.err.find("cannot read"), std::string::npos);
}

TEST(VectorsCli, JsonReport) {
  TempDir d("cli_json");
  ASSERT_EQ(run({"generate", d.path().string(), "--family", "ecdh"}).status, 0);
  const CliRun r = run({"check", "--json", (d.path() / "ecdh.json").string()});
  EXPECT_EQ(r.status, 0);
  const auto doc = testing::parse(r.out);
  ASSERT_FALSE(doc.HasParseError()) << r.out;
  EXPECT_EQ(doc["passed"].GetUint64(), 43u);
  EXPECT_EQ(doc["failed"].GetUint64(), 0u);
  EXPECT_EQ(doc["skipped"].GetUint64(), 0u);
  const auto& file = doc["files"][0];
  EXPECT_EQ(std::string(file["family"].GetString()), "ecdh");
  EXPECT_EQ(file["tests"].Size(), 43u);
  EXPECT_EQ(std::string(file["tests"][0]["outcome"].GetString()), "passed");
}

}  // namespace
}  // namespace unm::vectors
