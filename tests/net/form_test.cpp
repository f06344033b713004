// cairn::net URL-encoded text (form.hpp): percent-encoding, forms and query strings, and
// Request::query_param reading through the same parser.
#include "cairn/net/form.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace cairn::net {
namespace {

void expect_form_invalid(std::string_view text) {
  Result<FormData> r = parse_form(text);
  ASSERT_FALSE(r) << "accepted: " << text;
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(r.error().reason, "HTTP_FORM_INVALID");
}

TEST(FormTest, PercentEncodingKeepsOnlyUnreservedCharacters) {
  EXPECT_EQ(percent_encode("AZaz09-._~"), "AZaz09-._~");
  EXPECT_EQ(percent_encode("a b+c/d?e&f=g%h"), "a%20b%2Bc%2Fd%3Fe%26f%3Dg%25h");
  EXPECT_EQ(percent_encode("J\xC3\xBCrgen"), "J%C3%BCrgen");
  EXPECT_EQ(percent_encode(std::string_view("\0\xFF", 2)), "%00%FF");
  EXPECT_EQ(percent_encode(""), "");
  EXPECT_EQ(form_encode_component("a b+c"), "a+b%2Bc");
  EXPECT_EQ(form_encode_component("~*'()!"), "~%2A%27%28%29%21");
}

TEST(FormTest, EncodesPairsInOrder) {
  FormData form;
  form.add("q", "cats & dogs");
  form.add("tag", "x");
  form.add("tag", "y=z");
  form.add("", "");
  EXPECT_EQ(encode_form(form), "q=cats+%26+dogs&tag=x&tag=y%3Dz&=");
  EXPECT_EQ(encode_form(FormData{}), "");
}

TEST(FormTest, DecodesRepeatedKeysInOrder) {
  Result<FormData> r = parse_form("tag=a&q=J%C3%BCrgen+M&tag=b&flag&empty=&=v&x=1=2&tag=c");
  ASSERT_TRUE(r) << r.error().to_string();
  std::vector<FormField> want = {{"tag", "a"},  {"q", "J\xC3\xBCrgen M"},
                                 {"tag", "b"},  {"flag", ""},
                                 {"empty", ""}, {"", "v"},
                                 {"x", "1=2"},  {"tag", "c"}};
  EXPECT_EQ(r->fields(), want);
  EXPECT_EQ(r->get("tag"), "a");
  EXPECT_EQ(r->all("tag"), (std::vector<std::string_view>{"a", "b", "c"}));
  EXPECT_EQ(r->get("flag"), "");
  EXPECT_FALSE(r->get("missing"));
  EXPECT_FALSE(r->contains("Tag"));
}

TEST(FormTest, SkipsEmptyPairsAndKeepsSemicolons) {
  Result<FormData> r = parse_form("&&a=1&&b=2;c=3&");
  ASSERT_TRUE(r);
  std::vector<FormField> want = {{"a", "1"}, {"b", "2;c=3"}};
  EXPECT_EQ(r->fields(), want);
  ASSERT_TRUE(parse_form(""));
  EXPECT_TRUE(parse_form("")->empty());
}

TEST(FormTest, RefusesMalformedEscapesNulAndBadUtf8) {
  for (std::string_view text :
       {"a=%zz", "a=%4", "a=%", "%G1=1", "ok=1&b=%00", "a=%FF", "a=%C3", "a=%ED%A0%80", "\xFF=1"}) {
    SCOPED_TRACE(text);
    expect_form_invalid(text);
  }
}

TEST(FormTest, RoundTripsEveryByteButNul) {
  std::string all;
  for (int b = 1; b < 0x80; ++b) all += static_cast<char>(b);
  all += "\xC3\xA9\xF0\x9F\x98\x80";
  FormData form;
  form.add(all, all);
  form.add("a b", "");
  Result<FormData> back = parse_form(encode_form(form));
  ASSERT_TRUE(back) << back.error().to_string();
  EXPECT_EQ(back->fields(), form.fields());
}

TEST(FormTest, QueryParamReadsThroughTheFormParser) {
  Request req;
  req.query = "a=1&name=J%C3%BCrgen+M&flag&a=2";
  EXPECT_EQ(req.query_param("a"), "1");
  EXPECT_EQ(req.query_param("name"), "J\xC3\xBCrgen M");
  EXPECT_EQ(req.query_param("flag"), "");
  EXPECT_FALSE(req.query_param("missing"));
  Result<FormData> q = query_params(req);
  ASSERT_TRUE(q);
  EXPECT_EQ(q->all("a"), (std::vector<std::string_view>{"1", "2"}));

  req.query = "a=1&b=%zz";
  EXPECT_FALSE(req.query_param("a"));  // a malformed query has no parameters
  Result<FormData> bad = query_params(req);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().reason, "HTTP_FORM_INVALID");
}

TEST(FormTest, FormBodyChecksTheContentType) {
  Request req;
  req.body = "user=ann&scope=read&scope=write";
  Result<FormData> missing = form_body(req);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(missing.error().reason, "HTTP_FORM_CONTENT_TYPE");

  req.headers.set("Content-Type", "application/json");
  ASSERT_FALSE(form_body(req));
  EXPECT_EQ(form_body(req).error().reason, "HTTP_FORM_CONTENT_TYPE");
  req.headers.set("Content-Type", "application/x-www-form-urlencoded-not");
  EXPECT_FALSE(form_body(req));

  req.headers.set("Content-Type", " Application/X-WWW-Form-URLEncoded ; charset=UTF-8");
  Result<FormData> form = form_body(req);
  ASSERT_TRUE(form) << form.error().to_string();
  EXPECT_EQ(form->get("user"), "ann");
  EXPECT_EQ(form->all("scope"), (std::vector<std::string_view>{"read", "write"}));

  req.body = "user=%";
  Result<FormData> bad = form_body(req);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().reason, "HTTP_FORM_INVALID");
}

}  // namespace
}  // namespace cairn::net
