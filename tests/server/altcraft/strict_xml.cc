#include "strict_xml.h"

#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>

#include "tests/support/scratch_dir.h"

namespace codeledger::server::altcraft::testing {

namespace {

// Prints expat's message and exits 1 when the file named by argv[1] is not well-formed.
constexpr std::string_view kExpatCheck =
    "import sys, xml.parsers.expat\n"
    "try:\n"
    "    xml.parsers.expat.ParserCreate().Parse(open(sys.argv[1], 'rb').read(), True)\n"
    "except xml.parsers.expat.ExpatError as e:\n"
    "    print(e)\n"
    "    sys.exit(1)\n";

}  // namespace

bool have_strict_xml() {
  return std::system("python3 -c 'import xml.parsers.expat' >/dev/null 2>&1") == 0;
}

std::string strict_xml_error(std::string_view document) {
  codeledger::testing::ScratchDir dir("strict-xml");
  const std::string path = dir.file("answer.xml");
  std::ofstream(path, std::ios::binary).write(document.data(), std::streamsize(document.size()));
  const std::string cmd = "python3 -c \"" + std::string(kExpatCheck) + "\" " + path + " 2>&1";
  FILE* p = ::popen(cmd.c_str(), "r");
  if (p == nullptr) return "popen failed";
  std::string out;
  char buf[512];
  for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, p)) > 0;) out.append(buf, n);
  const int status = ::pclose(p);
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return "";
  return out.empty() ? "python3 failed" : out;
}

}  // namespace codeledger::server::altcraft::testing
