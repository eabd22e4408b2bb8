#include "runtime/shim/cri_log.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <ctime>

#include "runtime/shim/container_files.h"

namespace mk::runtime::shim {

CriLog::CriLog(std::string path, uint64_t max_bytes, int max_files)
    : path_(std::move(path)), max_bytes_(max_bytes), max_files_(max_files < 1 ? 1 : max_files) {}

Status CriLog::open() {
  UniqueFd fd(::open(path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640));
  if (!fd) return errno_error("open log " + path_, errno);
  struct stat st{};
  size_ = ::fstat(fd.get(), &st) == 0 ? static_cast<uint64_t>(st.st_size) : 0;
  fd_ = std::move(fd);
  return Status::ok();
}

std::string CriLog::timestamp(int64_t ns) {
  time_t secs = static_cast<time_t>(ns / 1000000000);
  tm utc{};
  gmtime_r(&secs, &utc);
  char buf[48];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%09ldZ", utc.tm_year + 1900, utc.tm_mon + 1,
                utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec, static_cast<long>(ns % 1000000000));
  return buf;
}

void CriLog::write(Stream stream, std::string_view data) {
  std::string& pending = pending_[stream];
  // A line longer than the limit goes out in partial chunks, as containerd splits them.
  auto split_long = [&](size_t keep) {
    while (pending.size() > keep) {
      emit(stream, 'P', std::string_view(pending).substr(0, kMaxLineBytes));
      pending.erase(0, kMaxLineBytes);
    }
  };
  while (!data.empty()) {
    size_t nl = data.find('\n');
    if (nl == std::string_view::npos) {
      pending.append(data);
      split_long(kMaxLineBytes - 1);
      return;
    }
    pending.append(data.substr(0, nl));
    data.remove_prefix(nl + 1);
    split_long(kMaxLineBytes);
    emit(stream, 'F', pending);
    pending.clear();
  }
}

void CriLog::finish(Stream stream) {
  if (pending_[stream].empty()) return;
  emit(stream, 'P', pending_[stream]);
  pending_[stream].clear();
}

void CriLog::emit(Stream stream, char tag, std::string_view line) {
  std::string text = timestamp(now_ns());
  text += stream == out ? " stdout " : " stderr ";
  text += tag;
  text += ' ';
  text.append(line);
  text += '\n';
  if (size_ > 0 && size_ + text.size() > max_bytes_) rotate();
  if (!fd_) return;
  size_t done = 0;
  while (done < text.size()) {
    ssize_t n = ::write(fd_.get(), text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // a full disk drops the line; the container must not block on it
    done += static_cast<size_t>(n);
  }
  size_ += text.size();
}

void CriLog::rotate() {
  fd_.reset();
  std::string oldest = path_ + "." + std::to_string(max_files_ - 1);
  if (max_files_ == 1) {
    ::unlink(path_.c_str());
  } else {
    ::unlink(oldest.c_str());
    for (int i = max_files_ - 2; i >= 1; --i) {
      std::string from = path_ + "." + std::to_string(i);
      std::string to = path_ + "." + std::to_string(i + 1);
      ::rename(from.c_str(), to.c_str());
    }
    std::string first = path_ + ".1";
    ::rename(path_.c_str(), first.c_str());
  }
  (void)open();
}

}  // namespace mk::runtime::shim
