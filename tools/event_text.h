// How ledgerctl shows an event: one field list per event, rendered either as a human line
// or as a JSON object, so `wal dump`, `wal dump --json` and `history` never disagree.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "ledger/events.h"

namespace codeledger::tools {

// A field carries both renderings: JSON text for machines, short text for people (long lists
// are abbreviated there, never in JSON).
struct Field {
  std::string key;
  std::string json;
  std::string human;
};

// A JSON string literal. Besides what JSON requires, every control character is escaped
// (C1, DEL, U+2028 and U+2029 too), so the literal is safe to print on a terminal.
std::string json_quote(std::string_view s);
// Client-supplied text for people (docs/ledgerctl.md, "Text"): bare, or JSON-quoted when it
// is empty or holds a space, a separator (",()[]="), a quote, a backslash or a control
// character, so that no value can pass for another field, start a line or reach the terminal
// as an escape sequence. `wal dump`, `history` and `keys list` print text only through it.
std::string human_text(std::string_view v);
// An API key's name for people: human_text, or "-" for none (events the server made itself).
std::string api_key_text(std::string_view name);

Field str_field(std::string key, std::string_view value);
Field num_field(std::string key, std::int64_t value);
Field unum_field(std::string key, std::uint64_t value);
Field bool_field(std::string key, bool value);
Field time_field(std::string key, std::int64_t ms);
Field list_field(std::string key, const std::vector<std::string>& values);

// "code_linked", "redeemed", ...: stable names scripts may match on.
std::string_view event_type(const ledger::EventBody& body);
// The body's fields (not the header's).
std::vector<Field> body_fields(const ledger::Event& event);

std::string render_human(const ledger::Event& event, const std::vector<Field>& fields);
std::string render_json(const ledger::Event& event, const std::vector<Field>& fields);

}  // namespace codeledger::tools
