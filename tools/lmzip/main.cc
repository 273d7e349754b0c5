// lmzip: lossless compression by prediction.
#include <cstdio>
#include <cstring>
#include <string>

#include "commands.h"

// Provided by bench_command.cc when the bench is built in.
int BenchMain(int argc, char** argv) __attribute__((weak));

int main(int argc, char** argv) {
  if (argc >= 2) {
    const std::string sub = argv[1];
    if (sub == "bench") {
      if (BenchMain == nullptr) {
        std::fputs("lmzip: this build has no bench\n", stderr);
        return 1;
      }
      return BenchMain(argc - 1, argv + 1);
    }
    if (sub == "info") return lmzip::cli::InfoMain(argc - 1, argv + 1);
  }
  return lmzip::cli::CompressMain(argc, argv);
}
