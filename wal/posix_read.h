// Reading a range of a file by descriptor, for PosixFs::read_range. Kept apart so that its
// one subtle case can be tested: a file that shrinks between the size the caller saw and the
// read (the writer seals its open segment by truncating the zero fill away).
#pragma once

#include <cstdint>
#include <string>

#include "wal/status.h"

namespace codeledger::wal {

// Up to `length` bytes from `offset` of the file open as `fd`, whose size was `size_seen`. A
// read that meets the end of the file before that returns the bytes up to it: the file was
// cut shorter meanwhile, which for a log segment is its sealing (the cut-away part was zero
// fill), not a failing disk. Until session 32 that was an EIO, and a snapshot build or a
// `ledgerctl wal verify` that raced a rotation failed with "Input/output error" (probe 32).
Result<std::string> pread_up_to(int fd, std::uint64_t size_seen, std::uint64_t offset,
                                std::uint64_t length, const std::string& path);

}  // namespace codeledger::wal
