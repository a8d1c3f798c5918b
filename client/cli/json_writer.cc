#include "client/cli/json_writer.h"

#include <cassert>
#include <cstdio>

namespace arbor::cli {

std::string JsonWriter::Quote(const std::string& s) {
  std::string q = "\"";
  for (unsigned char c : s) {
    switch (c) {
      case '"': q += "\\\""; break;
      case '\\': q += "\\\\"; break;
      case '\n': q += "\\n"; break;
      case '\r': q += "\\r"; break;
      case '\t': q += "\\t"; break;
      default:
        if (c < 0x20 || c == 0x7f) {
          char buf[8];
          std::snprintf(buf, sizeof(buf), "\\u%04x", c);
          q += buf;
        } else {
          q += static_cast<char>(c);
        }
    }
  }
  return q + "\"";
}

void JsonWriter::BeforeValue() {
  if (after_key_) {
    after_key_ = false;
    return;
  }
  if (!depth_.empty()) {
    if (depth_.back()) out_ += ",";
    depth_.back() = true;
  }
}

JsonWriter& JsonWriter::Open(char c) {
  BeforeValue();
  out_ += c;
  depth_.push_back(false);
  return *this;
}

JsonWriter& JsonWriter::Close(char c) {
  assert(!depth_.empty() && !after_key_);
  depth_.pop_back();
  out_ += c;
  return *this;
}

JsonWriter& JsonWriter::Key(const std::string& k) {
  BeforeValue();
  out_ += Quote(k) + ":";
  after_key_ = true;
  return *this;
}

JsonWriter& JsonWriter::String(const std::string& s) {
  BeforeValue();
  out_ += Quote(s);
  return *this;
}

JsonWriter& JsonWriter::Int(int64_t v) {
  BeforeValue();
  out_ += std::to_string(v);
  return *this;
}

JsonWriter& JsonWriter::Bool(bool v) {
  BeforeValue();
  out_ += v ? "true" : "false";
  return *this;
}

}  // namespace arbor::cli
