// A streaming front end to nlohmann::json for --json output (objects,
// arrays, strings, integers, booleans): commands keep their Begin/End call
// style while the document, its escaping and its UTF-8 handling are the
// library's. The caller keeps Begin/End balanced; keys are only valid inside
// objects. Members keep the order they were written in.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace arbor::cli {

class JsonWriter {
 public:
  JsonWriter& BeginObject() { return Open(nlohmann::ordered_json::object()); }
  JsonWriter& EndObject() { return Close(); }
  JsonWriter& BeginArray() { return Open(nlohmann::ordered_json::array()); }
  JsonWriter& EndArray() { return Close(); }
  JsonWriter& Key(const std::string& k);
  JsonWriter& String(const std::string& s) { return Value(s); }
  JsonWriter& Int(int64_t v) { return Value(v); }
  JsonWriter& Bool(bool v) { return Value(v); }
  // The document so far (compact), plus a newline when complete.
  std::string str() const;

  // `s` as a quoted JSON string. Znode data is bytes: bytes that are not
  // valid UTF-8 become U+FFFD, so the output is always valid JSON.
  static std::string Quote(const std::string& s);

 private:
  JsonWriter& Open(nlohmann::ordered_json container);
  JsonWriter& Close();
  JsonWriter& Value(nlohmann::ordered_json v);

  nlohmann::ordered_json root_;
  std::vector<nlohmann::ordered_json*> open_;  // containers not yet closed, innermost last
  std::string key_;                            // the pending key inside an object
  bool started_ = false;
};

}  // namespace arbor::cli
