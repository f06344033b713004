#include "cairn/content/descriptor.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "cairn/content/id.hpp"
#include "support/vectors.hpp"

namespace cairn::content {
namespace {

Variant make_variant(std::string name, std::string blob, std::string format, uint64_t size,
                     uint32_t width, uint32_t height) {
  Variant v;
  v.name = std::move(name);
  v.blob_id = std::move(blob);
  v.format = std::move(format);
  v.size = size;
  v.width = width;
  v.height = height;
  return v;
}

// The reference's generation example: a thumbnail and an HD video.
Descriptor reference_descriptor() {
  Descriptor d;
  d.variants.push_back(make_variant("vis.tn", "b1~abc123", "webp", 2048, 128, 128));
  Variant hd = make_variant("vid.hd", "b1~def456", "mp4", 51200, 1920, 1080);
  hd.duration = 120.5;
  hd.bitrate = 5000;
  d.variants.push_back(hd);
  return d;
}

void expect_malformed(std::string_view text) {
  Result<Descriptor> r = Descriptor::parse(text);
  ASSERT_FALSE(r) << text;
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument) << text;
  EXPECT_EQ(r.error().reason, "CONTENT_DESCRIPTOR_MALFORMED") << text;
}

void expect_invalid(const Descriptor& d, const char* what) {
  Status s = d.validate();
  ASSERT_FALSE(s) << what;
  EXPECT_EQ(s.error().code, ErrorCode::kInvalidArgument) << what;
  EXPECT_EQ(s.error().reason, "CONTENT_DESCRIPTOR_INVALID") << what;
}

// Reference section 1.3, first vector.
TEST(DescriptorTest, ParsesReferenceVector) {
  auto d = Descriptor::parse(
      "d2,vis.tn:b1~abc123:f=webp:s=2048:r=128x128;vis.sd:b1~def456:f=webp:s=10240:r=720x720:"
      "dur=120.5:br=5000");
  ASSERT_TRUE(d) << d.error().to_string();
  EXPECT_FALSE(d->root);
  ASSERT_EQ(d->variants.size(), 2u);
  const Variant& tn = d->variants[0];
  EXPECT_EQ(tn.name, "vis.tn");
  EXPECT_EQ(tn.blob_id, "b1~abc123");
  EXPECT_EQ(tn.format, "webp");
  EXPECT_EQ(tn.size, 2048u);
  EXPECT_EQ(tn.width, 128u);
  EXPECT_EQ(tn.height, 128u);
  EXPECT_FALSE(tn.duration);
  EXPECT_FALSE(tn.bitrate);
  EXPECT_FALSE(tn.pages);
  EXPECT_TRUE(tn.available);
  const Variant& sd = d->variants[1];
  EXPECT_EQ(sd.name, "vis.sd");
  EXPECT_EQ(sd.blob_id, "b1~def456");
  EXPECT_EQ(sd.size, 10240u);
  EXPECT_EQ(sd.width, 720u);
  EXPECT_EQ(sd.height, 720u);
  EXPECT_EQ(sd.duration, 120.5);
  EXPECT_EQ(sd.bitrate, 5000u);
}

// Reference section 1.3, second vector.
TEST(DescriptorTest, GeneratesReferenceVector) {
  std::string text = reference_descriptor().to_string();
  EXPECT_TRUE(text.starts_with("d2,")) << text;
  EXPECT_NE(text.find("vis.tn:b1~abc123"), std::string::npos) << text;
  EXPECT_NE(text.find("vid.hd:b1~def456"), std::string::npos) << text;
  EXPECT_NE(text.find(":dur=120.5"), std::string::npos) << text;
  EXPECT_NE(text.find(":br=5000"), std::string::npos) << text;
  EXPECT_NE(text.find(";vid.hd"), std::string::npos) << text;
  EXPECT_EQ(text,
            "d2,vis.tn:b1~abc123:f=webp:s=2048:r=128x128;vid.hd:b1~def456:f=mp4:s=51200:"
            "r=1920x1080:dur=120.5:br=5000");
}

// Reference section 1.3, third and fourth vectors.
TEST(DescriptorTest, RootComesFirst) {
  Descriptor d;
  d.root = "f1~rootid";
  d.variants.push_back(make_variant("vis.tn", "b1~abc123", "webp", 2048, 128, 128));
  EXPECT_TRUE(d.to_string().starts_with("d2,R=f1~rootid;")) << d.to_string();
  EXPECT_EQ(d.to_string(), "d2,R=f1~rootid;vis.tn:b1~abc123:f=webp:s=2048:r=128x128");

  auto parsed = Descriptor::parse("d2,R=f1~rootid;vis.tn:b1~abc123:f=webp:s=2048:r=128x128");
  ASSERT_TRUE(parsed) << parsed.error().to_string();
  EXPECT_EQ(parsed->root, "f1~rootid");
  ASSERT_EQ(parsed->variants.size(), 1u);
  EXPECT_EQ(parsed->variants[0].name, "vis.tn");
  EXPECT_EQ(*parsed, d);
}

TEST(DescriptorTest, FileIdHashesTheCanonicalText) {
  // Expected IDs computed by Python's hashlib (tests/data/make_content_id_vectors.py).
  std::string no_root;
  std::string with_root;
  auto file = testing::load_vectors("content_id_vectors.json");
  for (const auto& v : file["vectors"]) {
    if (v["name"] == "canonical descriptor, no root") no_root = v["id"];
    if (v["name"] == "canonical descriptor with root") with_root = v["id"];
  }
  ASSERT_FALSE(no_root.empty());
  ASSERT_FALSE(with_root.empty());
  EXPECT_EQ(reference_descriptor().file_id(), no_root);
  Descriptor d;
  d.root = "f1~rootid";
  d.variants.push_back(make_variant("vis.tn", "b1~abc123", "webp", 2048, 128, 128));
  EXPECT_EQ(d.file_id(), with_root);
  EXPECT_TRUE(verify_id(d.file_id(), d.to_string()));
}

TEST(DescriptorTest, ParsesLegacyD1) {
  auto d = Descriptor::parse(
      "d1~tn:b1~abc123:f=webp:s=2048:r=128x128,sd:b1~def456:f=webp:s=10240:r=720x720");
  ASSERT_TRUE(d) << d.error().to_string();
  EXPECT_FALSE(d->root);
  ASSERT_EQ(d->variants.size(), 2u);
  EXPECT_EQ(d->variants[0].name, "tn");
  EXPECT_EQ(d->variants[1].name, "sd");
  EXPECT_EQ(d->variants[1].blob_id, "b1~def456");
  EXPECT_EQ(d->variants[1].size, 10240u);
  // Generation always writes d2.
  EXPECT_EQ(d->to_string(),
            "d2,tn:b1~abc123:f=webp:s=2048:r=128x128;sd:b1~def456:f=webp:s=10240:r=720x720");
}

TEST(DescriptorTest, ParsesLeniently) {
  // Empty segments dropped, unknown properties ignored, a missing f= means avif, pg= read.
  auto d = Descriptor::parse(
      "d2,;;doc.orig:b1~pdf:s=900:r=0x0:pg=12:zz=what:x;;vis.tn:b1~t:s=10:r=1x1:f=png;");
  ASSERT_TRUE(d) << d.error().to_string();
  ASSERT_EQ(d->variants.size(), 2u);
  EXPECT_EQ(d->variants[0].format, "avif");
  EXPECT_EQ(d->variants[0].pages, 12u);
  EXPECT_EQ(d->variants[1].format, "png");  // props in any order
  EXPECT_EQ(d->to_string(),
            "d2,vis.tn:b1~t:f=png:s=10:r=1x1;doc.orig:b1~pdf:f=avif:s=900:r=0x0:pg=12");
  // Zero-valued optional fields parse but are not written back.
  auto zeros = Descriptor::parse("d2,vid.sd:b1~v:f=mp4:s=5:r=2x2:dur=0:br=0:pg=0");
  ASSERT_TRUE(zeros);
  EXPECT_EQ(zeros->variants[0].duration, 0.0);
  EXPECT_EQ(zeros->to_string(), "d2,vid.sd:b1~v:f=mp4:s=5:r=2x2");
  // An empty descriptor.
  auto empty = Descriptor::parse("d2,");
  ASSERT_TRUE(empty);
  EXPECT_TRUE(empty->variants.empty());
  EXPECT_EQ(empty->to_string(), "d2,");
  // Numbers at their limits.
  auto big = Descriptor::parse(
      "d2,orig:b1~o:s=18446744073709551615:r=4294967295x4294967295:br=4294967295:pg=4294967295");
  ASSERT_TRUE(big) << big.error().to_string();
  EXPECT_EQ(big->variants[0].size, std::numeric_limits<uint64_t>::max());
  EXPECT_EQ(big->variants[0].height, std::numeric_limits<uint32_t>::max());
}

TEST(DescriptorTest, SortsBySizeThenDimensionsThenName) {
  Descriptor d;
  d.variants.push_back(make_variant("orig", "b1~o", "jpeg", 900000, 4000, 3000));
  d.variants.push_back(make_variant("vis.md", "b1~m", "avif", 30000, 1280, 960));
  d.variants.push_back(make_variant("vis.sd", "b1~s", "avif", 30000, 720, 540));
  d.variants.push_back(make_variant("vis.b", "b1~b", "avif", 100, 64, 64));
  d.variants.push_back(make_variant("vis.a", "b1~a", "avif", 100, 64, 64));
  d.variants.push_back(make_variant("vis.pf", "b1~p", "avif", 100, 32, 64));
  std::string expected =
      "d2,vis.pf:b1~p:f=avif:s=100:r=32x64;vis.a:b1~a:f=avif:s=100:r=64x64;"
      "vis.b:b1~b:f=avif:s=100:r=64x64;vis.sd:b1~s:f=avif:s=30000:r=720x540;"
      "vis.md:b1~m:f=avif:s=30000:r=1280x960;orig:b1~o:f=jpeg:s=900000:r=4000x3000";
  EXPECT_EQ(d.to_string(), expected);
  // The input order does not matter, nor does availability.
  std::reverse(d.variants.begin(), d.variants.end());
  d.variants[2].available = false;
  EXPECT_EQ(d.to_string(), expected);
}

TEST(DescriptorTest, DurationsPrintAsRustDoes) {
  // Expected texts computed with Python's decimal module (tests/data/make_content_id_vectors.py).
  auto file = testing::load_vectors("content_id_vectors.json");
  ASSERT_GE(file["durations"].size(), 10u);
  for (const auto& v : file["durations"]) {
    double seconds = v["value"];
    std::string text = v["text"];
    Descriptor d;
    d.variants.push_back(make_variant("aud.md", "b1~a", "opus", 1, 0, 0));
    d.variants[0].duration = seconds;
    ASSERT_TRUE(d.validate());
    std::string generated = d.to_string();
    EXPECT_EQ(generated, "d2,aud.md:b1~a:f=opus:s=1:r=0x0:dur=" + text) << seconds;
    auto back = Descriptor::parse(generated);
    ASSERT_TRUE(back) << generated;
    EXPECT_EQ(back->variants[0].duration, seconds) << text;  // exactly the same double
  }
}

TEST(DescriptorTest, RoundTrips) {
  std::vector<Descriptor> cases;
  cases.push_back(reference_descriptor());
  Descriptor rooted = reference_descriptor();
  rooted.root = "f1~6A_MV8F8cImk_6XZsDgvKgnA0gDmREC0rFhLLYbOJWs";
  cases.push_back(rooted);
  Descriptor mixed;
  Variant doc = make_variant("doc.orig", blob_id(std::string_view("pdf")), "pdf", 12345, 595, 842);
  doc.pages = 3;
  Variant aud = make_variant("aud.md", blob_id(std::string_view("opus")), "opus", 777, 0, 0);
  aud.duration = 0.1 + 0.2;
  aud.bitrate = 128;
  Variant odd = make_variant("custom-name", "b1~x", "f=weird", 1, 1, 1);  // '=' is fine
  odd.duration = 1e-7;
  mixed.variants = {doc, aud, odd, make_variant("orig", "b1~o", "raw", 0, 0, 0)};
  cases.push_back(mixed);
  cases.push_back(Descriptor{});

  for (const Descriptor& x : cases) {
    ASSERT_TRUE(x.validate());
    std::string text = x.to_string();
    auto parsed = Descriptor::parse(text);
    ASSERT_TRUE(parsed) << text << ": " << parsed.error().to_string();
    EXPECT_EQ(parsed->to_string(), text);
    EXPECT_EQ(parsed->root, x.root);
    EXPECT_EQ(parsed->file_id(), x.file_id());
    // The same variants come back, in canonical order.
    std::vector<Variant> expected = x.variants;
    std::vector<Variant> got = parsed->variants;
    auto by_name = [](const Variant& a, const Variant& b) { return a.name < b.name; };
    std::sort(expected.begin(), expected.end(), by_name);
    std::sort(got.begin(), got.end(), by_name);
    EXPECT_EQ(got, expected) << text;
  }
}

TEST(DescriptorTest, RejectsMalformedText) {
  const std::string tn = "vis.tn:b1~abc:f=webp";
  for (const std::string& bad : std::vector<std::string>{
           "",
           "d2",
           "d1",
           "d3,vis.tn:b1~abc:s=1:r=1x1",
           "D2,vis.tn:b1~abc:s=1:r=1x1",
           " d2,vis.tn:b1~abc:s=1:r=1x1",
           "d1,vis.tn:b1~abc:s=1:r=1x1",
           "d2~vis.tn:b1~abc:s=1:r=1x1",
           "d2,vis.tn",                                         // no blob ID
           "d2,vis.tn:b1~abc",                                  // no s=, no r=
           "d2," + tn + ":r=1x1",                               // no s=
           "d2," + tn + ":s=1",                                 // no r=
           "d2," + tn + ":s=:r=1x1",                            // empty number
           "d2," + tn + ":s=-1:r=1x1",                          // negative
           "d2," + tn + ":s=+1:r=1x1",                          // sign
           "d2," + tn + ":s=1a:r=1x1",                          // not digits
           "d2," + tn + ":s=0x10:r=1x1",                        //
           "d2," + tn + ":s= 1:r=1x1",                          //
           "d2," + tn + ":s=18446744073709551616:r=1x1",        // 2^64
           "d2," + tn + ":s=1:r=128",                           // no 'x'
           "d2," + tn + ":s=1:r=128x",                          //
           "d2," + tn + ":s=1:r=x128",                          //
           "d2," + tn + ":s=1:r=1x2x3",                         // three parts
           "d2," + tn + ":s=1:r=4294967296x1",                  // 2^32
           "d2," + tn + ":s=1:r=-1x1",                          //
           "d2," + tn + ":s=1:r=1x1:br=4294967296",             //
           "d2," + tn + ":s=1:r=1x1:br=-5",                     //
           "d2," + tn + ":s=1:r=1x1:pg=1.5",                    //
           "d2," + tn + ":s=1:r=1x1:dur=-1",                    // negative duration
           "d2," + tn + ":s=1:r=1x1:dur=-0",                    //
           "d2," + tn + ":s=1:r=1x1:dur=inf",                   // not finite
           "d2," + tn + ":s=1:r=1x1:dur=nan",                   //
           "d2," + tn + ":s=1:r=1x1:dur=1e999",                 // overflows to infinity
           "d2," + tn + ":s=1:r=1x1:dur=",                      //
           "d2," + tn + ":s=1:r=1x1:dur=12s",                   //
           "d2,:b1~abc:s=1:r=1x1",                              // empty name
           "d2,vis.tn::s=1:r=1x1",                              // empty blob ID
           "d2,vis.tn:b1~abc:f=:s=1:r=1x1",                     // empty format
           "d2,vis\x01tn:b1~abc:s=1:r=1x1",                     // control character
           "d2,vis.tn:b1~a\xff:s=1:r=1x1",                      // not UTF-8
           "d2,R=;" + tn + ":s=1:r=1x1",                        // empty root
           "d2,vis.tn:b1~abc:s=1:r=1x1,vis.sd:b1~d:s=2:r=2x2",  // ',' inside a d2 entry
           "d1~R=f1~root:b1~abc:s=1:r=1x1",                     // d1 has no root
       }) {
    expect_malformed(bad);
  }
}

TEST(DescriptorTest, ValidateRejectsWhatCannotBeWritten) {
  Descriptor good = reference_descriptor();
  ASSERT_TRUE(good.validate());
  for (const char* name : {"", "vis:tn", "vis;tn", "vis,tn", "vis\ttn", "R=x", "a\x7f"}) {
    Descriptor d = good;
    d.variants[0].name = name;
    expect_invalid(d, name);
  }
  for (const char* blob : {"", "b1~a:b", "b1~a;b", "b1~a,b", "b1~\n"}) {
    Descriptor d = good;
    d.variants[0].blob_id = blob;
    expect_invalid(d, blob);
  }
  for (const char* format : {"", "a:b", "a;b", "a,b", "\x1b"}) {
    Descriptor d = good;
    d.variants[0].format = format;
    expect_invalid(d, format);
  }
  for (double seconds : {-1.0, -1e-300, std::numeric_limits<double>::infinity(),
                         std::numeric_limits<double>::quiet_NaN()}) {
    Descriptor d = good;
    d.variants[1].duration = seconds;
    expect_invalid(d, "duration");
  }
  for (const char* root : {"", "f1~a;b", "f1~\r"}) {
    Descriptor d = good;
    d.root = root;
    expect_invalid(d, root);
  }
  Descriptor bad_utf8 = good;
  bad_utf8.variants[0].name = "vis.\xc3";
  expect_invalid(bad_utf8, "bad UTF-8");
  // Characters that do not separate fields are fine.
  Descriptor fine = good;
  fine.variants[0].name = "vis.grüße=1.x";
  fine.root = "f1~root:with:colons,and,commas";
  EXPECT_TRUE(fine.validate());
  auto back = Descriptor::parse(fine.to_string());
  ASSERT_TRUE(back) << back.error().to_string();
  EXPECT_EQ(back->to_string(), fine.to_string());
}

TEST(VariantNameTest, ParsesEveryClassAndQuality) {
  const std::vector<std::pair<const char*, VariantClass>> classes{{"vis", VariantClass::kVisual},
                                                                  {"vid", VariantClass::kVideo},
                                                                  {"aud", VariantClass::kAudio},
                                                                  {"doc", VariantClass::kDocument},
                                                                  {"raw", VariantClass::kRaw}};
  const std::vector<std::pair<const char*, VariantQuality>> qualities{
      {"pf", VariantQuality::kProfile},   {"tn", VariantQuality::kThumbnail},
      {"sd", VariantQuality::kSmall},     {"md", VariantQuality::kMedium},
      {"hd", VariantQuality::kHigh},      {"xd", VariantQuality::kExtra},
      {"orig", VariantQuality::kOriginal}};
  for (auto [c, cls] : classes) {
    for (auto [q, quality] : qualities) {
      std::string name = std::string(c) + "." + q;
      auto parsed = parse_variant_name(name);
      ASSERT_TRUE(parsed) << name;
      EXPECT_EQ(parsed->cls, cls) << name;
      EXPECT_EQ(parsed->quality, quality) << name;
      std::string printed = to_string(*parsed);
      EXPECT_EQ(printed, name == "raw.orig" ? "orig" : name);
      EXPECT_EQ(parse_variant_name(printed).value(), *parsed) << name;
    }
  }
}

TEST(VariantNameTest, OrigAndLegacyNames) {
  EXPECT_EQ(parse_variant_name("orig").value(),
            (VariantName{VariantClass::kRaw, VariantQuality::kOriginal}));
  EXPECT_EQ(parse_variant_name("sd").value(),
            (VariantName{VariantClass::kVisual, VariantQuality::kSmall}));
  EXPECT_EQ(parse_variant_name("tn").value(),
            (VariantName{VariantClass::kVisual, VariantQuality::kThumbnail}));
  EXPECT_EQ(to_string(VariantName{VariantClass::kVisual, VariantQuality::kOriginal}), "vis.orig");
}

TEST(VariantNameTest, QualitiesAreOrderedBySize) {
  EXPECT_LT(VariantQuality::kProfile, VariantQuality::kThumbnail);
  EXPECT_LT(VariantQuality::kThumbnail, VariantQuality::kSmall);
  EXPECT_LT(VariantQuality::kSmall, VariantQuality::kMedium);
  EXPECT_LT(VariantQuality::kMedium, VariantQuality::kHigh);
  EXPECT_LT(VariantQuality::kHigh, VariantQuality::kExtra);
  EXPECT_LT(VariantQuality::kExtra, VariantQuality::kOriginal);
}

TEST(VariantNameTest, RejectsOtherNames) {
  for (const char* bad : {"", ".", "vis", "vis.", ".sd", "vis.sd.x", "VIS.sd", "vis.SD", "foo",
                          "vis.foo", "img.sd", "orig.vis", " sd", "sd ", "vis..sd"}) {
    auto r = parse_variant_name(bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument) << bad;
    EXPECT_EQ(r.error().reason, "CONTENT_VARIANT_NAME_INVALID") << bad;
  }
}

Variant sized(std::string name, uint32_t px, bool available = true) {
  Variant v = make_variant(name, "b1~" + name, "avif", uint64_t{px} * px / 10, px, px);
  v.available = available;
  return v;
}

// The three repository tests from the reference.
TEST(VariantSelectionTest, ReferenceCases) {
  {
    std::vector<Variant> vs{sized("vis.hd", 1920, false), sized("vis.tn", 128)};
    EXPECT_EQ(best_variant(vs, "vis.hd")->name, "vis.tn");
  }
  {
    std::vector<Variant> vs{sized("vis.hd", 1920), sized("vis.tn", 128)};
    EXPECT_EQ(best_variant(vs, "vis.hd")->name, "vis.hd");
  }
  {
    std::vector<Variant> vs{sized("vis.hd", 1920, false), sized("vis.md", 1280, false),
                            sized("vis.sd", 720, false), sized("vis.tn", 128, false),
                            sized("vis.pf", 64)};
    EXPECT_EQ(best_variant(vs, "vis.hd")->name, "vis.pf");
  }
}

TEST(VariantSelectionTest, FollowsFallbackChains) {
  std::vector<Variant> all{sized("vis.pf", 64),   sized("vis.tn", 128),  sized("vis.sd", 720),
                           sized("vis.md", 1280), sized("vis.hd", 1920), sized("vis.xd", 3840),
                           sized("orig", 5000)};
  auto without = [&](std::initializer_list<std::string_view> gone) {
    std::vector<Variant> out = all;
    for (Variant& v : out) {
      if (std::find(gone.begin(), gone.end(), v.name) != gone.end()) v.available = false;
    }
    return out;
  };
  EXPECT_EQ(best_variant(all, "vis.sd")->name, "vis.sd");
  EXPECT_EQ(best_variant(without({"vis.sd"}), "vis.sd")->name, "vis.md");
  EXPECT_EQ(best_variant(without({"vis.sd", "vis.md"}), "vis.sd")->name, "vis.tn");
  EXPECT_EQ(best_variant(without({"vis.sd", "vis.md", "vis.tn"}), "vis.sd")->name, "vis.pf");
  EXPECT_EQ(best_variant(without({"vis.tn"}), "vis.tn")->name, "vis.pf");
  EXPECT_EQ(best_variant(without({"vis.pf"}), "vis.pf")->name, "vis.tn");
  EXPECT_EQ(best_variant(without({"vis.md"}), "vis.md")->name, "vis.sd");
  EXPECT_EQ(best_variant(without({"vis.md", "vis.sd"}), "vis.md")->name, "vis.tn");
  // md's chain stops at tn: with only pf and hd left, the largest (hd) is served.
  EXPECT_EQ(best_variant(without({"vis.md", "vis.sd", "vis.tn", "vis.xd", "orig"}), "vis.md")->name,
            "vis.hd");
  EXPECT_EQ(best_variant(without({"vis.hd"}), "vis.hd")->name, "vis.md");
  EXPECT_EQ(best_variant(without({"vis.xd"}), "vis.xd")->name, "vis.hd");
  EXPECT_EQ(best_variant(without({"vis.xd", "vis.hd", "vis.md", "vis.sd"}), "vis.xd")->name,
            "vis.tn");
  // No request means the original; then xd, then hd, then the largest.
  EXPECT_EQ(best_variant(all, "")->name, "orig");
  EXPECT_EQ(best_variant(all, "orig")->name, "orig");
  EXPECT_EQ(best_variant(without({"orig"}), "")->name, "vis.xd");
  EXPECT_EQ(best_variant(without({"orig", "vis.xd"}), "")->name, "vis.hd");
  EXPECT_EQ(best_variant(without({"orig", "vis.xd", "vis.hd"}), "")->name, "vis.md");
}

TEST(VariantSelectionTest, FiltersByRequestedClass) {
  std::vector<Variant> vs{sized("vis.sd", 720), sized("vid.md", 1280), sized("vid.hd", 1920),
                          sized("custom", 4000)};
  EXPECT_EQ(best_variant(vs, "vid.sd")->name, "vid.md");
  EXPECT_EQ(best_variant(vs, "vis.sd")->name, "vis.sd");
  // Without a class every variant competes: "sd" matches vis.sd by its quality part.
  EXPECT_EQ(best_variant(vs, "sd")->name, "vis.sd");
  // An unparseable name counts as visual: the largest visual candidate when nothing matches.
  EXPECT_EQ(best_variant(vs, "vis.orig")->name, "custom");
  EXPECT_EQ(best_variant(vs, "vid.xd")->name, "vid.hd");
  // No audio at all.
  auto none = best_variant(vs, "aud.md");
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(none.error().reason, "CONTENT_VARIANT_NOT_FOUND");
}

TEST(VariantSelectionTest, MatchesLegacyNamesAndExactNamesFirst) {
  // A legacy "sd" is a visual small variant.
  std::vector<Variant> legacy{sized("tn", 128), sized("sd", 720)};
  EXPECT_EQ(best_variant(legacy, "vis.sd")->name, "sd");
  EXPECT_EQ(best_variant(legacy, "vis.md")->name, "sd");
  // The exact name wins over a quality-only match listed earlier.
  std::vector<Variant> both{sized("vid.sd", 720), sized("vis.sd", 720)};
  EXPECT_EQ(best_variant(both, "vis.sd")->name, "vis.sd");
  EXPECT_EQ(best_variant(both, "sd")->name, "vid.sd");
  // A custom request name matches exactly, else the largest is served.
  std::vector<Variant> custom{sized("poster", 300), sized("vis.tn", 128)};
  EXPECT_EQ(best_variant(custom, "poster")->name, "poster");
  EXPECT_EQ(best_variant(custom, "banner")->name, "poster");
}

TEST(VariantSelectionTest, NothingAvailable) {
  std::vector<Variant> vs{sized("vis.sd", 720, false)};
  for (std::string_view request : {"", "vis.sd", "sd", "whatever"}) {
    auto r = best_variant(vs, request);
    ASSERT_FALSE(r) << request;
    EXPECT_EQ(r.error().code, ErrorCode::kNotFound);
    EXPECT_EQ(r.error().reason, "CONTENT_VARIANT_NOT_FOUND");
  }
  EXPECT_FALSE(best_variant({}, "vis.sd"));
}

}  // namespace
}  // namespace cairn::content
