#include "util/progress.h"

#include <unistd.h>

#include <cstdio>

#include <fmt/format.h>

namespace lmzip {

std::string HumanBytes(double bytes) {
  if (bytes >= 1e9) return fmt::format("{:.2f} GB", bytes / 1e9);
  if (bytes >= 1e6) return fmt::format("{:.2f} MB", bytes / 1e6);
  if (bytes >= 1e3) return fmt::format("{:.1f} kB", bytes / 1e3);
  return fmt::format("{:.0f} B", bytes);
}

namespace {
std::string FormatSeconds(double s) {
  if (s < 0 || s > 1e7) return "--:--";
  const auto total = static_cast<long>(s + 0.5);
  if (total >= 3600) return fmt::format("{}:{:02}:{:02}", total / 3600, total / 60 % 60, total % 60);
  return fmt::format("{:02}:{:02}", total / 60, total % 60);
}
}  // namespace

bool ProgressBar::StderrIsTerminal() { return isatty(STDERR_FILENO) != 0; }

ProgressBar::ProgressBar(std::string label, uint64_t total_units, bool enabled, bool units_are_bytes)
    : label_(std::move(label)),
      total_(total_units),
      enabled_(enabled),
      bytes_(units_are_bytes),
      start_(std::chrono::steady_clock::now()),
      last_draw_(start_) {}

ProgressBar::~ProgressBar() { Finish(); }

void ProgressBar::Add(uint64_t units) {
  done_.fetch_add(units, std::memory_order_relaxed);
  if (!enabled_) return;
  const auto now = std::chrono::steady_clock::now();
  std::unique_lock lock(mu_, std::try_to_lock);
  if (!lock.owns_lock() || finished_) return;
  if (now - last_draw_ < std::chrono::milliseconds(100)) return;
  last_draw_ = now;
  Draw(false);
}

void ProgressBar::Finish() {
  std::lock_guard lock(mu_);
  if (finished_) return;
  finished_ = true;
  if (enabled_) {
    Draw(true);
    std::fputc('\n', stderr);
    std::fflush(stderr);
  }
}

void ProgressBar::Draw(bool final_draw) {
  const uint64_t done = done_.load(std::memory_order_relaxed);
  const double elapsed =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  const double rate = elapsed > 0 ? static_cast<double>(done) / elapsed : 0.0;
  const std::string rate_text =
      bytes_ ? HumanBytes(rate) + "/s" : fmt::format("{:.1f}/s", rate);
  std::string line;
  if (total_ > 0) {
    const double frac = std::min(1.0, static_cast<double>(done) / static_cast<double>(total_));
    constexpr int kWidth = 30;
    const int filled = static_cast<int>(frac * kWidth);
    const double left = rate > 0 ? static_cast<double>(total_ - std::min(done, total_)) / rate : -1;
    line = fmt::format("\r{} [{}{}] {:5.1f}% {} {} {}", label_, std::string(filled, '#'),
                       std::string(kWidth - filled, '.'), frac * 100.0, rate_text,
                       final_draw ? "in" : "left", FormatSeconds(final_draw ? elapsed : left));
  } else {
    line = fmt::format("\r{} {} {} {}", label_, bytes_ ? HumanBytes(static_cast<double>(done))
                                                        : std::to_string(done),
                       rate_text, FormatSeconds(elapsed));
  }
  std::fputs(line.c_str(), stderr);
  std::fputs("\x1b[K", stderr);  // clear to end of line
  std::fflush(stderr);
}

}  // namespace lmzip
