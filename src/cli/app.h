#pragma once
// The command line: parses argv, resolves the settings and hands over to the server, the agent
// or the version printer. Returns the process exit code (2 for any usage or configuration
// error, reported as one line on stderr).

namespace mk::cli {

int run(int argc, char** argv);

}  // namespace mk::cli
