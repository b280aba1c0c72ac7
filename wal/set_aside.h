// Files the log keeps rather than deletes: a segment point-in-time recovery cut away
// (format::kDroppedSuffix), a snapshot that failed its checks when a new one of its LSN was
// written (format::kCorruptSuffix). Each keeps its name plus the suffix, and a number after it
// (".1", ".2", ...) when that name is taken, so a second set-aside never replaces the first.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "wal/file.h"

namespace codeledger::wal {

// `path` + `suffix`, or `path` + `suffix` + ".N" with the first free N
// (1..format::kSetAsideCopiesMax); an error when all are taken.
Result<std::string> set_aside_name(FileSystem& fs, const std::string& path, std::string_view suffix);

// The name a set-aside file was set aside from ("wal-...log" for "wal-...log.dropped.2"), or
// nullopt when `name` is not `<original><suffix>` or `<original><suffix>.<N>` (N from 1, no
// leading zero).
std::optional<std::string_view> set_aside_original(std::string_view name, std::string_view suffix);

}  // namespace codeledger::wal
