// cairn::net::PidFile: "one server per data directory", with crash detection.
//
// acquire() creates the file 0600 (its directory 0700), takes an exclusive advisory lock on it
// and writes the process id. The lock, not the number, says whether an owner is alive: the
// kernel drops it when the owner exits however it exits, so a crashed server never blocks the
// next start, and a recycled PID or another user's process can never be mistaken for a live
// owner (the weaknesses of probing with kill(pid, 0), Remote Dev's way). When the file was left
// behind by a dead owner, previous_pid() reports it, so the caller can clean up what that owner
// left (stale sockets, temporary files) before serving.
//
// Example:
//   std::string data_dir = "/var/lib/devd";
//   CAIRN_ASSIGN_OR_RETURN(auto pid, net::PidFile::acquire(data_dir + "/server.pid"));
//   if (std::optional<int64_t> dead = pid.previous_pid()) {
//     log("recovered from a crash of pid " + std::to_string(*dead));
//   }
//
// Thread-safety: a PidFile is owned by one thread. Ownership: the lock is held until the object
// is destroyed (or release()), which also removes the file.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "cairn/core/result.hpp"

namespace cairn::net {

class PidFile {
 public:
  // Errors: FAILED_PRECONDITION / NET_ALREADY_RUNNING (a live process holds the lock; the message
  // names its pid); UNAVAILABLE / NET_PID_FILE_FAILED (cannot create, lock or write the file).
  static Result<PidFile> acquire(const std::string& path);

  PidFile(PidFile&& other) noexcept;
  PidFile& operator=(PidFile&& other) noexcept;
  PidFile(const PidFile&) = delete;
  PidFile& operator=(const PidFile&) = delete;
  ~PidFile();

  // The pid found in a file whose owner had died (a crash), or nullopt for a clean start.
  std::optional<int64_t> previous_pid() const { return previous_pid_; }
  const std::string& path() const { return path_; }
  // Removes the file and drops the lock now.
  void release();

  // The pid recorded in the file at `path` if a live process holds its lock, else nullopt (no
  // file, or a stale one): for status commands.
  static std::optional<int64_t> running_pid(const std::string& path);

 private:
  PidFile(std::string path, int fd, std::optional<int64_t> previous)
      : path_(std::move(path)), fd_(fd), previous_pid_(previous) {}
  std::string path_;
  int fd_ = -1;
  std::optional<int64_t> previous_pid_;
};

}  // namespace cairn::net
