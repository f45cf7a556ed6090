// checker_vec_test.cc — the checker on files laid out "the other way" (vectors.md VEC-001 …
// VEC-005): the small files of vectors/testdata/ (written by make_testdata.mjs from the committed
// files) carry, per test, the verdict the checker must reach (`expect_checker`; checkers ignore
// unknown fields). Each rule is also exercised on the generator's own output.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "vectors/checker.h"
#include "vectors/test_support.h"

namespace unm::vectors {
namespace {

using testing::generated;
using testing::parse;
using testing::serialize;

std::filesystem::path testdata(const std::string& name) {
  return std::filesystem::path(UNM_VECTORS_TESTDATA_DIR) / name;
}

// ExpectedVerdicts checks every test of `file` against its `expect_checker` ("failed" for an
// entry that is not an object) and returns the report.
FileReport expect_verdicts(const std::string& file) {
  SCOPED_TRACE(file);
  const auto report = check_file(testdata(file).string());
  EXPECT_TRUE(report) << (report ? "" : report.error().message);
  if (!report) return {};
  const auto doc = parse(testing::read_file(testdata(file)));
  const auto& tests = doc["tests"];
  EXPECT_EQ(report->tests.size(), tests.Size());
  for (rapidjson::SizeType i = 0; i < tests.Size() && i < report->tests.size(); ++i) {
    const TestResult& r = report->tests[i];
    EXPECT_EQ(r.index, i);
    const std::string want = tests[i].IsObject() && tests[i].HasMember("expect_checker")
                                 ? tests[i]["expect_checker"].GetString()
                                 : "failed";
    const std::string comment = tests[i].IsObject() && tests[i].HasMember("comment")
                                    ? tests[i]["comment"].GetString()
                                    : "(not an object)";
    EXPECT_EQ(outcome_name(r.outcome), want)
        << "tests[" << i << "] " << comment << ": " << r.detail;
    if (r.outcome != Outcome::passed) {
      EXPECT_FALSE(r.detail.empty()) << i;
      EXPECT_EQ(r.detail.find('\n'), std::string::npos) << i;
    }
  }
  return *report;
}

bool has_note(const TestResult& r, const std::string& part) {
  for (const std::string& n : r.notes) {
    if (n.find(part) != std::string::npos) return true;
  }
  return false;
}

// VEC-001: private_tree heap 1 ... 2M-1 and the key_tree-aligned heap 2 ... 2M-1 both pass; a
// changed node, a wrong length and a misaligned list fail.
TEST(CheckerVec, GroupDmAcceptsBothPrivateTreeLayouts) {
  const FileReport r = expect_verdicts("group_dm_private_tree_layouts.json");
  ASSERT_EQ(r.tests.size(), 6u);
  EXPECT_NE(r.tests[3].detail.find("(heap 4)"), std::string::npos) << r.tests[3].detail;
  EXPECT_NE(r.tests[4].detail.find("2M-2 = 6"), std::string::npos) << r.tests[4].detail;
}

// VEC-003 in group_dm: a member without ik_priv / spk_priv is not received for; the creator
// and the other members still are, and a receive test for that member is skipped.
TEST(CheckerVec, GroupDmChecksMembersThatHaveTheirKeys) {
  const FileReport r = expect_verdicts("group_dm_member_keys_omitted.json");
  ASSERT_EQ(r.tests.size(), 4u);
  EXPECT_TRUE(has_note(r.tests[0], "members[0] has no ik_priv/spk_priv"));
  EXPECT_NE(r.tests[1].detail.find("members[1].shared_key differs"), std::string::npos);
  EXPECT_NE(r.tests[3].detail.find("receiving member 1"), std::string::npos);
}

// VEC-001 on the generator's own output: every valid group re-laid aligned with key_tree passes.
TEST(CheckerVec, GeneratedGroupDmPassesInTheAlignedLayout) {
  auto doc = parse(generated(Family::group_dm));
  auto& a = doc.GetAllocator();
  std::size_t changed = 0;
  rapidjson::Value kept(rapidjson::kArrayType);
  for (auto& t : doc["tests"].GetArray()) {
    if (!t.HasMember("private_tree") || changed == 4) continue;  // four groups are enough
    auto& pt = t["private_tree"];
    pt.Erase(pt.Begin());
    ++changed;
    kept.PushBack(rapidjson::Value(t, a), a);
  }
  doc["tests"] = kept;
  const auto report = check_text(serialize(doc));
  ASSERT_TRUE(report) << report.error().message;
  EXPECT_EQ(report->tests.size(), 4u);
  EXPECT_EQ(report->passed(), 4u);
}

// VEC-002: own_storage is seal(plaintext_json) byte for byte, in JavaScript or byte-wise order;
// storage compares as a JSON value.
TEST(CheckerVec, OwnStorageAcceptsEitherMemberOrderOfWhatWasSealed) {
  const FileReport r = expect_verdicts("own_storage_member_order.json");
  ASSERT_EQ(r.tests.size(), 7u);
  EXPECT_NE(r.tests[4].detail.find("own_storage (sealed plaintext_json) differs"),
            std::string::npos);
  EXPECT_NE(r.tests[5].detail.find("as a JSON value"), std::string::npos);
}

// VEC-002 on the committed file: its plaintext_json is JSON.stringify order, with ids whose
// numeric and byte-wise orders differ.
TEST(CheckerVec, CommittedOwnStorageIsInJavaScriptOrder) {
  const auto doc =
      parse(testing::read_file(std::filesystem::path(UNM_VECTORS_DATA_DIR) / "own_storage.json"));
  bool seen = false;
  for (const auto& t : doc["tests"].GetArray()) {
    if (std::string(t["result"].GetString()) != "valid") continue;
    const std::string text = t["plaintext_json"].GetString();
    if (text.find("\"3\"") == std::string::npos) continue;
    seen = true;
    EXPECT_LT(text.find("\"privSPK\""), text.find("\"sharedKeys\""));
    EXPECT_LT(text.find("\"3\""), text.find("\"12\""));
    EXPECT_LT(text.find("\"12\""), text.find("\"1000\""));
    EXPECT_EQ(text.find(' '), std::string::npos);
  }
  EXPECT_TRUE(seen);
}

// VEC-003 / VEC-005: missing impossible private keys, another producer's send_fails_by.
TEST(CheckerVec, X3dhChecksWhatItCanAndSkipsWhatItCannot) {
  const FileReport r = expect_verdicts("x3dh_private_keys_omitted.json");
  ASSERT_EQ(r.tests.size(), 10u);
  EXPECT_TRUE(has_note(r.tests[0], "responder not run: no ik_b_priv"));
  EXPECT_TRUE(has_note(r.tests[1], "initiator not run: no ik_a_priv, ek_a_priv"));
  EXPECT_NE(r.tests[2].detail.find("no ik_a_priv"), std::string::npos) << r.tests[2].detail;
  EXPECT_TRUE(r.tests[3].notes.empty());  // the file names the field unm_crypto refused on
  EXPECT_TRUE(has_note(r.tests[4], "\"exception\""));
  EXPECT_TRUE(has_note(r.tests[5], "\"signature_check\", unm_crypto refused on spk_b_sig"));
  EXPECT_EQ(r.count(Outcome::skipped), 3u);
}

// VEC-003 on the committed file: the tests whose key is not a curve point of the subgroup have
// no private key for it, and every test is still checked (none skipped, none failed).
TEST(CheckerVec, CommittedX3dhOmitsImpossiblePrivateKeys) {
  const auto path = std::filesystem::path(UNM_VECTORS_DATA_DIR) / "x3dh.json";
  const auto doc = parse(testing::read_file(path));
  std::size_t without_ik_b = 0, without_spk_b = 0;
  for (const auto& t : doc["tests"].GetArray()) {
    if (!t.HasMember("ik_b_priv")) ++without_ik_b;
    if (!t.HasMember("spk_b_priv")) ++without_spk_b;
  }
  EXPECT_GE(without_ik_b, 4u);    // three small-order and one mixed-order identity key
  EXPECT_GE(without_spk_b, 20u);  // every bad SPK point
  const auto report = check_file(path.string());
  ASSERT_TRUE(report);
  EXPECT_EQ(report->failed(), 0u);
  EXPECT_EQ(report->skipped(), 0u);
}

// VEC-004: each malformed test fails alone; the good ones around it pass.
TEST(CheckerVec, MalformedTestFailsAlone) {
  const FileReport r = expect_verdicts("kdf_one_malformed.json");
  ASSERT_EQ(r.tests.size(), 9u);
  EXPECT_EQ(r.passed(), 2u);
  for (const TestResult& t : r.tests) {
    if (t.outcome == Outcome::failed) {
      EXPECT_EQ(t.detail.rfind("malformed test: ", 0), 0u) << t.detail;
    }
  }
  EXPECT_FALSE(r.tests[3].has_id);  // no id
  EXPECT_FALSE(r.tests[4].has_id);  // not an object
  EXPECT_FALSE(r.tests[5].has_id);  // duplicate id: reported by position
  EXPECT_NE(r.tests[5].detail.find("duplicate id 1"), std::string::npos);
}

}  // namespace
}  // namespace unm::vectors
