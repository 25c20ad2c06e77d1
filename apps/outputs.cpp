#include "apps/outputs.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace recgrad::apps {

namespace fs = std::filesystem;

namespace {

[[noreturn]] void refuse(const char* flag, const std::string& file, const std::string& why) {
  throw std::runtime_error(std::string(flag) + " " + file + ": " + why +
                           " (checked before any work, so nothing is lost)");
}

// The parent directory exists (made if need be) and takes a new file.
void probe_directory(const fs::path& dir, const char* flag, const std::string& file) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  const fs::path probe = dir / (".recgrad-write-test-" + std::to_string(::getpid()));
  const int fd = ::open(probe.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) refuse(flag, file, "cannot write in " + dir.string() + ": " + (ec ? ec.message() : std::strerror(errno)));
  ::close(fd);
  fs::remove(probe, ec);
}

}  // namespace

fs::path preflight_output(const std::string& file, const char* flag) {
  if (file.empty()) refuse(flag, "\"\"", "an empty file name");
  if (file.back() == '/') refuse(flag, file, "names a directory (it ends in '/'); give a file name");
  fs::path target = file;
  std::error_code ec;
  const fs::file_status link = fs::symlink_status(target, ec);
  if (fs::is_symlink(link)) {
    const fs::path resolved = fs::weakly_canonical(target, ec);
    if (ec || !fs::exists(resolved)) refuse(flag, file, "is a symbolic link to nothing");
    target = resolved;  // write the file the link names; the link itself stays
  }
  const fs::file_status st = fs::status(target, ec);
  if (fs::exists(st)) {
    if (fs::is_directory(st)) refuse(flag, file, "is a directory; give a file name");
    if (!fs::is_regular_file(st)) refuse(flag, file, "is not a regular file (a device, a pipe or a socket)");
  }
  probe_directory(target.has_parent_path() ? target.parent_path() : fs::path("."), flag, file);
  return target;
}

void write_text_atomically(const fs::path& target, const std::string& text) {
  const fs::path tmp = target.string() + ".tmp" + std::to_string(::getpid());
  {
    std::ofstream f(tmp);
    f << text;
    f.flush();
    if (!f) {
      const std::string why = std::strerror(errno);
      std::error_code ec;
      fs::remove(tmp, ec);
      throw std::runtime_error(tmp.string() + ": write failed: " + why);
    }
  }
  if (std::rename(tmp.c_str(), target.c_str()) != 0) {
    const std::string why = std::strerror(errno);
    std::error_code ec;
    fs::remove(tmp, ec);
    throw std::runtime_error(target.string() + ": cannot rename " + tmp.string() + " into place: " + why);
  }
}

void require_gnuplot(const char* flag) {
  const char* path = std::getenv("PATH");
  std::stringstream dirs(path ? path : "");
  for (std::string dir; std::getline(dirs, dir, ':');)
    if (!dir.empty() && ::access((fs::path(dir) / "gnuplot").c_str(), X_OK) == 0) return;
  throw std::runtime_error(
      std::string(flag) +
      ": gnuplot was not found on PATH (apt-get install gnuplot-nox), and the pictures are drawn by "
      "it (checked before any work, so nothing is lost)");
}

RunDirLock::RunDirLock(const fs::path& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  const fs::path path = dir / ".lock";
  fd_ = ::open(path.c_str(), O_RDWR | O_CREAT, 0644);
  if (fd_ < 0)
    throw std::runtime_error(path.string() + ": cannot open the run directory's lock: " + std::strerror(errno));
  if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
    char holder[32] = {0};
    const ssize_t n = ::pread(fd_, holder, sizeof holder - 1, 0);
    ::close(fd_);
    fd_ = -1;
    throw std::runtime_error("--run-dir " + dir.string() + ": another run (pid " +
                             (n > 0 ? std::string(holder, static_cast<std::size_t>(n)) : std::string("?")) +
                             ") is using it; give this run its own --run-dir");
  }
  // The pid is a courtesy for the message above; the lock is what counts, so a failed write is let go.
  const std::string pid = std::to_string(::getpid());
  if (::ftruncate(fd_, 0) == 0) (void)!::pwrite(fd_, pid.data(), pid.size(), 0);
}

RunDirLock::~RunDirLock() {
  if (fd_ >= 0) ::close(fd_);  // closing releases the flock
}

}  // namespace recgrad::apps
