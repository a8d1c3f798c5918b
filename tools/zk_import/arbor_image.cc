#include "tools/zk_import/arbor_image.h"

#include <cstdio>
#include <map>
#include <vector>

#include "server/storage/file_util.h"
#include "server/storage/snapshot_file.h"
#include "server/tree/snapshot_codec.h"

namespace arbor::zkimport {
namespace {

std::string AclKey(const AclList& acl) {
  std::string k;
  for (const proto::Acl& a : acl) k += a.SerializeAsString() + '\0';
  return k;
}

}  // namespace

Result<std::unique_ptr<tree::StateMachine>> ToArborState(const ZkState& zk,
                                                          const std::function<std::string()>& password) {
  std::string bytes;
  StringSink sink(&bytes);
  tree::SnapshotWriter w(&sink);
  w.Raw("ARBORSNP");
  w.U32(2);
  w.I64(zk.last_zxid());
  w.U64(zk.sessions().size());
  for (const auto& [id, timeout] : zk.sessions()) {  // ascending ids
    if (id <= 0) {
      return Status::InvalidArgument("ZooKeeper session " + std::to_string(id) +
                                     " has a non-positive id (a server id above 127?); Arbor needs positive ids");
    }
    w.I64(id);
    w.I32(timeout);
    w.Bytes(password());
  }
  std::map<std::string, uint32_t> acl_index;
  std::vector<const AclList*> lists;
  for (const auto& [path, n] : zk.nodes()) {
    if (acl_index.emplace(AclKey(n.acl), static_cast<uint32_t>(lists.size())).second) lists.push_back(&n.acl);
  }
  w.U32(static_cast<uint32_t>(lists.size()));
  for (const AclList* list : lists) {
    w.U32(static_cast<uint32_t>(list->size()));
    for (const proto::Acl& a : *list) {
      w.I32(a.perms());
      w.Bytes(a.id().scheme());
      w.Bytes(a.id().id());
    }
  }
  w.U64(zk.nodes().size());
  // Pre-order with children by name, without recursion (trees can be deep).
  std::vector<std::string> stack{"/"};
  while (!stack.empty()) {
    std::string path = std::move(stack.back());
    stack.pop_back();
    const ZkNode& n = zk.nodes().at(path);
    w.Bytes(path == "/" ? "" : NameOf(path));
    w.I64(n.czxid);
    w.I64(n.mzxid);
    w.I64(n.pzxid);
    w.I64(n.ctime);
    w.I64(n.mtime);
    w.I64(n.ephemeral_owner);
    w.I32(n.version);
    // ZooKeeper stores creates; clients (and Arbor's store) see creates +
    // deletes = 2 x creates - children (DataNode.copyStat).
    w.I32(2 * n.cversion - static_cast<int32_t>(n.children.size()));
    w.I32(n.aversion);
    w.U32(acl_index.at(AclKey(n.acl)));
    if (n.null_data) {
      w.U32(0xFFFFFFFFu);
    } else {
      w.Bytes(n.data);
    }
    w.U32(static_cast<uint32_t>(n.children.size()));
    for (auto it = n.children.rbegin(); it != n.children.rend(); ++it) {
      stack.push_back(path == "/" ? "/" + *it : path + "/" + *it);
    }
  }
  ARBOR_RETURN_IF_ERROR(w.Finish());
  StringSource source(bytes);
  // Arbor's loader checks the structure (ephemerals have sessions and no
  // children, /zookeeper exists, names are valid, the CRC).
  auto sm = tree::StateMachine::Load(&source, tree::TreeOptions());
  if (!sm.ok()) return Status::Corruption("the converted state does not load in Arbor: " + sm.status().ToString());
  return sm;
}

Result<uint64_t> WriteBackupFile(const tree::StateMachine& sm, const std::string& out_file) {
  size_t slash = out_file.rfind('/');
  std::string dir = slash == std::string::npos ? "." : (slash == 0 ? "/" : out_file.substr(0, slash));
  raft::SnapshotMetadata meta;
  meta.set_index(static_cast<uint64_t>(sm.last_applied_zxid()));
  meta.set_term(1);
  auto writer = storage::SnapshotFileWriter::Create(dir, meta);
  if (!writer.ok()) return writer.status();
  uint64_t body = 0;
  struct Counting : ByteSink {
    storage::SnapshotFileWriter* w;
    uint64_t* n;
    Status Append(std::string_view b) override {
      *n += b.size();
      return w->Append(b);
    }
  } counting;
  counting.w = writer->get();
  counting.n = &body;
  ARBOR_RETURN_IF_ERROR(sm.Save(&counting));
  ARBOR_RETURN_IF_ERROR((*writer)->Commit());
  if (std::rename((*writer)->final_path().c_str(), out_file.c_str()) != 0) {
    return storage::ErrnoStatus("rename to " + out_file, (*writer)->final_path(), errno);
  }
  ARBOR_RETURN_IF_ERROR(storage::SyncDir(dir));
  auto size = storage::FileSize(out_file);
  if (!size.ok()) return size.status();
  return *size;
}

}  // namespace arbor::zkimport
