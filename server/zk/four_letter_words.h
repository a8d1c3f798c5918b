// ZooKeeper's four-letter words: a connection whose first four bytes are
// one of these commands gets a plain-text answer and is closed (no frames,
// no session). Answers follow ZooKeeper 3.8's formats so tools that scrape
// them (zkctl.sh, monitoring agents, kazoo's test harness) work.
#pragma once

#include <set>
#include <string>
#include <string_view>

#include "server/zk/server_facts.h"

namespace arbor::zk {

// Counters shared by every ZooKeeper connection of one listener (loop
// thread only): packets received and sent, for srvr/stat/mntr.
struct ZkCounters {
  uint64_t received = 0;
  uint64_t sent = 0;
};

// True if `head` (the first 4 bytes of a connection) is a command we know:
// ruok srvr stat conf cons mntr wchs wchc wchp dump envi isro dirs.
bool IsFourLetterWord(std::string_view head);

// Parses an allow-list like ZooKeeper's 4lw.commands.whitelist:
// comma-separated commands, "*" for all. Unknown names are an error
// (returned in *error) so a typo in a flag is noticed at startup.
bool ParseFourLetterAllowList(std::string_view spec, std::set<std::string>* out, std::string* error);

// The text to send for `cmd` (one of IsFourLetterWord's). A command not in
// `allowed` gets ZooKeeper's refusal text instead.
std::string AnswerFourLetterWord(std::string_view cmd, const std::set<std::string>& allowed,
                                 const ServerFacts& facts, const ZkCounters& counters);

}  // namespace arbor::zk
