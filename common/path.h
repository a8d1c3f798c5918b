// ZooKeeper path rules, shared by the server's state machine and the client.
//
// A valid path is absolute ("/"-rooted), has no empty, "." or ".." component,
// does not end in "/" (except the root itself), and holds valid UTF-8 without
// NUL, control characters or the code point ranges ZooKeeper's PathUtils
// rejects. Errors say what is wrong and where, so a client can show them as is.
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"

namespace arbor {

// InvalidArgument with a message naming the problem, or Ok.
Status ValidatePath(std::string_view path);

// For a sequential create the server appends a 10-digit suffix, so ZooKeeper
// validates `path + "1"`: "/a/" is a valid sequential prefix (the node's name
// is just the number), while "/a//" is not.
Status ValidateCreatePath(std::string_view path, bool sequential);

// "/a/b" -> "/a"; "/a" -> "/"; "/" -> "" (the root has no parent).
// `path` must be valid (or a sequential prefix ending in "/").
std::string_view ParentPath(std::string_view path);

// "/a/b" -> "b"; "/" -> "".
std::string_view BaseName(std::string_view path);

// Joins a parent path and a child name: ("/", "a") -> "/a"; ("/a", "b") -> "/a/b".
std::string JoinPath(std::string_view parent, std::string_view name);

// The sequential node suffix: the parent's cversion, zero-padded to 10 digits
// as ZooKeeper's "%010d" formats it.
std::string SequenceSuffix(int32_t cversion);

}  // namespace arbor
