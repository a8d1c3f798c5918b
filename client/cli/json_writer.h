// A minimal streaming JSON writer for --json output (objects, arrays,
// strings, integers, booleans). The caller keeps Begin/End balanced; keys
// are only valid inside objects.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace arbor::cli {

class JsonWriter {
 public:
  JsonWriter& BeginObject() { return Open('{'); }
  JsonWriter& EndObject() { return Close('}'); }
  JsonWriter& BeginArray() { return Open('['); }
  JsonWriter& EndArray() { return Close(']'); }
  JsonWriter& Key(const std::string& k);
  JsonWriter& String(const std::string& s);
  JsonWriter& Int(int64_t v);
  JsonWriter& Bool(bool v);
  // The document so far, plus a newline when complete.
  std::string str() const { return out_ + (depth_.empty() ? "\n" : ""); }

  // `s` as a quoted JSON string: control characters, quotes and
  // backslashes escaped; other bytes copied (znode data is bytes, usually
  // UTF-8).
  static std::string Quote(const std::string& s);

 private:
  JsonWriter& Open(char c);
  JsonWriter& Close(char c);
  void BeforeValue();

  std::string out_;
  std::vector<bool> depth_;  // per open container: has it a member yet
  bool after_key_ = false;
};

}  // namespace arbor::cli
