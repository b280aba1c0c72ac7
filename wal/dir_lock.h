// The data directory's lock on a real file system: one server per directory. Two servers on
// one log hand out the same LSNs and write the same segment, losing acknowledged writes (a
// probe saw exactly that), so the second must not start.
//
// flock(2) on <dir>/LOCK (format::kLockFileName), exclusive and non-blocking. Why flock:
// the kernel drops it when the holder's descriptor closes, also when the process is killed
// (SIGKILL, a crash), so a crashed server never leaves a stale lock that a restart would
// trip over, as a pid file alone would; and it conflicts between two open file descriptions
// even within one process, so a test can try it twice. Not over NFS, where flock may be
// local to one client: keep the data directory on a local file system.
//
// The file holds the holder's pid, for the refusal message only. It is never deleted:
// unlinking it while held would let the next server lock a new file under the same name.
#pragma once

#include <memory>
#include <string>

#include "wal/file.h"

namespace codeledger::wal {

// PosixFs::lock_dir: kBusy when another open file description holds the lock.
Result<std::unique_ptr<DirLock>> flock_dir(const std::string& dir);

// What a holder writes into the lock file: its pid and a newline.
std::string lock_file_text();

}  // namespace codeledger::wal
