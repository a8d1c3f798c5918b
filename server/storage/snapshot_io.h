// What the server needs of a snapshot's body, wherever it is kept: the
// snapshot files of storage/snapshot_file.h in arbord, memory in the
// whole-replica simulator.
#pragma once

#include <cstdint>

#include "common/byte_stream.h"
#include "common/status.h"

namespace arbor::storage {

// Reads one snapshot's body from the start. The last byte read checks the
// body's checksum, so a consumer never finishes on corrupt data.
class SnapshotBodyReader : public ByteSource {
 public:
  virtual uint64_t body_bytes() const = 0;
};

// Writes one snapshot's body; nothing is visible until Commit() returns Ok
// (then it survives a crash). Destroying it before Commit() discards it.
class SnapshotBodyWriter : public ByteSink {
 public:
  virtual Status Commit() = 0;
};

}  // namespace arbor::storage
