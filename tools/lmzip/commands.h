// Subcommands of the lmzip tool. Each takes the arguments after "lmzip" (argv[0] is
// the subcommand's name) and returns the process exit status.
#pragma once

namespace lmzip::cli {

int CompressMain(int argc, char** argv);  // the gzip-like default command
int InfoMain(int argc, char** argv);

}  // namespace lmzip::cli

int BenchMain(int argc, char** argv);
