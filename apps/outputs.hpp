// recgrad/apps/outputs.hpp — what a command will write, checked before any work starts, and written so that a reader
// never sees half a file; and a lock that keeps two runs out of one run directory.
//
// A run that fails only when it writes its metrics, after an hour of training, has lost the hour: so every file a flag
// names is checked first (preflight_output), pictures need gnuplot found first (require_gnuplot), and the run directory
// is locked for the life of the run (RunDirLock).
#pragma once
#include <filesystem>
#include <string>

namespace recgrad::apps {

// The file `flag` names, resolved: a symbolic link is followed to the file it names, so that writing replaces that
// file and the link stays a link. Refused, naming the flag and the path: an empty name, a name ending in '/', a
// directory, a device or any other file that is not a regular one, a link that leads nowhere, a parent directory that
// cannot be created or written in (a probe file is written there and removed).
std::filesystem::path preflight_output(const std::string& file, const char* flag);

// Writes `text` to a temporary file beside `target` (its name holds the process id), then renames it onto `target`.
void write_text_atomically(const std::filesystem::path& target, const std::string& text);

// Throws, naming the flag, when no gnuplot is on PATH (the pictures of --plots are drawn by it).
void require_gnuplot(const char* flag);

// Holds an exclusive lock on <dir>/.lock (flock) from construction to destruction. A second holder is refused at once
// with the pid that holds it; the lock goes with the process, so a killed run never leaves a stale one.
class RunDirLock {
 public:
  explicit RunDirLock(const std::filesystem::path& dir);
  ~RunDirLock();
  RunDirLock(const RunDirLock&) = delete;
  RunDirLock& operator=(const RunDirLock&) = delete;

 private:
  int fd_ = -1;
};

}  // namespace recgrad::apps
