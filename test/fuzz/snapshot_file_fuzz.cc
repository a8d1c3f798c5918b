// Target snapshot_file: storage::SnapshotFileReader (header, trailer and
// body checks of server/storage/snapshot_file.cc) on an arbitrary file, then
// the restore path: StateMachine::Load streaming from the reader.
// First input byte: 0 = the rest is the whole file; 1 = the rest is a
// metadata blob (u8 length) and a body, which the harness frames with
// correct checksums so that the fuzzer reaches the body and the tree's
// loader; 2 = as 1, then one byte of the file is overwritten.
#include <glog/logging.h>
#include <unistd.h>

#include <cstdio>
#include <string>

#include "common/crc32c.h"
#include "server/storage/snapshot_file.h"
#include "server/tree/state_machine.h"
#include "test/fuzz/fuzz_input.h"
#include "test/fuzz/tree_invariants.h"

namespace arbor::fuzz {
namespace {

void Put(std::string* out, uint64_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) out->push_back(static_cast<char>(v >> (8 * i)));
}

// The file layout of snapshot_file.h, with correct checksums.
std::string Frame(const std::string& meta, const std::string& body) {
  std::string framed;
  Put(&framed, 1, 4);
  Put(&framed, meta.size(), 4);
  framed += meta;
  std::string file = "ARBORSNP" + framed;
  Put(&file, Crc32c(framed), 4);
  file += body;
  std::string trailer;
  Put(&trailer, body.size(), 8);
  Put(&trailer, Crc32c(body), 4);
  Put(&trailer, Crc32c(trailer), 4);
  return file + trailer + "ARBOREND";
}

const std::string& ScratchPath() {
  static const std::string path = [] {
    const char* dir = getenv("TMPDIR");
    return std::string(dir && *dir ? dir : "/tmp") + "/arbor-fuzz-snap-" + std::to_string(getpid());
  }();
  return path;
}

}  // namespace
}  // namespace arbor::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace arbor;
  using namespace arbor::fuzz;
  FLAGS_minloglevel = 2;
  FuzzInput in(data, size);
  const uint8_t mode = in.Byte() % 3;
  std::string file;
  if (mode == 0) {
    file = in.Rest();
  } else {
    std::string meta = in.Take(in.Byte());
    size_t flip_at = in.U32();
    uint8_t flip_to = in.Byte();
    file = Frame(meta, in.Rest());
    if (mode == 2 && !file.empty()) file[flip_at % file.size()] = static_cast<char>(flip_to);
  }
  const std::string& path = ScratchPath();
  FILE* f = std::fopen(path.c_str(), "wb");
  FUZZ_CHECK(f != nullptr, "cannot write %s", path.c_str());
  FUZZ_CHECK(std::fwrite(file.data(), 1, file.size(), f) == file.size(), "short write");
  std::fclose(f);

  auto reader = storage::SnapshotFileReader::Open(path);
  if (reader.ok()) {
    const bool body_ok = (*reader)->VerifyBody().ok();
    auto sm = tree::StateMachine::Load(reader->get(), tree::TreeOptions());
    // The reader checks the body CRC as the last byte is read, so a damaged
    // body never loads, whatever the tree's own checks say.
    FUZZ_CHECK(body_ok || !sm.ok(), "a snapshot with a bad body CRC loaded");
    if (sm.ok()) CheckInvariants(**sm, History::kUnknown);
  }
  unlink(path.c_str());
  return 0;
}
