// lmzip: lossless compression by prediction.
#include <cstdio>
#include <cstring>
#include <string>

#include "commands.h"

// Provided by bench_command.cc when the bench is built in.
int BenchMain(int argc, char** argv) __attribute__((weak));
// Provided by generate_command.cc and study_command.cc when built in.
int GenerateMain(int argc, char** argv) __attribute__((weak));
int StudyMain(int argc, char** argv) __attribute__((weak));
int ReportMain(int argc, char** argv) __attribute__((weak));
// Provided by prime_command.cc: primed states for the context-mixing model.
int PrimeMain(int argc, char** argv) __attribute__((weak));
// Provided by train_command.cc when the build has libtorch (LMZIP_BUILD_TRAIN).
int TrainMain(int argc, char** argv) __attribute__((weak));

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
      if (TrainMain == nullptr) {
        std::fputs("lmzip: this build has no trainer (it needs libtorch: install libtorch-dev and reconfigure)\n", stderr);
        return 1;
      }
      return TrainMain(argc - 1, argv + 1);
    }
  }
  return lmzip::cli::CompressMain(argc, argv);
}
