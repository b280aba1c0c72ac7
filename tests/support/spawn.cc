#include "tests/support/spawn.h"

#include <fcntl.h>
#include <spawn.h>

#include <cstring>

extern char** environ;

namespace codeledger::testing {

pid_t spawn_with_output_files(std::vector<std::string> args, const std::string& out_path,
                              const std::string& err_path, std::string* error) {
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&actions, 2, err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  pid_t pid = -1;
  const int rc = posix_spawnp(&pid, argv.front(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) {
    if (error != nullptr) *error = std::string("posix_spawn: ") + std::strerror(rc);
    return -1;
  }
  return pid;
}

}  // namespace codeledger::testing
