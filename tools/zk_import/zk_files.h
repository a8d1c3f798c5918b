// Reading a ZooKeeper 3.x data directory: the snapshot files
// (`snapshot.<zxid hex>`, FileSnap: FileHeader "ZKSN" v2, sessions, the ACL
// cache, the nodes in pre-order, an Adler-32 seal, optionally a digest) and
// the transaction logs (`log.<first zxid hex>`, FileTxnLog: FileHeader
// "ZKLG" v2, then per transaction a long Adler-32, a buffer holding
// TxnHeader + record (+ TxnDigest), and an 'B' end-of-record byte; the file
// is preallocated with zeros after the last one). Integers big-endian (jute).
//
// Compressed snapshots (snapshot.*.gz / .snappy, zookeeper.snapshot.
// compression.method) are refused with a message: decompress them first.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "common/status.h"
#include "tools/zk_import/zk_state.h"

namespace arbor::zkimport {

struct ZkFile {
  std::string path;
  int64_t zxid = 0;  // from the name
};

// The files under `dir` (or `dir`/version-2 when it exists) named
// `<prefix>.<hex zxid>`, ascending by zxid.
Result<std::vector<ZkFile>> ListZkFiles(const std::string& dir, const std::string& prefix);

// Java's java.util.zip.Adler32 of `data`.
uint32_t Adler32(std::string_view data);

// Loads one snapshot file into *state (which must be empty) and checks its seal.
Status ReadSnapshot(const std::string& path, ZkState* state);

// Calls `fn` for every transaction of one log file, in order. Stops at the
// preallocated zeros; a record failing its checksum or cut short fails.
Status ReadTxnLog(const std::string& path, const std::function<Status(const ZkTxn&)>& fn);

}  // namespace arbor::zkimport
