// The names of a process's threads (/proc/PID/task/*/comm; this process's by default), for
// tests of thread naming and of what a server runs.
#pragma once

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace codeledger::testing {

inline std::vector<std::string> thread_names(int pid = 0) {
  const std::string dir = pid > 0 ? "/proc/" + std::to_string(pid) + "/task" : "/proc/self/task";
  std::vector<std::string> names;
  for (const auto& task : std::filesystem::directory_iterator(dir)) {
    std::ifstream comm(task.path() / "comm");
    std::string name;
    if (std::getline(comm, name)) names.push_back(name);
  }
  return names;
}

}  // namespace codeledger::testing
