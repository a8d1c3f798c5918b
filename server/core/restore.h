// Seeding a new server's data directory from a backup (`arbord
// --restore_from=FILE`): the file is a snapshot file (an online backup from
// `arbor-cli backup`, or a ZooKeeper import from `arbor-zk-import`).
//
// Every server of the new cluster is seeded from the same file: each gets
// the snapshot as its log base (index = the backup's zxid, term = its term),
// the membership of its own --peers, and a commit index at the snapshot, so
// they agree on the whole log below it and elect a leader as usual. A server
// started empty next to seeded ones could win an election with an empty log,
// hence "seed every voter".
//
// Idempotent for the same file: the directory records what seeded it
// (<data>/RESTORED), and a later start with the same --restore_from goes on
// with the state it has. Any other non-empty directory is refused.
#pragma once

#include <string>

#include "common/status.h"
#include "server/core/server_options.h"

namespace arbor::core {

// Checks `backup_file` fully (framing, checksums, the tree loads) and seeds
// options.data_dir with it; Ok without change when that directory was
// seeded from the same backup already.
Status RestoreDataDir(const std::string& backup_file, const ServerOptions& options);

}  // namespace arbor::core
