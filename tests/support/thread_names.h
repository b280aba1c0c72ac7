// The names of a process's threads (/proc/PID/task/*/comm; this process's by default), for
// tests of thread naming and of what a server runs.
#pragma once

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace codeledger::testing {

struct ThreadName {
  int tid = 0;
  std::string name;
};

inline std::vector<ThreadName> named_threads(int pid = 0) {
  const std::string dir = pid > 0 ? "/proc/" + std::to_string(pid) + "/task" : "/proc/self/task";
  std::vector<ThreadName> threads;
  for (const auto& task : std::filesystem::directory_iterator(dir)) {
    std::ifstream comm(task.path() / "comm");
    std::string name;
    if (std::getline(comm, name)) {
      threads.push_back({std::stoi(task.path().filename().string()), name});
    }
  }
  return threads;
}

inline std::vector<std::string> thread_names(int pid = 0) {
  std::vector<std::string> names;
  for (auto& thread : named_threads(pid)) names.push_back(std::move(thread.name));
  return names;
}

}  // namespace codeledger::testing
