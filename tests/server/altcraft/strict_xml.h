// A strict judge of XML answers: Python's expat, the parser under most clients' XML
// libraries, which refuses what XML 1.0 refuses. pugixml, which the other tests read answers
// with, is not one: it reads "&#1;" and a raw U+FFFF without complaint (probe 39).
// `./dev test` installs python3: its tests fail under CI (CI set) without it, and are skipped
// with a message in a developer's run (as slowloris_test.cc does with slowhttptest).
#pragma once

#include <string>
#include <string_view>

namespace codeledger::server::altcraft::testing {

// True when python3 with its expat module runs.
bool have_strict_xml();

// Why `document` is not well-formed XML 1.0 in expat's words ("reference to invalid
// character number: line 14, column 15"); "" when it is.
std::string strict_xml_error(std::string_view document);

}  // namespace codeledger::server::altcraft::testing
