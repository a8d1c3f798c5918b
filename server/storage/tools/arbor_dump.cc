// arbor-dump: prints what a server's data directory holds, for operators.
//
//   arbor-dump --data_dir=/var/lib/arbor [--entries] [--decode] [--from=N] [--limit=N]
//   arbor-dump --backup=FILE      checks a backup (arbor-cli backup, arbor-zk-import)
//
// Read-only (LMDB MDB_RDONLY; it may run next to a live server). Every log
// record and snapshot file is checked; exit status 0 when everything is
// valid, 2 when corruption was found, 1 when the directory cannot be read.
#include <gflags/gflags.h>
#include <glog/logging.h>

#include <iostream>
#include <string>

#include "proto/log_entry.pb.h"
#include "proto/raft.pb.h"
#include "server/storage/log_store.h"
#include "server/storage/snapshot_store.h"
#include "server/tree/state_machine.h"

DEFINE_string(data_dir, "", "the server's data directory (holds log/ and snap/)");
DEFINE_bool(entries, false, "list log entries (index, term, type, size)");
DEFINE_bool(decode, false, "with --entries, also decode each entry's data");
DEFINE_uint64(from, 0, "with --entries, start at this index");
DEFINE_uint64(limit, 1000, "with --entries, print at most this many");
DEFINE_string(backup, "",
              "instead of a data directory, check this backup file (framing, checksums, the state loads) and "
              "print its zxid, term, znodes and sessions");

namespace arbor::storage {
namespace {

std::string Ids(const google::protobuf::RepeatedField<uint64_t>& ids) {
  std::string s = "[";
  for (int i = 0; i < ids.size(); ++i) s += (i ? "," : "") + std::to_string(ids[i]);
  return s + "]";
}

std::string Decode(const raft::Entry& e) {
  if (e.type() == raft::ENTRY_CONF_CHANGE) {
    raft::ConfChange cc;
    return cc.ParseFromString(e.data()) ? cc.ShortDebugString() : "<ConfChange does not parse>";
  }
  if (e.data().empty()) return "<no-op>";
  proto::LogEntry le;
  return le.ParseFromString(e.data()) ? le.ShortDebugString() : "<LogEntry does not parse>";
}

// Returns the number of problems found.
int DumpLog(const std::string& dir, uint64_t* recorded_index) {
  Result<std::unique_ptr<LogStore>> opened = LogStore::Open(dir, StorageOptions(), LogStore::Mode::kInspect);
  if (!opened.ok()) {
    std::cout << "log: " << opened.status().ToString() << "\n";
    return opened.status().IsNotFound() ? 0 : 1;
  }
  LogStore& log = **opened;
  raft::HardState hs;
  raft::ConfState cs;
  (void)log.InitialState(&hs, &cs);
  raft::SnapshotMetadata snap = log.Snapshot();
  *recorded_index = snap.index();
  LogBase base = log.base();
  std::cout << "log file:      " << log.data_file() << "\n"
            << "hard state:    term=" << hs.term() << " vote=" << hs.vote() << " commit=" << hs.commit() << "\n"
            << "conf state:    voters=" << Ids(cs.voters()) << " learners=" << Ids(cs.learners()) << "\n"
            << "snapshot:      index=" << snap.index() << " term=" << snap.term() << "\n"
            << "log range:     base index=" << base.index << " term=" << base.term << "; entries "
            << log.FirstIndex() << ".." << log.LastIndex() << "\n";
  int problems = static_cast<int>(log.notes().size());
  for (const std::string& n : log.notes()) std::cout << "PROBLEM:       " << n << "\n";
  if (!FLAGS_entries) return problems;
  uint64_t printed = 0;
  Status s = log.ScanLog([&](uint64_t index, const Status& rs, const raft::Entry& e) {
    if (index < FLAGS_from || printed >= FLAGS_limit) return;
    ++printed;
    if (!rs.ok()) {
      std::cout << "  " << index << " CORRUPT: " << rs.message() << "\n";
      return;
    }
    std::cout << "  " << index << " term=" << e.term() << " type=" << raft::EntryType_Name(e.type())
              << " size=" << e.data().size();
    if (FLAGS_decode) std::cout << " " << Decode(e);
    std::cout << "\n";
  });
  if (!s.ok()) std::cout << "scan: " << s.ToString() << "\n";
  return problems + (s.ok() ? 0 : 1);
}

int DumpSnapshots(const std::string& dir, uint64_t recorded_index) {
  SnapshotStore store(dir);
  Result<std::vector<SnapshotFile>> files = store.List();
  if (!files.ok()) {
    std::cout << "snapshots: " << files.status().ToString() << "\n";
    return 0;
  }
  std::cout << "snapshot files (" << files->size() << "), newest first:\n";
  int problems = 0;
  for (const SnapshotFile& f : *files) {
    Result<raft::SnapshotMetadata> meta = SnapshotStore::Verify(f);
    std::cout << "  " << f.path << " index=" << f.index << " term=" << f.term;
    const char* role = f.index == recorded_index  ? " (in use)"
                       : f.index > recorded_index ? " (not recorded by the log: removed at the next start)"
                                                  : " (older fallback)";
    if (meta.ok()) {
      std::cout << " voters=" << Ids(meta->conf_state().voters()) << " VALID" << role << "\n";
    } else {
      ++problems;
      std::cout << " INVALID" << role << ": " << meta.status().message() << "\n";
    }
  }
  return problems;
}

// A backup is one snapshot file outside any data directory; what
// `arbord --restore_from` would check before seeding from it.
int CheckBackup(const std::string& path) {
  std::cout << "backup file:   " << path << "\n";
  auto reader = SnapshotFileReader::Open(path);
  if (!reader.ok()) {
    std::cout << "INVALID: " << reader.status().ToString() << "\n";
    return 2;
  }
  const raft::SnapshotMetadata& meta = (*reader)->metadata();
  std::cout << "header:        zxid=" << meta.index() << " term=" << meta.term()
            << " voters=" << Ids(meta.conf_state().voters()) << " body=" << (*reader)->body_bytes() << " bytes\n";
  Status s = (*reader)->VerifyBody();
  if (!s.ok()) {
    std::cout << "INVALID: " << s.ToString() << "\n";
    return 2;
  }
  auto sm = tree::StateMachine::Load(reader->get(), tree::TreeOptions());
  if (!sm.ok()) {
    std::cout << "INVALID: the state does not load: " << sm.status().ToString() << "\n";
    return 2;
  }
  if (static_cast<uint64_t>((*sm)->last_applied_zxid()) != meta.index()) {
    std::cout << "INVALID: the state is at zxid " << (*sm)->last_applied_zxid() << ", the header says "
              << meta.index() << "\n";
    return 2;
  }
  std::cout << "state:         " << (*sm)->tree().node_count() << " znodes, " << (*sm)->sessions().size()
            << " sessions\n"
            << "VALID\n";
  return 0;
}

}  // namespace
}  // namespace arbor::storage

int main(int argc, char** argv) {
  gflags::SetUsageMessage(
      "arbor-dump --data_dir=DIR [--entries [--decode] [--from=N] [--limit=N]] | arbor-dump --backup=FILE");
  gflags::ParseCommandLineFlags(&argc, &argv, true);
  google::InitGoogleLogging(argv[0]);
  if (!FLAGS_backup.empty()) return arbor::storage::CheckBackup(FLAGS_backup);
  if (FLAGS_data_dir.empty()) {
    std::cerr << "arbor-dump: --data_dir (or --backup) is required\n";
    return 1;
  }
  std::cout << "data dir:      " << FLAGS_data_dir << "\n";
  uint64_t recorded_index = 0;
  int log_problems = arbor::storage::DumpLog(FLAGS_data_dir + "/log", &recorded_index);
  int snap_problems = arbor::storage::DumpSnapshots(FLAGS_data_dir + "/snap", recorded_index);
  if (log_problems + snap_problems == 0) return 0;
  std::cout << "found " << (log_problems + snap_problems) << " problem(s); see docs/STORAGE.md, \"corruption\"\n";
  return 2;
}
