// On-disk encoding of the values kept in LMDB.
//
// Every value (log entries and the small state records alike) is framed as
//   [u8 format = 1][u32 little-endian CRC-32C of payload][payload]
// where payload is a serialized protobuf message. LMDB itself has no
// checksums, so the CRC is what turns bit-rot into a reported Corruption
// instead of a silently wrong entry. Log keys are the entry index as 8
// big-endian bytes, so LMDB's default byte-wise order is numeric order.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"
#include "proto/raft.pb.h"

namespace arbor::storage {

inline constexpr uint8_t kRecordFormat = 1;
inline constexpr size_t kRecordHeaderBytes = 5;
inline constexpr size_t kIndexKeyBytes = 8;

// The 8-byte big-endian LMDB key of log index i.
std::string EncodeIndexKey(uint64_t index);
// Inverse of EncodeIndexKey; InvalidArgument unless key is 8 bytes.
Result<uint64_t> DecodeIndexKey(std::string_view key);

// Frames a serialized payload.
std::string EncodeRecord(std::string_view payload);
// Checks the frame and returns the payload (a view into `value`).
// Corruption (message without context; callers add file and key) on a bad
// format byte, a short value or a CRC mismatch.
Result<std::string_view> DecodeRecord(std::string_view value);

// Serializes and frames a protobuf message.
std::string EncodeMessage(const google::protobuf::MessageLite& msg);
// Unframes and parses into *msg; Corruption on any mismatch.
Status DecodeMessage(std::string_view value, google::protobuf::MessageLite* msg);

// A log value decoded and checked against the key it was stored under:
// Corruption if the CRC fails or the entry's own index differs from `index`.
Status DecodeLogValue(uint64_t index, std::string_view value, raft::Entry* entry);

}  // namespace arbor::storage
