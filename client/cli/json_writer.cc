#include "client/cli/json_writer.h"

#include <cassert>

namespace arbor::cli {
namespace {

std::string Dump(const nlohmann::ordered_json& j) {
  return j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

}  // namespace

std::string JsonWriter::Quote(const std::string& s) { return Dump(nlohmann::ordered_json(s)); }

std::string JsonWriter::str() const {
  if (!started_) return "";
  return Dump(root_) + (open_.empty() ? "\n" : "");
}

JsonWriter& JsonWriter::Key(const std::string& k) {
  assert(!open_.empty() && open_.back()->is_object());
  key_ = k;
  return *this;
}

JsonWriter& JsonWriter::Value(nlohmann::ordered_json v) {
  if (open_.empty()) {
    assert(!started_);
    root_ = std::move(v);
    started_ = true;
  } else if (open_.back()->is_object()) {
    (*open_.back())[key_] = std::move(v);
  } else {
    open_.back()->push_back(std::move(v));
  }
  return *this;
}

JsonWriter& JsonWriter::Open(nlohmann::ordered_json container) {
  // Where the container lands, so later members go inside it.
  if (open_.empty()) {
    Value(std::move(container));
    open_.push_back(&root_);
  } else if (open_.back()->is_object()) {
    nlohmann::ordered_json* parent = open_.back();
    (*parent)[key_] = std::move(container);
    open_.push_back(&(*parent)[key_]);
  } else {
    nlohmann::ordered_json* parent = open_.back();
    parent->push_back(std::move(container));
    open_.push_back(&parent->back());
  }
  return *this;
}

JsonWriter& JsonWriter::Close() {
  assert(!open_.empty());
  open_.pop_back();
  return *this;
}

}  // namespace arbor::cli
