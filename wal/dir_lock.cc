#include "wal/dir_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "wal/format.h"

namespace codeledger::wal {
namespace {

// Holds the descriptor whose open file description owns the flock.
class FlockedDir final : public DirLock {
 public:
  explicit FlockedDir(int fd) : fd_(fd) {}
  ~FlockedDir() override { ::close(fd_); }  // releases the lock
  FlockedDir(const FlockedDir&) = delete;
  FlockedDir& operator=(const FlockedDir&) = delete;

 private:
  int fd_;
};

Status lock_error(const char* what, const std::string& path, int err) {
  return Status(Code::kIoError, std::string(what) + " " + path + ": " + std::strerror(err));
}

// Best effort: the pid only makes the refusal message of a second server more useful; the
// lock itself is what keeps it out.
void write_pid(int fd) {
  const std::string text = lock_file_text();
  if (::ftruncate(fd, 0) == 0) (void)!::pwrite(fd, text.data(), text.size(), 0);
}

}  // namespace

std::string lock_file_text() { return std::to_string(::getpid()) + "\n"; }

Result<std::unique_ptr<DirLock>> flock_dir(const std::string& dir) {
  const std::string path = join_path(dir, format::kLockFileName);
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return lock_error("open", path, errno);
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    const int err = errno;
    ::close(fd);
    if (err == EWOULDBLOCK) return Status(Code::kBusy, path + " is locked by another process");
    return lock_error("flock", path, err);
  }
  write_pid(fd);
  return std::unique_ptr<DirLock>(std::make_unique<FlockedDir>(fd));
}

}  // namespace codeledger::wal
