// checker_test.cc — the checker finds wrong outputs, reports edge cases as lenient/strict, reads
// files from other generators (any field order, optional fields absent, unknown fields), turns
// malformed files into one-line errors and fails a malformed test alone (VEC-004).
#include "vectors/checker.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <filesystem>
#include <set>

#include "vectors/family.h"
#include "vectors/test_support.h"

namespace unm::vectors {
namespace {

using testing::flip_hex_digit;
using testing::generated;
using testing::parse;
using testing::serialize;

// first_test returns the first test of `doc` whose result is `result`.
rapidjson::Value& first_test(rapidjson::Document& doc, const char* result) {
  for (auto& t : doc["tests"].GetArray()) {
    if (std::string(t["result"].GetString()) == result) return t;
  }
  return doc["tests"][0];
}

const TestResult* find(const FileReport& r, std::int64_t id) {
  for (const TestResult& t : r.tests) {
    if (t.id == id) return &t;
  }
  return nullptr;
}

TEST(Checker, CommittedFilesPass) {
  const std::filesystem::path dir = UNM_VECTORS_DATA_DIR;
  std::set<std::string> families;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() != ".json") continue;
    SCOPED_TRACE(entry.path().string());
    const auto report = check_file(entry.path().string());
    ASSERT_TRUE(report) << report.error().message;
    EXPECT_EQ(report->failed(), 0u);
    EXPECT_EQ(entry.path().stem().string(), report->family);
    families.insert(report->family);
  }
  for (Family f : all_families())
    EXPECT_TRUE(families.count(std::string(family_name(f)))) << family_name(f);
}

TEST(Checker, CommittedFilesAreWhatTheGeneratorWrites) {
  // The committed files are the default-seed output, byte for byte.
  for (Family f : all_families()) {
    const std::filesystem::path p =
        std::filesystem::path(UNM_VECTORS_DATA_DIR) / (std::string(family_name(f)) + ".json");
    EXPECT_EQ(testing::read_file(p), generated(f)) << p;
  }
}

// CorruptOutput names one output field of a valid test per family ("members.0.shared_key" style
// paths go one level into arrays of objects).
struct CorruptOutput {
  Family family;
  std::vector<std::string> path;
};

class CheckerCorruption : public ::testing::TestWithParam<CorruptOutput> {};

TEST_P(CheckerCorruption, ChangedOutputIsAFailure) {
  auto doc = parse(generated(GetParam().family));
  ASSERT_TRUE(doc.IsObject());
  rapidjson::Value& t = first_test(doc, "valid");
  const std::int64_t id = t["id"].GetInt64();
  rapidjson::Value* v = &t;
  for (const std::string& step : GetParam().path) {
    if (v->IsArray()) {
      v = &(*v)[static_cast<rapidjson::SizeType>(std::stoul(step))];
    } else {
      ASSERT_TRUE(v->HasMember(step.c_str())) << step;
      v = &(*v)[step.c_str()];
    }
  }
  ASSERT_TRUE(v->IsString());
  flip_hex_digit(*v, doc.GetAllocator());
  const auto report = check_text(serialize(doc));
  ASSERT_TRUE(report) << report.error().message;
  EXPECT_EQ(report->failed(), 1u);
  const TestResult* r = find(*report, id);
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->outcome, Outcome::failed);
  EXPECT_FALSE(r->detail.empty());
}

INSTANTIATE_TEST_SUITE_P(
    EveryFamily, CheckerCorruption,
    ::testing::Values(CorruptOutput{Family::ed25519_keys, {"public_key"}},
                      CorruptOutput{Family::ed25519_keys, {"scalar"}},
                      CorruptOutput{Family::ed25519_keys, {"x25519_public_key"}},
                      CorruptOutput{Family::ed25519_sign, {"signature"}},
                      CorruptOutput{Family::challenge, {"response"}},
                      CorruptOutput{Family::challenge, {"expected_response"}},
                      CorruptOutput{Family::ecdh, {"shared_secret"}},
                      CorruptOutput{Family::ecdh, {"x25519_peer_public_key"}},
                      CorruptOutput{Family::personal_key, {"personal_key"}},
                      CorruptOutput{Family::kdf, {"output"}}, CorruptOutput{Family::kdf, {"ikm"}},
                      CorruptOutput{Family::x3dh, {"shared_key"}},
                      CorruptOutput{Family::x3dh, {"dh3"}},
                      CorruptOutput{Family::x3dh, {"message", "ek"}},
                      CorruptOutput{Family::group_dm, {"shared_key"}},
                      CorruptOutput{Family::group_dm, {"key_tree", "1"}},
                      CorruptOutput{Family::group_dm, {"messages", "0", "spk"}},
                      CorruptOutput{Family::group_dm, {"members", "0", "shared_key"}},
                      CorruptOutput{Family::group_dm, {"members", "0", "leaf_key"}},
                      CorruptOutput{Family::group_dm, {"private_tree", "0"}},
                      CorruptOutput{Family::aead, {"ciphertext"}},
                      CorruptOutput{Family::own_storage, {"plaintext_json"}},
                      CorruptOutput{Family::own_storage, {"own_storage"}},
                      CorruptOutput{Family::own_storage, {"personal_key"}},
                      CorruptOutput{Family::recovery_phrase, {"phrase"}},
                      CorruptOutput{Family::recovery_phrase, {"private_key"}}));

TEST(Checker, ValidTestMarkedInvalidFails) {
  // ed25519_sign: the output is the verify decision itself.
  auto doc = parse(generated(Family::ed25519_sign));
  rapidjson::Value& t = first_test(doc, "valid");
  t["result"].SetString("invalid");
  t.RemoveMember("private_key");
  const auto report = check_text(serialize(doc));
  ASSERT_TRUE(report);
  EXPECT_EQ(report->failed(), 1u);
  EXPECT_EQ(find(*report, t["id"].GetInt64())->outcome, Outcome::failed);
}

TEST(Checker, PlainInvalidTestMarkedValidFails) {
  auto doc = parse(generated(Family::aead));
  rapidjson::Value& t = first_test(doc, "invalid");  // a tampered tag, no flags
  ASSERT_FALSE(t.HasMember("flags"));
  t["result"].SetString("valid");
  const auto report = check_text(serialize(doc));
  ASSERT_TRUE(report);
  EXPECT_EQ(report->failed(), 1u);
}

// The file says invalid and flags an edge case, the implementation accepts: lenient.
TEST(Checker, AcceptedEdgeCaseIsLenientNotFailed) {
  auto doc = parse(generated(Family::ed25519_sign));
  rapidjson::Value& t = first_test(doc, "valid");
  // A genuinely valid signature, claimed invalid with an edge flag (as a stricter generator might).
  t["result"].SetString("invalid");
  t.RemoveMember("private_key");
  rapidjson::Value flags(rapidjson::kArrayType);
  flags.PushBack("small_order_r", doc.GetAllocator());
  t.AddMember("flags", flags, doc.GetAllocator());
  const auto report = check_text(serialize(doc));
  ASSERT_TRUE(report);
  EXPECT_EQ(report->failed(), 0u);
  EXPECT_EQ(report->count(Outcome::lenient), 1u);
  EXPECT_EQ(find(*report, t["id"].GetInt64())->outcome, Outcome::lenient);
}

// The file says valid on an edge case (as a ZIP-215 generator would), the implementation
// refuses: strict.
TEST(Checker, RefusedEdgeCaseIsStrictNotFailed) {
  auto doc = parse(generated(Family::ed25519_sign));
  std::int64_t id = 0;
  for (auto& t : doc["tests"].GetArray()) {
    if (t.HasMember("flags") &&
        std::string(t["comment"].GetString()).find("small-order public key 1") !=
            std::string::npos) {
      t["result"].SetString("valid");
      id = t["id"].GetInt64();
      break;
    }
  }
  ASSERT_NE(id, 0);
  const auto report = check_text(serialize(doc));
  ASSERT_TRUE(report);
  EXPECT_EQ(report->failed(), 0u);
  EXPECT_EQ(report->count(Outcome::strict), 1u);
  EXPECT_EQ(find(*report, id)->outcome, Outcome::strict);
}

TEST(Checker, UnknownFlagDoesNotMakeAnEdgeCase) {
  auto doc = parse(generated(Family::aead));
  rapidjson::Value& t = first_test(doc, "invalid");
  t["result"].SetString("valid");
  rapidjson::Value flags(rapidjson::kArrayType);
  flags.PushBack("my_own_flag", doc.GetAllocator());
  t.AddMember("flags", flags, doc.GetAllocator());
  const auto report = check_text(serialize(doc));
  ASSERT_TRUE(report);
  EXPECT_EQ(report->failed(), 1u);
}

// Another generator: members in reverse order, no optional fields, extra informational fields.
TEST(Checker, ReadsFilesOfOtherGenerators) {
  const std::map<Family, std::vector<const char*>> optional = {
      {Family::ed25519_keys, {"scalar", "x25519_private_key", "x25519_public_key"}},
      {Family::ed25519_sign, {"private_key", "signer_private_key"}},
      {Family::challenge, {"server_scalar", "public_key", "expected_response"}},
      {Family::ecdh,
       {"peer_private_key", "public_key", "x25519_private_key", "x25519_peer_public_key"}},
      {Family::personal_key, {"public_key"}},
      {Family::kdf, {"ikm"}},
      {Family::x3dh, {"ik_a_pub", "ek_a_pub", "ik_b_pub", "spk_b_pub", "dh1", "dh2", "dh3", "dh4"}},
      {Family::group_dm, {"private_tree", "creator_ik_pub"}},
      {Family::aead, {"plaintext_text"}},
      {Family::own_storage, {"personal_key"}},
      {Family::recovery_phrase, {}},
  };
  for (const auto& [family, fields] : optional) {
    SCOPED_TRACE(std::string(family_name(family)));
    auto doc = parse(generated(family));
    auto& a = doc.GetAllocator();
    rapidjson::Value rebuilt(rapidjson::kArrayType);
    for (auto& t : doc["tests"].GetArray()) {
      const bool valid = std::string(t["result"].GetString()) == "valid";
      if (valid) {
        for (const char* f : fields) t.RemoveMember(f);
      }
      rapidjson::Value copy(rapidjson::kObjectType);
      copy.AddMember("library_decision", "informational", a);
      for (auto m = t.MemberEnd(); m != t.MemberBegin();) {
        --m;
        copy.AddMember(rapidjson::Value(m->name, a), rapidjson::Value(m->value, a), a);
      }
      rebuilt.PushBack(copy, a);
    }
    doc["tests"] = rebuilt;
    doc.AddMember("extra_top_level", 1, a);
    const auto report = check_text(serialize(doc));
    ASSERT_TRUE(report) << report.error().message;
    EXPECT_EQ(report->failed(), 0u);
  }
}

struct Malformed {
  std::string name;
  std::string text;
};

class CheckerMalformed : public ::testing::TestWithParam<Malformed> {};

TEST_P(CheckerMalformed, IsAOneLineSchemaError) {
  const auto report = check_text(GetParam().text);
  ASSERT_FALSE(report);
  EXPECT_FALSE(report.error().message.empty());
  EXPECT_EQ(report.error().message.find('\n'), std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, CheckerMalformed,
    ::testing::Values(Malformed{"empty", ""}, Malformed{"not_json", "{family"},
                      Malformed{"array", "[1,2]"},
                      Malformed{"missing_family", R"({"version":1,"tests":[]})"},
                      Malformed{"unknown_family", R"({"family":"rot13","version":1,"tests":[]})"},
                      Malformed{"family_not_string", R"({"family":3,"version":1,"tests":[]})"},
                      Malformed{"version_2", R"({"family":"kdf","version":2,"tests":[]})"},
                      Malformed{"missing_tests", R"({"family":"kdf","version":1})"},
                      Malformed{"tests_not_array", R"({"family":"kdf","version":1,"tests":{}})"}),
    [](const ::testing::TestParamInfo<Malformed>& i) { return i.param.name; });

// VEC-004: a malformed test fails alone, with a one-line reason; the good tests of the same
// file, before and after it, are still checked and pass.
class CheckerMalformedTest : public ::testing::TestWithParam<Malformed> {};

TEST_P(CheckerMalformedTest, FailsAloneWithAOneLineReason) {
  const std::string family = GetParam().name.rfind("group", 0) == 0 ? "group_dm" : "kdf";
  const auto doc = parse(generated(family == "kdf" ? Family::kdf : Family::group_dm));
  const auto& tests = doc["tests"];
  const std::string good_first = serialize(tests[0]);
  std::string good_last = serialize(tests[1]);
  // The second good test gets an id the malformed one does not use.
  good_last.replace(good_last.find("\"id\":2"), 6, "\"id\":77");
  const std::string text = R"({"family":")" + family + R"(","version":1,"tests":[)" + good_first +
                           "," + GetParam().text + "," + good_last + "]}";
  const auto report = check_text(text);
  ASSERT_TRUE(report) << report.error().message;
  ASSERT_EQ(report->tests.size(), 3u);
  EXPECT_EQ(report->tests[0].outcome, Outcome::passed) << report->tests[0].detail;
  EXPECT_EQ(report->tests[2].outcome, Outcome::passed) << report->tests[2].detail;
  const TestResult& bad = report->tests[1];
  EXPECT_EQ(bad.outcome, Outcome::failed);
  EXPECT_EQ(bad.index, 1u);
  EXPECT_EQ(bad.detail.rfind("malformed test: ", 0), 0u) << bad.detail;
  EXPECT_EQ(bad.detail.find('\n'), std::string::npos) << bad.detail;
  EXPECT_EQ(report->failed(), 1u);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, CheckerMalformedTest,
    ::testing::Values(
        Malformed{"test_not_object", "3"}, Malformed{"missing_id", R"({"result":"valid"})"},
        Malformed{"duplicate_id", R"({"id":1,"result":"invalid","key_material":""})"},
        Malformed{"bad_result", R"({"id":5,"result":"maybe","key_material":""})"},
        Malformed{"missing_input", R"({"id":5,"result":"valid","output":"00"})"},
        Malformed{"missing_output", R"({"id":5,"result":"valid","key_material":""})"},
        Malformed{"hex_not_string", R"({"id":5,"result":"valid","key_material":5,"output":"00"})"},
        Malformed{"flags_not_strings",
                  R"({"id":5,"result":"invalid","flags":[1],"key_material":""})"},
        Malformed{
            "group_members_mismatch",
            R"({"id":5,"result":"invalid","n":3,"creator_ik_priv":"00","creator_leaf":"00","padding":[],"members":[]})"},
        Malformed{
            "group_n_negative",
            R"({"id":5,"result":"invalid","n":-1,"creator_ik_priv":"00","creator_leaf":"00","padding":[],"members":[]})"}),
    [](const ::testing::TestParamInfo<Malformed>& i) { return i.param.name; });

TEST(Checker, DeeplyNestedJsonIsASchemaErrorNotAStackOverflow) {
  const std::string deep = std::string(1'000'000, '[') + std::string(1'000'000, ']');
  const auto report = check_text(deep);
  ASSERT_FALSE(report);
  EXPECT_NE(report.error().message.find("not a JSON object"), std::string::npos)
      << report.error().message;
}

TEST(Checker, InvalidUtf8IsASchemaError) {
  const auto report = check_text("{\"family\": \"kdf\xff\", \"version\": 1, \"tests\": []}");
  ASSERT_FALSE(report);
  EXPECT_NE(report.error().message.find("not JSON"), std::string::npos);
}

TEST(Checker, UnreadableFileIsASchemaError) {
  const auto report = check_file("/nonexistent/unm/vectors.json");
  ASSERT_FALSE(report);
  EXPECT_NE(report.error().message.find("cannot read"), std::string::npos);
}

// Arbitrary damage to a file never crashes the checker: it is either a schema error or a report.
RC_GTEST_PROP(CheckerProp, DamagedFilesNeverCrash,
              (std::size_t cut, std::size_t at, std::uint8_t byte)) {
  static const std::string base = generated(Family::personal_key);  // const, computed once
  RC_PRE(!base.empty());
  std::string text = base.substr(0, cut % (base.size() + 1));
  if (!text.empty()) text[at % text.size()] = static_cast<char>(byte);
  const auto report = check_text(text);
  if (report) RC_ASSERT(report->tests.size() <= 64u);
}

// Changing any hex digit of any output of a valid test is caught.
RC_GTEST_PROP(CheckerProp, AnyChangedOutputDigitFails, (std::size_t which, std::size_t digit)) {
  static const std::string base = generated(Family::aead);  // const, computed once
  auto doc = parse(base);
  auto tests = doc["tests"].GetArray();
  std::vector<rapidjson::Value*> valid;
  for (auto& t : tests) {
    if (std::string(t["result"].GetString()) == "valid") valid.push_back(&t);
  }
  rapidjson::Value& t = *valid[which % valid.size()];
  std::string ct = t["ciphertext"].GetString();
  const std::size_t i = digit % ct.size();
  ct[i] = ct[i] == 'f' ? '0' : (ct[i] == '9' ? 'a' : static_cast<char>(ct[i] + 1));
  t["ciphertext"].SetString(ct.c_str(), static_cast<rapidjson::SizeType>(ct.size()),
                            doc.GetAllocator());
  const auto report = check_text(serialize(doc));
  RC_ASSERT(static_cast<bool>(report));
  RC_ASSERT(report->failed() == 1u);
}

}  // namespace
}  // namespace unm::vectors

namespace unm::vectors {
namespace {

// Fuzz finding vector_file-open-multiline-schema-error: an untrusted family name must not break
// the one-line error contract of SchemaError.
TEST(Checker, UnknownFamilyErrorStaysOnOneLine) {
  const auto r = check_text(
      R"({"family": "x\ninjected line\r\n", "version": 1, "generator": "g", "notes": [],
          "tests": []})");
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().message.find('\n'), std::string::npos) << r.error().message;
  EXPECT_EQ(r.error().message.find('\r'), std::string::npos) << r.error().message;
  EXPECT_NE(r.error().message.find("unknown family"), std::string::npos);
}

// Fuzz finding regress-multiline-result (campaign of session 2): a test's "result" is quoted in
// its reason, which must stay one line (VEC-004 made it the test's failure, not a file error).
TEST(Checker, BadResultErrorStaysOnOneLine) {
  const auto r = check_text(
      R"({"family": "aead", "version": 1, "generator": "g", "notes": [],
          "tests": [{"id": 1, "result": "inv\nalid\u0007", "key": "00", "iv": "00",
                     "plaintext": "", "ciphertext": ""}]})");
  ASSERT_TRUE(r.has_value()) << r.error().message;
  ASSERT_EQ(r->tests.size(), 1u);
  const std::string& detail = r->tests[0].detail;
  EXPECT_EQ(r->tests[0].outcome, Outcome::failed);
  EXPECT_EQ(detail.find('\n'), std::string::npos) << detail;
  EXPECT_EQ(detail.find('\a'), std::string::npos) << detail;
  EXPECT_NE(detail.find("result is"), std::string::npos) << detail;
}

}  // namespace
}  // namespace unm::vectors
