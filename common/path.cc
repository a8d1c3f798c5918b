#include "common/path.h"

#include <cstdint>
#include <cstdio>

namespace arbor {
namespace {

// Decodes one UTF-8 code point at path[*pos], advancing *pos. Returns -1 for a
// malformed, overlong or surrogate encoding.
int32_t DecodeUtf8(std::string_view s, size_t* pos) {
  const auto byte = [&](size_t i) { return static_cast<uint8_t>(s[i]); };
  uint8_t b0 = byte(*pos);
  if (b0 < 0x80) {
    ++*pos;
    return b0;
  }
  int len = 0;
  int32_t cp = 0;
  int32_t min = 0;
  if ((b0 & 0xE0) == 0xC0) {
    len = 2, cp = b0 & 0x1F, min = 0x80;
  } else if ((b0 & 0xF0) == 0xE0) {
    len = 3, cp = b0 & 0x0F, min = 0x800;
  } else if ((b0 & 0xF8) == 0xF0) {
    len = 4, cp = b0 & 0x07, min = 0x10000;
  } else {
    return -1;
  }
  if (*pos + len > s.size()) return -1;
  for (int i = 1; i < len; ++i) {
    uint8_t b = byte(*pos + i);
    if ((b & 0xC0) != 0x80) return -1;
    cp = (cp << 6) | (b & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return -1;
  *pos += len;
  return cp;
}

// ZooKeeper's PathUtils rejects these ranges (it writes them with exclusive
// bounds, which looks accidental; we reject the whole ranges).
bool IsForbiddenCodePoint(int32_t c) {
  return (c >= 0x01 && c <= 0x1F) || (c >= 0x7F && c <= 0x9F) ||
         (c >= 0xD800 && c <= 0xF8FF) || (c >= 0xFFF0 && c <= 0xFFFF);
}

Status Invalid(std::string_view path, const std::string& why) {
  return Status::InvalidArgument("invalid path \"" + std::string(path) + "\": " + why);
}

}  // namespace

Status ValidatePath(std::string_view path) {
  if (path.empty()) return Status::InvalidArgument("invalid path: path must not be empty");
  if (path[0] != '/') return Invalid(path, "path must start with '/' (relative paths are not allowed)");
  if (path.size() == 1) return Status::Ok();
  if (path.back() == '/') return Invalid(path, "path must not end with '/'");
  size_t pos = 1;
  size_t component_start = 1;
  while (pos <= path.size()) {
    if (pos == path.size() || path[pos] == '/') {
      std::string_view comp = path.substr(component_start, pos - component_start);
      if (comp.empty()) {
        return Invalid(path, "empty node name at offset " + std::to_string(pos) + " (\"//\")");
      }
      if (comp == "." || comp == "..") {
        return Invalid(path, "relative component \"" + std::string(comp) + "\" at offset " +
                                 std::to_string(component_start));
      }
      component_start = ++pos;
      continue;
    }
    if (path[pos] == '\0') return Invalid(path, "NUL character at offset " + std::to_string(pos));
    size_t at = pos;
    int32_t cp = DecodeUtf8(path, &pos);
    if (cp < 0) return Invalid(path, "invalid UTF-8 at offset " + std::to_string(at));
    if (IsForbiddenCodePoint(cp)) {
      char hex[16];
      std::snprintf(hex, sizeof(hex), "U+%04X", static_cast<unsigned>(cp));
      return Invalid(path, std::string("invalid character ") + hex + " at offset " + std::to_string(at));
    }
  }
  return Status::Ok();
}

Status ValidateCreatePath(std::string_view path, bool sequential) {
  if (!sequential) return ValidatePath(path);
  std::string probe(path);
  probe.push_back('1');
  Status s = ValidatePath(probe);
  if (s.ok()) return s;
  // Report against the path the client sent, not our probe.
  return ValidatePath(path).ok() ? Invalid(path, "not a valid sequential prefix") : ValidatePath(path);
}

std::string_view ParentPath(std::string_view path) {
  if (path.size() <= 1) return std::string_view();
  size_t slash = path.rfind('/');
  if (slash == 0) return path.substr(0, 1);
  return path.substr(0, slash);
}

std::string_view BaseName(std::string_view path) {
  size_t slash = path.rfind('/');
  if (slash == std::string_view::npos) return path;
  return path.substr(slash + 1);
}

std::string JoinPath(std::string_view parent, std::string_view name) {
  std::string out(parent);
  if (out.empty() || out.back() != '/') out.push_back('/');
  out.append(name.data(), name.size());
  return out;
}

std::string SequenceSuffix(int32_t cversion) {
  char buf[16];
  std::snprintf(buf, sizeof(buf), "%010d", cversion);
  return buf;
}

}  // namespace arbor
