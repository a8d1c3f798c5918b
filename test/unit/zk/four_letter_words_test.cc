#include "server/zk/four_letter_words.h"

#include <gtest/gtest.h>

namespace arbor::zk {
namespace {

ServerFacts Facts() {
  ServerFacts f;
  f.server_id = 2;
  f.mode = "follower";
  f.serving = true;
  f.zxid = 0x1f;
  f.node_count = 12;
  f.zk_port = 2181;
  f.connections.push_back({"127.0.0.1:5000", "zookeeper", 0x42, 3});
  return f;
}

TEST(FourLetterWords, AllowListParsing) {
  std::set<std::string> allowed;
  std::string error;
  ASSERT_TRUE(ParseFourLetterAllowList("srvr, ruok", &allowed, &error));
  EXPECT_EQ(allowed, (std::set<std::string>{"ruok", "srvr"}));
  ASSERT_TRUE(ParseFourLetterAllowList("*", &allowed, &error));
  EXPECT_EQ(allowed.size(), 10u);
  ASSERT_TRUE(ParseFourLetterAllowList("", &allowed, &error));
  EXPECT_TRUE(allowed.empty());
  EXPECT_FALSE(ParseFourLetterAllowList("srvr,kill", &allowed, &error));
  EXPECT_NE(error.find("kill"), std::string::npos);
}

TEST(FourLetterWords, RefusedOutsideTheAllowList) {
  EXPECT_EQ(AnswerFourLetterWord("mntr", {"ruok"}, Facts(), {}),
            "mntr is not executed because it is not in the whitelist.\n");
  EXPECT_EQ(AnswerFourLetterWord("ruok", {"ruok"}, Facts(), {}), "imok");
}

TEST(FourLetterWords, SrvrAndStatReportTheServersFacts) {
  ZkCounters n{5, 4};
  std::string srvr = AnswerFourLetterWord("srvr", {"srvr"}, Facts(), n);
  EXPECT_NE(srvr.find("Mode: follower\n"), std::string::npos) << srvr;
  EXPECT_NE(srvr.find("Zxid: 0x1f\n"), std::string::npos) << srvr;
  EXPECT_NE(srvr.find("Node count: 12\n"), std::string::npos) << srvr;
  EXPECT_NE(srvr.find("Received: 5\nSent: 4\nConnections: 1\nOutstanding: 3\n"), std::string::npos) << srvr;
  EXPECT_EQ(srvr.find("Clients:"), std::string::npos);
  std::string stat = AnswerFourLetterWord("stat", {"stat"}, Facts(), n);
  EXPECT_NE(stat.find("Clients:\n /127.0.0.1:5000[1](queued=3,sid=0x42,proto=zookeeper)\n"), std::string::npos)
      << stat;
  ServerFacts down = Facts();
  down.serving = false;
  EXPECT_EQ(AnswerFourLetterWord("srvr", {"srvr"}, down, n),
            "This ZooKeeper instance is not currently serving requests\n");
}

TEST(FourLetterWords, MntrIsTabSeparated) {
  std::string m = AnswerFourLetterWord("mntr", {"mntr"}, Facts(), {});
  EXPECT_NE(m.find("zk_server_state\tfollower\n"), std::string::npos) << m;
  EXPECT_NE(m.find("zk_znode_count\t12\n"), std::string::npos) << m;
  EXPECT_EQ(m.find("zk_followers"), std::string::npos) << "only a leader reports followers";
}

}  // namespace
}  // namespace arbor::zk
