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
  EXPECT_EQ(allowed.size(), 13u);
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

TEST(FourLetterWords, LatenciesAndPerConnectionFiguresAreReported) {
  ServerFacts f = Facts();
  f.avg_latency_ms = 1.25;
  f.min_latency_ms = 0;
  f.max_latency_ms = 7;
  ConnectionFacts& c = f.connections[0];
  c.has_stats = true;
  c.received = 9;
  c.sent = 11;
  c.last_op = "getData";
  c.established_ms = 1700000000000;
  c.timeout_ms = 30000;
  c.last_xid = 8;
  c.last_zxid = 0x1f;
  c.last_response_ms = 1700000000500;
  c.last_latency_ms = 1;
  c.max_latency_ms = 4;
  c.avg_latency_ms = 0.5;
  std::string m = AnswerFourLetterWord("mntr", {"mntr"}, f, {});
  EXPECT_NE(m.find("zk_avg_latency\t1.2500\nzk_max_latency\t7\nzk_min_latency\t0\n"), std::string::npos) << m;
  EXPECT_NE(AnswerFourLetterWord("srvr", {"srvr"}, f, {}).find("Latency min/avg/max: 0/1.2500/7\n"),
            std::string::npos);
  // ZooKeeper's cons line.
  EXPECT_EQ(AnswerFourLetterWord("cons", {"cons"}, f, {}),
            " /127.0.0.1:5000[1](queued=3,recved=9,sent=11,sid=0x42,lop=GETD,est=1700000000000,to=30000,"
            "lcxid=0x8,lzxid=0x1f,lresp=1700000000500,llat=1,minlat=0,avglat=0.5000,maxlat=4,proto=zookeeper)\n\n");
}

TEST(FourLetterWords, WatchAndSessionListsInZooKeepersFormats) {
  ServerFacts f = Facts();
  f.watches = {{"/a", 0x11}, {"/b", 0x11}, {"/a", 0x22}};
  EXPECT_EQ(AnswerFourLetterWord("wchc", {"wchc"}, f, {}), "0x11\n\t/a\n\t/b\n0x22\n\t/a\n");
  EXPECT_EQ(AnswerFourLetterWord("wchp", {"wchp"}, f, {}), "/a\n\t0x11\n\t0x22\n/b\n\t0x11\n");
  f.sessions = {{0x11, 4000, {"/e1", "/e2"}}, {0x22, 6000, {}}};
  EXPECT_EQ(AnswerFourLetterWord("dump", {"dump"}, f, {}),
            "SessionTracker dump:\nGlobal Sessions(2):\n0x11\t4000ms\n0x22\t6000ms\n"
            "ephemeral nodes dump:\nSessions with Ephemerals (1):\n0x11:\n\t/e1\n\t/e2\n");
}

TEST(FourLetterWords, MntrIsTabSeparated) {
  std::string m = AnswerFourLetterWord("mntr", {"mntr"}, Facts(), {});
  EXPECT_NE(m.find("zk_server_state\tfollower\n"), std::string::npos) << m;
  EXPECT_NE(m.find("zk_znode_count\t12\n"), std::string::npos) << m;
  EXPECT_EQ(m.find("zk_followers"), std::string::npos) << "only a leader reports followers";
}

}  // namespace
}  // namespace arbor::zk
