// The names of this process's threads (/proc/self/task/*/comm), for tests of thread naming.
#pragma once

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace codeledger::testing {

inline std::vector<std::string> thread_names() {
  std::vector<std::string> names;
  for (const auto& task : std::filesystem::directory_iterator("/proc/self/task")) {
    std::ifstream comm(task.path() / "comm");
    std::string name;
    if (std::getline(comm, name)) names.push_back(name);
  }
  return names;
}

}  // namespace codeledger::testing
