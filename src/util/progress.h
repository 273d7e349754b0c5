// A progress bar for long-running commands: percentage, rate and time left, drawn
// on stderr only when it is a terminal (or when forced), at most ~10 times a second.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>

namespace lmzip {

class ProgressBar {
 public:
  // `total_units` may be 0 when unknown (then no percentage or time left).
  // `units_are_bytes` chooses "MB/s" over "/s" for the rate.
  ProgressBar(std::string label, uint64_t total_units, bool enabled, bool units_are_bytes = true);
  ~ProgressBar();
  ProgressBar(const ProgressBar&) = delete;
  ProgressBar& operator=(const ProgressBar&) = delete;

  // Thread-safe.
  void Add(uint64_t units);
  // Draws the final state and ends the line. Idempotent.
  void Finish();

  // True when stderr is a terminal: the default for `enabled`.
  static bool StderrIsTerminal();

 private:
  void Draw(bool final_draw);

  std::string label_;
  uint64_t total_;
  bool enabled_;
  bool bytes_;
  std::atomic<uint64_t> done_{0};
  std::mutex mu_;
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_draw_;
  bool finished_ = false;
};

// "1.5 MB", "312 kB", "17 B".
std::string HumanBytes(double bytes);

}  // namespace lmzip
