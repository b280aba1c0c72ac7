#include "server/altcraft/reply.h"

#include <pugixml.hpp>

#include "server/http/answer_body.h"
#include "server/http/errors.h"
#include "server/wire/json_writer.h"
#include "server/wire/xml_text.h"

namespace codeledger::server::altcraft {

namespace {

void write_json(wire::JsonWriter& w, const Value& v) {
  switch (v.kind()) {
    case Value::Kind::kNull: w.null(); return;
    case Value::Kind::kString: w.value(v.text()); return;
    case Value::Kind::kInteger: w.value(v.number()); return;
    case Value::Kind::kBool: w.value(v.flag()); return;
    case Value::Kind::kObject:
      w.begin_object();
      for (const auto& [name, member] : v.members()) {
        w.dynamic_key(name);
        write_json(w, member);
      }
      w.end_object();
      return;
    case Value::Kind::kList:
      w.begin_array();
      for (const Value& item : v.items()) write_json(w, item);
      w.end_array();
      return;
  }
}

// Appends `v` under `parent` as element(s) named `name` (see reply.h for the shape).
void write_xml(pugi::xml_node parent, std::string_view name, const Value& v) {
  const std::string tag(name);
  if (v.kind() == Value::Kind::kList) {
    for (const Value& item : v.items()) write_xml(parent, name, item);  // none for []
    return;
  }
  pugi::xml_node node = parent.append_child(tag.c_str());
  switch (v.kind()) {
    case Value::Kind::kNull:
    case Value::Kind::kList:
      return;
    case Value::Kind::kString:
      if (!v.text().empty()) node.text().set(wire::xml_char_data(v.text()).c_str());
      return;
    case Value::Kind::kInteger:
      node.text().set(static_cast<long long>(v.number()));
      return;
    case Value::Kind::kBool:
      node.text().set(v.flag() ? "true" : "false");
      return;
    case Value::Kind::kObject:
      for (const auto& [member_name, member] : v.members()) write_xml(node, member_name, member);
      return;
  }
}

struct StringSink final : pugi::xml_writer {
  std::string& out;
  explicit StringSink(std::string& o) : out(o) {}
  void write(const void* data, size_t size) override {
    out.append(static_cast<const char*>(data), size);
  }
};

Reply render_xml(const Value& data, const Extras& extras, int error, std::string_view text,
                 http::status status) {
  pugi::xml_document doc;
  pugi::xml_node root = doc.append_child("xml");
  write_xml(root, "data", data);
  for (const auto& [name, value] : extras) write_xml(root, name, value);
  root.append_child("error").text().set(error);
  pugi::xml_node error_text = root.append_child("error_text");
  if (!text.empty()) error_text.text().set(wire::xml_char_data(text).c_str());
  Reply reply;
  reply.status = status;
  reply.content_type = content_type(Format::kXml);
  StringSink sink(reply.body);
  // One element per line, no indentation, <data></data> rather than <data/>: seed 004's shape.
  doc.save(sink, "", pugi::format_indent | pugi::format_no_declaration |
                         pugi::format_no_empty_element_tags,
           pugi::encoding_utf8);
  return reply;
}

}  // namespace

Value Value::string(std::string text) {
  Value v;
  v.kind_ = Kind::kString;
  v.text_ = std::move(text);
  return v;
}

Value Value::integer(std::int64_t n) {
  Value v;
  v.kind_ = Kind::kInteger;
  v.number_ = n;
  return v;
}

Value Value::boolean(bool b) {
  Value v;
  v.kind_ = Kind::kBool;
  v.flag_ = b;
  return v;
}

Value Value::object() {
  Value v;
  v.kind_ = Kind::kObject;
  return v;
}

Value Value::list() {
  Value v;
  v.kind_ = Kind::kList;
  return v;
}

Value& Value::add(std::string_view name, Value v) {
  CL_CHECK(kind_ == Kind::kObject);
  members_.emplace_back(name, std::move(v));
  return *this;
}

Value& Value::push(Value v) {
  CL_CHECK(kind_ == Kind::kList);
  items_.push_back(std::move(v));
  return *this;
}

std::string_view content_type(Format format) {
  return format == Format::kXml ? "application/xml; charset=utf-8" : "application/json";
}

Reply success(Format format, const Value& data, const Extras& extras) {
  if (format == Format::kXml) return render_xml(data, extras, 0, kSuccessText, http::status::ok);
  Reply reply;
  reply.body = take_answer_body();  // answer_body.h
  wire::JsonWriter w(reply.body);
  w.begin_object().key("data");
  write_json(w, data);
  for (const auto& [name, value] : extras) {
    w.dynamic_key(name);
    write_json(w, value);
  }
  w.field("error", 0).field("error_text", kSuccessText).end_object();
  return reply;
}

Reply error_reply(Format format, int error, std::string_view text, http::status status) {
  if (format == Format::kXml) return render_xml(Value(), {}, error, text, status);
  return altcraft_error(error, text, status);
}

Reply error_reply(Format format, const Status& status) {
  CL_CHECK(!status.ok());
  return error_reply(format, static_cast<int>(status.code()), status.message(),
                     http_status_for(status.code()));
}

}  // namespace codeledger::server::altcraft
