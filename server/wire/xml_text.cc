#include "server/wire/xml_text.h"

#include "server/wire/utf8.h"

namespace codeledger::server::wire {

std::string xml_char_data(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  std::size_t i = 0;
  while (i < text.size()) {
    const auto lead = static_cast<unsigned char>(text[i]);
    const std::size_t length = lead < 0x80 ? 1 : utf8_sequence_length(text, i);
    const bool allowed =
        length != 0 && is_xml_char(length == 1 ? lead : utf8_code_point(text, i, length));
    if (allowed) {
      out.append(text.data() + i, length);
    } else {
      out.append(kReplacementCharacter);
    }
    i += length == 0 ? 1 : length;  // a malformed sequence is replaced byte by byte
  }
  return out;
}

}  // namespace codeledger::server::wire
