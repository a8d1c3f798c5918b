#include "tools/zk_import/zk_files.h"

#include <dirent.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "common/zk_wire/jute_reader.h"

namespace arbor::zkimport {
namespace {

using zk_wire::JuteReader;

constexpr int32_t kSnapMagic = 0x5a4b534e;  // "ZKSN"
constexpr int32_t kLogMagic = 0x5a4b4c47;   // "ZKLG"

Result<std::string> ReadWholeFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::NotFound(path + ": " + std::strerror(errno));
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

Status Where(const std::string& path, size_t offset, const Status& s) {
  return Status::Corruption(path + " at byte " + std::to_string(offset) + ": " + s.message());
}

Status ReadHeader(JuteReader* r, int32_t magic, const std::string& path) {
  int32_t m, version;
  int64_t dbid;
  ARBOR_RETURN_IF_ERROR(r->ReadInt("magic", &m));
  ARBOR_RETURN_IF_ERROR(r->ReadInt("version", &version));
  ARBOR_RETURN_IF_ERROR(r->ReadLong("dbid", &dbid));
  if (m != magic) return Status::Corruption(path + ": not a ZooKeeper " + (magic == kSnapMagic ? "snapshot" : "txn log"));
  if (version != 2) return Status::Corruption(path + ": file format version " + std::to_string(version) + ", not 2");
  return Status::Ok();
}

}  // namespace

uint32_t Adler32(std::string_view data) {
  uint32_t a = 1, b = 0;
  // 5552 bytes is the longest run before the sums can overflow 32 bits.
  size_t i = 0;
  while (i < data.size()) {
    size_t end = std::min(data.size(), i + 5552);
    for (; i < end; ++i) {
      a += static_cast<uint8_t>(data[i]);
      b += a;
    }
    a %= 65521;
    b %= 65521;
  }
  return (b << 16) | a;
}

Result<std::vector<ZkFile>> ListZkFiles(const std::string& dir_in, const std::string& prefix) {
  std::string dir = dir_in;
  struct stat st;
  if (::stat((dir + "/version-2").c_str(), &st) == 0 && S_ISDIR(st.st_mode)) dir += "/version-2";
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) return Status::NotFound(dir + ": " + std::strerror(errno));
  std::vector<ZkFile> out;
  while (dirent* e = ::readdir(d)) {
    std::string name = e->d_name;
    if (name.compare(0, prefix.size() + 1, prefix + ".") != 0) continue;
    std::string hex = name.substr(prefix.size() + 1);
    if (hex.find('.') != std::string::npos) {
      ::closedir(d);
      return Status::InvalidArgument(dir + "/" + name + " is compressed (zookeeper.snapshot.compression.method); "
                                     "decompress it to " + prefix + "." + hex.substr(0, hex.find('.')) + " first");
    }
    char* end = nullptr;
    errno = 0;
    unsigned long long z = std::strtoull(hex.c_str(), &end, 16);
    if (hex.empty() || *end != '\0' || errno != 0) continue;
    out.push_back({dir + "/" + name, static_cast<int64_t>(z)});
  }
  ::closedir(d);
  std::sort(out.begin(), out.end(), [](const ZkFile& a, const ZkFile& b) { return a.zxid < b.zxid; });
  return out;
}

Status ReadSnapshot(const std::string& path, ZkState* state) {
  auto bytes = ReadWholeFile(path);
  if (!bytes.ok()) return bytes.status();
  JuteReader r(*bytes);
  Status s = [&]() -> Status {
    ARBOR_RETURN_IF_ERROR(ReadHeader(&r, kSnapMagic, path));
    int32_t count;
    ARBOR_RETURN_IF_ERROR(r.ReadInt("session count", &count));
    if (count < 0) return Status::Corruption("negative session count");
    for (int32_t i = 0; i < count; ++i) {
      int64_t id;
      int32_t timeout;
      ARBOR_RETURN_IF_ERROR(r.ReadLong("session id", &id));
      ARBOR_RETURN_IF_ERROR(r.ReadInt("session timeout", &timeout));
      state->AddSession(id, timeout);
    }
    // ReferenceCountedACLCache: long id -> ACL list; -1 is the open ACL.
    std::map<int64_t, AclList> acls;
    AclList open(1);
    open[0].set_perms(proto::PERM_ALL);
    open[0].mutable_id()->set_scheme("world");
    open[0].mutable_id()->set_id("anyone");
    acls[-1] = open;
    int32_t lists;
    ARBOR_RETURN_IF_ERROR(r.ReadInt("acl map size", &lists));
    if (lists < 0) return Status::Corruption("negative acl map size");
    for (int32_t i = 0; i < lists; ++i) {
      int64_t id;
      int32_t n;
      ARBOR_RETURN_IF_ERROR(r.ReadLong("acl id", &id));
      ARBOR_RETURN_IF_ERROR(r.ReadVectorCount("acls", 12, &n));
      AclList& list = acls[id];
      for (int32_t j = 0; j < n; ++j) {
        proto::Acl a;
        int32_t perms;
        std::string str;
        ARBOR_RETURN_IF_ERROR(r.ReadInt("perms", &perms));
        a.set_perms(perms);
        ARBOR_RETURN_IF_ERROR(r.ReadString("scheme", &str));
        a.mutable_id()->set_scheme(str);
        ARBOR_RETURN_IF_ERROR(r.ReadString("id", &str));
        a.mutable_id()->set_id(str);
        list.push_back(std::move(a));
      }
    }
    // Nodes in pre-order, the root as "", until the path "/".
    for (;;) {
      std::string node_path;
      ARBOR_RETURN_IF_ERROR(r.ReadString("path", &node_path));
      if (node_path == "/") break;
      ZkNode n;
      int64_t acl_id;
      ARBOR_RETURN_IF_ERROR(r.ReadBuffer("data", &n.data, &n.null_data));
      ARBOR_RETURN_IF_ERROR(r.ReadLong("acl", &acl_id));
      ARBOR_RETURN_IF_ERROR(r.ReadLong("czxid", &n.czxid));
      ARBOR_RETURN_IF_ERROR(r.ReadLong("mzxid", &n.mzxid));
      ARBOR_RETURN_IF_ERROR(r.ReadLong("ctime", &n.ctime));
      ARBOR_RETURN_IF_ERROR(r.ReadLong("mtime", &n.mtime));
      ARBOR_RETURN_IF_ERROR(r.ReadInt("version", &n.version));
      ARBOR_RETURN_IF_ERROR(r.ReadInt("cversion", &n.cversion));
      ARBOR_RETURN_IF_ERROR(r.ReadInt("aversion", &n.aversion));
      ARBOR_RETURN_IF_ERROR(r.ReadLong("ephemeralOwner", &n.ephemeral_owner));
      ARBOR_RETURN_IF_ERROR(r.ReadLong("pzxid", &n.pzxid));
      auto acl = acls.find(acl_id);
      if (acl == acls.end()) return Status::Corruption(node_path + " refers to unknown ACL " + std::to_string(acl_id));
      n.acl = acl->second;
      ARBOR_RETURN_IF_ERROR(state->AddSnapshotNode(node_path, std::move(n)));
    }
    // The seal: Adler-32 of everything before it, then the string "/".
    uint32_t expect = Adler32(std::string_view(*bytes).substr(0, r.offset()));
    int64_t seal;
    std::string slash;
    ARBOR_RETURN_IF_ERROR(r.ReadLong("checksum", &seal));
    ARBOR_RETURN_IF_ERROR(r.ReadString("seal path", &slash));
    if (static_cast<uint64_t>(seal) != expect || slash != "/") {
      return Status::Corruption("checksum mismatch (Adler-32 " + std::to_string(expect) + ", sealed " +
                                std::to_string(seal) + ")");
    }
    // What follows (a ZxidDigest and a second seal, ZooKeeper 3.6+) is a
    // consistency check of ZooKeeper's own; the tree is complete here.
    return Status::Ok();
  }();
  if (!s.ok()) return Where(path, r.offset(), s);
  if (state->nodes().count("/") == 0) return Status::Corruption(path + ": no root node");
  return Status::Ok();
}

Status ReadTxnLog(const std::string& path, const std::function<Status(const ZkTxn&)>& fn) {
  auto bytes = ReadWholeFile(path);
  if (!bytes.ok()) return bytes.status();
  const std::string_view all(*bytes);
  {
    JuteReader head(all);
    Status s = ReadHeader(&head, kLogMagic, path);
    if (!s.ok()) return Where(path, head.offset(), s);
  }
  auto be = [&](size_t at, int n) {
    uint64_t v = 0;
    for (int i = 0; i < n; ++i) v = (v << 8) | static_cast<uint8_t>(all[at + static_cast<size_t>(i)]);
    return v;
  };
  size_t at = 16;  // after the FileHeader
  for (;;) {
    // The end: the file's end, or the zeros ZooKeeper preallocates.
    if (all.size() - at < 12) return Status::Ok();
    const uint64_t crc = be(at, 8);
    const int32_t len = static_cast<int32_t>(be(at + 8, 4));
    if (len == 0) return Status::Ok();
    if (len < 0 || all.size() - at - 12 < static_cast<size_t>(len) + 1) {
      return Status::Corruption(path + " at byte " + std::to_string(at) + ": a transaction cut short (length " +
                                std::to_string(len) + "); the server may have crashed mid-write. Refusing to guess");
    }
    std::string_view rec = all.substr(at + 12, static_cast<size_t>(len));
    if (Adler32(rec) != crc) {
      return Status::Corruption(path + " at byte " + std::to_string(at) + ": transaction checksum mismatch");
    }
    if (all[at + 12 + static_cast<size_t>(len)] != 'B') {
      return Status::Corruption(path + " at byte " + std::to_string(at) + ": no end-of-record mark");
    }
    JuteReader txn(rec);
    ZkTxn t;
    int32_t cxid;
    Status s = txn.ReadLong("clientId", &t.client_id);
    if (s.ok()) s = txn.ReadInt("cxid", &cxid);
    if (s.ok()) s = txn.ReadLong("zxid", &t.zxid);
    if (s.ok()) s = txn.ReadLong("time", &t.time);
    if (s.ok()) s = txn.ReadInt("type", &t.type);
    if (!s.ok()) return Where(path, at, s);
    t.body.assign(rec.substr(txn.offset()));
    ARBOR_RETURN_IF_ERROR(fn(t));
    at += 12 + static_cast<size_t>(len) + 1;
  }
}

}  // namespace arbor::zkimport
