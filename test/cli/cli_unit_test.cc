// Pure parts of arbor-cli: word splitting, option parsing, ACL syntax, JSON.
#include <gtest/gtest.h>

#include "client/cli/format.h"
#include "client/cli/json_writer.h"
#include "client/cli/words.h"

namespace arbor::cli {
namespace {

TEST(CliWordsTest, TokenizeHonoursQuotesAndEscapes) {
  auto w = Tokenize(R"(multi "create /a x y" 'set /b "q"' c\ d "")");
  ASSERT_TRUE(w.ok());
  EXPECT_EQ(*w, (std::vector<std::string>{"multi", "create /a x y", "set /b \"q\"", "c d", ""}));
  EXPECT_FALSE(Tokenize("get \"/a").ok());
  EXPECT_TRUE(Tokenize("   ")->empty());
}

TEST(CliWordsTest, ParseArgsSplitsOptionsAndValues) {
  auto a = ParseArgs({"-es", "/p", "-t", "500", "data"}, "esct:");
  ASSERT_TRUE(a.ok());
  EXPECT_TRUE(a->Has('e'));
  EXPECT_TRUE(a->Has('s'));
  EXPECT_FALSE(a->Has('c'));
  EXPECT_EQ(a->Get('t'), "500");
  EXPECT_EQ(a->pos, (std::vector<std::string>{"/p", "data"}));
  EXPECT_EQ(ParseArgs({"-v5", "/p"}, "v:")->Get('v'), "5");
  EXPECT_EQ(ParseArgs({"/p", "--", "-1"}, "v:")->pos, (std::vector<std::string>{"/p", "-1"}));
  EXPECT_FALSE(ParseArgs({"-x", "/p"}, "v:").ok());
  EXPECT_FALSE(ParseArgs({"/p", "-v"}, "v:").ok());
  EXPECT_FALSE(ParseInt("12a", 0, 100, "n").ok());
  EXPECT_FALSE(ParseInt("101", 0, 100, "n").ok());
  EXPECT_EQ(*ParseInt("-1", -1, 100, "n"), -1);
}

TEST(CliFormatTest, AclRoundTrip) {
  auto acl = ParseAcl("world:anyone:r,digest:bob:h4sh=:cdrwa");
  ASSERT_TRUE(acl.ok());
  ASSERT_EQ(acl->size(), 2u);
  EXPECT_EQ((*acl)[1].id().scheme(), "digest");
  EXPECT_EQ((*acl)[1].id().id(), "bob:h4sh=");
  EXPECT_EQ((*acl)[1].perms(), proto::PERM_ALL);
  EXPECT_EQ((*acl)[0].perms(), proto::PERM_READ);
  EXPECT_EQ(AclText(*acl), "'world,'anyone\n: r\n'digest,'bob:h4sh=\n: cdrwa\n");
  EXPECT_FALSE(ParseAcl("world:anyone").ok());
  EXPECT_FALSE(ParseAcl("world:anyone:rq").ok());
}

TEST(CliFormatTest, JsonWriterEscapesAndNests) {
  JsonWriter w;
  w.BeginObject().Key("s").String("a\"b\\c\n\x01").Key("l").BeginArray().Int(-3).Bool(true).EndArray();
  w.Key("o").BeginObject().EndObject().EndObject();
  EXPECT_EQ(w.str(), "{\"s\":\"a\\\"b\\\\c\\n\\u0001\",\"l\":[-3,true],\"o\":{}}\n");
}

TEST(CliFormatTest, JsonWriterKeepsOrderAndAlwaysWritesValidUtf8) {
  JsonWriter w;
  w.BeginObject().Key("z").Int(1).Key("a").BeginArray().BeginObject().Key("k").String("v").EndObject().EndArray();
  w.Key("bin").String(std::string("\xff\xfeok", 4)).EndObject();
  // Members in the order written (not sorted); bytes that are not UTF-8
  // become U+FFFD instead of making the document invalid.
  EXPECT_EQ(w.str(), "{\"z\":1,\"a\":[{\"k\":\"v\"}],\"bin\":\"\xef\xbf\xbd\xef\xbf\xbdok\"}\n");
  EXPECT_EQ(JsonWriter::Quote("tab\t"), "\"tab\\t\"");
}

}  // namespace
}  // namespace arbor::cli
