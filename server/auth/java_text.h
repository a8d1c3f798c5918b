// The few Java string behaviours ZooKeeper's ACL code depends on, so Arbor
// accepts and rejects exactly the same ids: String.split's dropping of
// trailing empty strings, Integer.parseInt, and new String(bytes) replacing
// malformed UTF-8.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace arbor::auth {

// Java's s.split(String.valueOf(sep), limit) for a one-character separator
// that is not a regex metacharacter (Java's "\\." for '.'): with limit > 0 at
// most `limit` parts (the last keeps the rest); with limit < 0 every part;
// with limit == 0 every part, then trailing empty strings removed (so
// ":".split(":") has no parts). Splitting "" gives one empty part.
std::vector<std::string_view> JavaSplit(std::string_view s, char sep, int limit);

// Java's Integer.parseInt for ASCII input: an optional '+' or '-', then at
// least one decimal digit, within int32 range. (Java also accepts non-ASCII
// Unicode digits; Arbor does not.)
std::optional<int32_t> JavaParseInt(std::string_view s);

// `bytes` as valid UTF-8: each maximal ill-formed subsequence replaced by
// U+FFFD (Unicode's recommended practice, which Java's decoder follows for
// most inputs). Valid input is returned unchanged. Protobuf string fields
// must hold valid UTF-8, so any text that becomes part of an identity goes
// through this first.
std::string ToValidUtf8(std::string_view bytes);

}  // namespace arbor::auth
