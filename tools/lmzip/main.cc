// lmzip: lossless compression by prediction.
#include <cstdio>
#include <cstring>
#include <string>

#include <unistd.h>

#include "commands.h"

// Provided by bench_command.cc when the bench is built in.
int BenchMain(int argc, char** argv) __attribute__((weak));
// Provided by generate_command.cc and study_command.cc when built in.
int GenerateMain(int argc, char** argv) __attribute__((weak));
int StudyMain(int argc, char** argv) __attribute__((weak));
int ReportMain(int argc, char** argv) __attribute__((weak));
// Provided by prime_command.cc: primed states for the context-mixing model.
int PrimeMain(int argc, char** argv) __attribute__((weak));

int main(int argc, char** argv) {
  if (argc >= 2) {
    const std::string sub = argv[1];
    if (sub == "generate" && GenerateMain != nullptr) return GenerateMain(argc - 1, argv + 1);
    if (sub == "report" && ReportMain != nullptr) return ReportMain(argc - 1, argv + 1);
    if (sub == "prime" && PrimeMain != nullptr) return PrimeMain(argc - 1, argv + 1);
    if (sub == "bench" && argc >= 3 && StudyMain != nullptr) {
      const std::string study = argv[2];
      if (study == "context" || study == "scaling" || study == "tokens") {
        return StudyMain(argc - 2, argv + 2);
      }
    }
    if (sub == "bench") {
      if (BenchMain == nullptr) {
        std::fputs("lmzip: this build has no bench\n", stderr);
        return 1;
      }
      return BenchMain(argc - 1, argv + 1);
    }
    if (sub == "info") return lmzip::cli::InfoMain(argc - 1, argv + 1);
    if (sub == "train") {
      // The trainer is its own program beside this one (it links libtorch).
      std::string self = argc > 0 ? argv[0] : "";
      char exe[4096];
      const ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
      if (n > 0) self.assign(exe, static_cast<size_t>(n));
      const size_t slash = self.rfind('/');
      const std::string trainer = (slash == std::string::npos ? std::string() : self.substr(0, slash + 1)) + "lmzip-train";
      argv[1] = const_cast<char*>("lmzip train");
      execv(trainer.c_str(), argv + 1);
      std::fputs("lmzip: this build has no trainer (lmzip-train needs libtorch: install libtorch-dev "
                 "and reconfigure)\n", stderr);
      return 1;
    }
  }
  return lmzip::cli::CompressMain(argc, argv);
}
