// FileSystem over POSIX calls. Errors carry the path and strerror so the operator can act.
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>

#include "wal/dir_lock.h"
#include "wal/file.h"
#include "wal/posix_read.h"

namespace codeledger::wal {
namespace {

Status io_error(const char* what, const std::string& path, int err) {
  return Status(Code::kIoError, std::string(what) + " " + path + ": " + std::strerror(err));
}

// Writes go to explicit offsets (pwrite), never O_APPEND: Linux ignores pwrite's offset on an
// O_APPEND descriptor, and the writer overwrites preallocated zeros in place.
class PosixFile final : public WritableFile {
 public:
  PosixFile(int fd, std::string path, std::uint64_t size)
      : fd_(fd), path_(std::move(path)), size_(size) {}
  ~PosixFile() override {
    if (fd_ >= 0) ::close(fd_);
  }

  Status append(std::string_view data) override { return write_at(size_, data); }
  Status write_at(std::uint64_t offset, std::string_view data) override {
    while (!data.empty()) {
      ssize_t n = ::pwrite(fd_, data.data(), data.size(), static_cast<off_t>(offset));
      if (n < 0) {
        if (errno == EINTR) continue;
        return io_error("write", path_, errno);
      }
      offset += static_cast<std::uint64_t>(n);
      size_ = std::max(size_, offset);
      data.remove_prefix(static_cast<std::size_t>(n));
    }
    return Status::Ok();
  }
  Status sync() override {
    if (::fdatasync(fd_) != 0) return io_error("fdatasync", path_, errno);
    return Status::Ok();
  }
  Status truncate(std::uint64_t size_bytes) override {
    if (::ftruncate(fd_, static_cast<off_t>(size_bytes)) != 0) {
      return io_error("ftruncate", path_, errno);
    }
    size_ = size_bytes;
    return fsync_all();  // not fdatasync: the new length is the point of the call
  }
  // Writes [offset, offset + n) to the disk and waits for it, without a cache flush or any
  // durability promise: paces a zero fill so it never queues more than one piece ahead of a
  // concurrent group-commit fdatasync (measured here: the worst fdatasync during a 64 MiB
  // fill went from 34-47 ms unpaced to 4 ms paced; the fill took 85 ms instead of 65).
  Status write_out(std::uint64_t offset, std::uint64_t n) {
#if defined(__linux__)
    constexpr unsigned kFlags =
        SYNC_FILE_RANGE_WAIT_BEFORE | SYNC_FILE_RANGE_WRITE | SYNC_FILE_RANGE_WAIT_AFTER;
    if (::sync_file_range(fd_, static_cast<off_t>(offset), static_cast<off_t>(n), kFlags) != 0) {
      return io_error("sync_file_range", path_, errno);
    }
#else
    (void)offset;
    (void)n;
#endif
    return Status::Ok();
  }
  // fsync: data and metadata (length, allocated extents).
  Status fsync_all() {
    if (::fsync(fd_) != 0) return io_error("fsync", path_, errno);
    return Status::Ok();
  }
  Status close() override {
    if (fd_ < 0) return Status::Ok();
    int rc = ::close(fd_);
    fd_ = -1;
    if (rc != 0) return io_error("close", path_, errno);
    return Status::Ok();
  }
  std::uint64_t size_bytes() const override { return size_; }

 private:
  int fd_;
  std::string path_;
  std::uint64_t size_;
};

// An open descriptor and the file's size at open.
struct OpenedFile {
  int fd = -1;
  std::uint64_t size = 0;
};

Result<OpenedFile> open_sized(const std::string& path, int flags) {
  const int fd = ::open(path.c_str(), flags | O_CLOEXEC, 0644);
  if (fd < 0) return io_error("open", path, errno);
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    const int err = errno;
    ::close(fd);
    return io_error("fstat", path, err);
  }
  return OpenedFile{fd, static_cast<std::uint64_t>(st.st_size)};
}

Result<std::unique_ptr<PosixFile>> open_file(const std::string& path, int extra_flags) {
  auto opened = open_sized(path, O_WRONLY | O_CREAT | extra_flags);
  if (!opened.ok()) return opened.status();
  return std::make_unique<PosixFile>(opened->fd, path, opened->size);
}

class PosixFs final : public FileSystem {
 public:
  Result<std::unique_ptr<WritableFile>> open_append(const std::string& path,
                                                    bool truncate_existing) override {
    auto file = open_file(path, truncate_existing ? O_TRUNC : 0);
    if (!file.ok()) return file.status();
    return std::unique_ptr<WritableFile>(std::move(*file));
  }
  Result<std::unique_ptr<WritableFile>> create_zeroed(const std::string& path,
                                                      std::uint64_t size_bytes,
                                                      AfterZeroPiece after_piece) override;
  // Its own open file description (a new open, not dup), so a writeback error reaches it.
  Result<std::unique_ptr<SyncHandle>> open_for_sync(const std::string& path) override {
    auto opened = open_sized(path, O_WRONLY);
    if (!opened.ok()) return opened.status();
    return std::unique_ptr<SyncHandle>(
        std::make_unique<PosixFile>(opened->fd, path, opened->size));
  }
  Status rename(const std::string& from, const std::string& to) override {
    if (::rename(from.c_str(), to.c_str()) != 0) return io_error("rename", from, errno);
    return Status::Ok();
  }
  Status sync_dir(const std::string& dir) override {
    int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return io_error("open dir", dir, errno);
    int rc = ::fsync(fd);
    int err = errno;
    ::close(fd);
    if (rc != 0) return io_error("fsync dir", dir, err);
    return Status::Ok();
  }
  Status create_dir(const std::string& dir) override {
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) return Status(Code::kIoError, "mkdir " + dir + ": " + ec.message());
    return Status::Ok();
  }
  Result<std::vector<DirEntry>> list(const std::string& dir) override {
    DIR* d = ::opendir(dir.c_str());
    if (d == nullptr) return io_error("opendir", dir, errno);
    std::vector<DirEntry> out;
    while (dirent* e = ::readdir(d)) {
      std::string name = e->d_name;
      if (name == "." || name == "..") continue;
      struct stat st {};
      if (::stat(join_path(dir, name).c_str(), &st) != 0 || !S_ISREG(st.st_mode)) continue;
      out.push_back({name, static_cast<std::uint64_t>(st.st_size),
                     static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1000 +
                         st.st_mtim.tv_nsec / 1'000'000});
    }
    ::closedir(d);
    return out;
  }
  Status remove(const std::string& path) override {
    if (::unlink(path.c_str()) != 0) return io_error("unlink", path, errno);
    return Status::Ok();
  }
  Result<std::string> read_file(const std::string& path) override {
    return read_range(path, 0, UINT64_MAX);
  }
  Result<std::string> read_range(const std::string& path, std::uint64_t offset,
                                 std::uint64_t length) override;
  Status truncate(const std::string& path, std::uint64_t size_bytes) override {
    int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
    if (fd < 0) return io_error("open", path, errno);
    Status st;
    if (::ftruncate(fd, static_cast<off_t>(size_bytes)) != 0) st = io_error("ftruncate", path, errno);
    else if (::fsync(fd) != 0) st = io_error("fsync", path, errno);
    ::close(fd);
    return st;
  }
  bool exists(const std::string& path) override {
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0;
  }
  Result<std::unique_ptr<DirLock>> lock_dir(const std::string& dir) override {
    return flock_dir(dir);
  }
};

Result<std::unique_ptr<WritableFile>> PosixFs::create_zeroed(const std::string& path,
                                                             std::uint64_t size_bytes,
                                                             AfterZeroPiece after_piece) {
  auto file = open_file(path, O_TRUNC);
  if (!file.ok()) return file.status();
  PosixFile& f = **file;
  const std::string zeros(kZeroFillChunkBytes, '\0');
  for (std::uint64_t at = 0; at < size_bytes; at += zeros.size()) {
    const std::uint64_t n = std::min<std::uint64_t>(zeros.size(), size_bytes - at);
    const auto start = std::chrono::steady_clock::now();
    if (Status st = f.write_at(at, std::string_view(zeros).substr(0, n)); !st.ok()) return st;
    if (Status st = f.write_out(at, n); !st.ok()) return st;
    after_piece(std::chrono::duration_cast<std::chrono::microseconds>(
        std::chrono::steady_clock::now() - start));
  }
  // fsync rather than fdatasync: the length and the allocated extents must be durable too.
  if (Status st = f.fsync_all(); !st.ok()) return st;
  return std::unique_ptr<WritableFile>(std::move(*file));
}

Result<std::string> PosixFs::read_range(const std::string& path, std::uint64_t offset,
                                        std::uint64_t length) {
  auto opened = open_sized(path, O_RDONLY);
  if (!opened.ok()) return opened.status();
  auto out = pread_up_to(opened->fd, opened->size, offset, length, path);
  ::close(opened->fd);
  return out;
}

}  // namespace

Result<std::string> pread_up_to(int fd, std::uint64_t size_seen, std::uint64_t offset,
                                std::uint64_t length, const std::string& path) {
  const std::uint64_t begin = offset < size_seen ? offset : size_seen;
  const std::uint64_t n = length < size_seen - begin ? length : size_seen - begin;
  std::string out(n, '\0');
  std::uint64_t done = 0;
  while (done < n) {
    const ssize_t r = ::pread(fd, out.data() + done, n - done, static_cast<off_t>(begin + done));
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) return io_error("read", path, errno);
    if (r == 0) break;  // the file is shorter now (see posix_read.h)
    done += static_cast<std::uint64_t>(r);
  }
  out.resize(done);
  return out;
}

FileSystem& posix_fs() {
  static PosixFs fs;
  return fs;
}

}  // namespace codeledger::wal
