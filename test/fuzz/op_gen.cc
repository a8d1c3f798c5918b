#include "test/fuzz/op_gen.h"

namespace arbor::fuzz {
namespace {

constexpr const char* kNames[] = {"a", "b", "c", "zookeeper", "quota", "x0000000001", ".", "\xc3\xa9"};
constexpr int64_t kSessions[] = {1, 2, 3, 0x7fffffffffffffffll, 0, -1, 4};
constexpr int64_t kTimes[] = {0, -1, INT64_MAX, INT64_MIN, 1ll << 40, (1ll << 62) + 5};
constexpr int64_t kTtls[] = {1, 0, -1, 0xFFFFFFFFFFll, 0x10000000000ll, INT64_MAX, 5};

}  // namespace

int64_t OpGenerator::Session() { return kSessions[in_->Range(0, 6)]; }

std::string OpGenerator::Path() {
  switch (in_->Range(0, 15)) {
    case 0:
      return "/";
    case 1:
      return in_->Bytes(12);  // anything, invalid paths and UTF-8 included
    default: {
      std::string p;
      int depth = static_cast<int>(in_->Range(1, 4));
      for (int i = 0; i < depth; ++i) p += std::string("/") + kNames[in_->Range(0, 7)];
      if (in_->Range(0, 15) == 0) p += "/";  // trailing slash: a sequential prefix
      return p;
    }
  }
}

proto::Id OpGenerator::SomeId() {
  proto::Id id;
  switch (in_->Range(0, 5)) {
    case 0: id.set_scheme("world"); id.set_id("anyone"); break;
    case 1: id.set_scheme("digest"); id.set_id("u:" + in_->Bytes(4)); break;
    case 2: id.set_scheme("auth"); id.set_id(""); break;
    case 3: id.set_scheme("ip"); id.set_id(in_->Bool() ? "127.0.0.1/8" : in_->Bytes(8)); break;
    case 4: id.set_scheme("super"); id.set_id("admin"); break;
    default: id.set_scheme(in_->Bytes(6)); id.set_id(in_->Bytes(6)); break;
  }
  return id;
}

void OpGenerator::FillAcl(google::protobuf::RepeatedPtrField<proto::Acl>* acl) {
  int n = in_->Range(0, 7) == 0 ? static_cast<int>(in_->Range(0, 3)) : 1;
  for (int i = 0; i < n; ++i) {
    proto::Acl* a = acl->Add();
    bool open = in_->Range(0, 3) != 0;
    a->set_perms(open ? proto::PERM_ALL : static_cast<int32_t>(in_->Range(-1, 40)));
    *a->mutable_id() = open ? proto::Id() : SomeId();
    if (open) {
      a->mutable_id()->set_scheme("world");
      a->mutable_id()->set_id("anyone");
    }
  }
}

int32_t OpGenerator::Version() {
  return in_->Bool() ? -1 : static_cast<int32_t>(in_->Range(-2, 3));
}

void OpGenerator::FillCreate(proto::CreateRequest* c) {
  c->set_path(Path());
  c->set_data(in_->Bytes(40));
  FillAcl(c->mutable_acl());
  c->set_mode(static_cast<proto::CreateMode>(in_->Range(0, 7)));  // 7 is not a mode
  if (in_->Bool()) c->set_ttl_ms(kTtls[in_->Range(0, 6)]);
  switch (in_->Range(0, 7)) {
    case 0: c->set_null_data(true); c->clear_data(); break;  // ZooKeeper's null data
    case 1: c->set_null_data(true); break;                   // null with bytes: refused
    case 2: c->set_sequential(true); break;                  // meant for CONTAINER
    default: break;
  }
}

proto::Request OpGenerator::WriteRequest() {
  proto::Request r;
  r.set_xid(static_cast<int32_t>(in_->Range(0, 1000)));
  switch (in_->Range(0, 8)) {
    case 0: case 1:
      FillCreate(r.mutable_create());
      break;
    case 2:
      r.mutable_delete_()->set_path(Path());
      r.mutable_delete_()->set_version(Version());
      r.mutable_delete_()->set_container_only(in_->Range(0, 7) == 0);
      break;
    case 3:
      r.mutable_set_data()->set_path(Path());
      r.mutable_set_data()->set_data(in_->Bytes(40));
      r.mutable_set_data()->set_version(Version());
      if (in_->Range(0, 7) == 0) r.mutable_set_data()->set_null_data(true);
      break;
    case 4:
      r.mutable_set_acl()->set_path(Path());
      FillAcl(r.mutable_set_acl()->mutable_acl());
      r.mutable_set_acl()->set_version(Version());
      break;
    case 5:
      r.mutable_check()->set_path(Path());
      r.mutable_check()->set_version(Version());
      break;
    case 6: case 7: {
      proto::MultiRequest* m = r.mutable_multi();
      int n = static_cast<int>(in_->Range(0, 10));
      for (int i = 0; i < n; ++i) {
        proto::MultiOp* op = m->add_ops();
        switch (in_->Range(0, 5)) {
          case 0: case 1: FillCreate(op->mutable_create()); break;
          case 2:
            op->mutable_delete_()->set_path(Path());
            op->mutable_delete_()->set_version(Version());
            break;
          case 3:
            op->mutable_set_data()->set_path(Path());
            op->mutable_set_data()->set_data(in_->Bytes(8));
            op->mutable_set_data()->set_version(Version());
            break;
          case 4:
            op->mutable_check()->set_path(Path());
            op->mutable_check()->set_version(Version());
            break;
          default:
            op->mutable_get_data()->set_path(Path());  // a read in a write multi: refused
            break;
        }
        // A codec marks an op it could not represent: that op fails.
        if (in_->Range(0, 15) == 0) op->set_fail_with(proto::BADARGUMENTS);
      }
      m->set_read_only(in_->Range(0, 15) == 0);
      break;
    }
    default:
      r.mutable_close_session();
      break;
  }
  return r;
}

proto::LogEntry OpGenerator::Entry() {
  proto::LogEntry e;
  e.set_format_version(in_->Range(0, 63) == 0 ? proto::LOG_FORMAT_UNSPECIFIED : proto::LOG_FORMAT_V1);
  time_ms_ += in_->Range(0, 3) * 500;
  e.set_time_ms(in_->Range(0, 31) == 0 ? kTimes[in_->Range(0, 5)] : time_ms_);
  e.set_session_id(Session());
  e.set_origin_server(1);
  int n_auth = static_cast<int>(in_->Range(0, 3)) == 0 ? static_cast<int>(in_->Range(1, 2)) : 0;
  for (int i = 0; i < n_auth; ++i) *e.add_auth() = SomeId();
  switch (in_->Range(0, 11)) {
    case 0: {
      proto::CreateSessionOp* op = e.mutable_create_session();
      op->set_session_id(Session());
      op->set_timeout_ms(in_->Range(0, 7) == 0 ? -1 : 10000);
      op->set_password(in_->Bytes(16));
      break;
    }
    case 1:
      e.mutable_close_session()->set_session_id(Session());
      break;
    case 2: {
      int n = static_cast<int>(in_->Range(0, 3));
      for (int i = 0; i < n; ++i) e.mutable_expire_sessions()->add_session_ids(Session());
      if (n == 0) e.mutable_expire_sessions();
      break;
    }
    case 3:
      e.mutable_reap();
      break;
    case 4:
      e.mutable_noop();
      break;
    default:
      *e.mutable_request() = WriteRequest();
      e.set_xid(e.request().xid());
      break;
  }
  return e;
}

proto::Request OpGenerator::ReadRequest() {
  proto::Request r;
  r.set_xid(static_cast<int32_t>(in_->Range(0, 1000)));
  switch (in_->Range(0, 11)) {
    case 0:
      r.mutable_exists()->set_path(Path());
      r.mutable_exists()->set_watch(in_->Bool());
      break;
    case 1:
      r.mutable_get_data()->set_path(Path());
      r.mutable_get_data()->set_watch(in_->Bool());
      break;
    case 2:
      r.mutable_get_children()->set_path(Path());
      r.mutable_get_children()->set_watch(in_->Bool());
      r.mutable_get_children()->set_with_stat(in_->Bool());
      break;
    case 3:
      r.mutable_get_acl()->set_path(Path());
      break;
    case 4:
      r.mutable_get_ephemerals()->set_prefix_path(in_->Bool() ? "/" : Path());
      break;
    case 5:
      r.mutable_get_all_children_number()->set_path(Path());
      break;
    case 6: {
      proto::MultiRequest* m = r.mutable_multi();
      m->set_read_only(in_->Range(0, 7) != 0);
      int n = static_cast<int>(in_->Range(0, 4));
      for (int i = 0; i < n; ++i) {
        if (in_->Bool()) {
          m->add_ops()->mutable_get_data()->set_path(Path());
        } else {
          m->add_ops()->mutable_get_children()->set_path(Path());
        }
      }
      break;
    }
    case 7:
      r.mutable_add_watch()->set_path(Path());
      r.mutable_add_watch()->set_mode(static_cast<proto::AddWatchMode>(in_->Range(0, 2)));
      break;
    case 8:
      r.mutable_remove_watches()->set_path(Path());
      r.mutable_remove_watches()->set_type(static_cast<proto::WatcherType>(in_->Range(0, 6)));
      break;
    case 9:
      r.mutable_check_watches()->set_path(Path());
      r.mutable_check_watches()->set_type(static_cast<proto::WatcherType>(in_->Range(0, 6)));
      break;
    case 10:
      r.mutable_sync()->set_path(Path());
      break;
    default:
      *r.mutable_set_data() = proto::SetDataRequest();  // a write: never served by Read
      break;
  }
  return r;
}

}  // namespace arbor::fuzz
