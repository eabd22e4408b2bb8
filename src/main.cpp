// minikube: one executable for the server and the agent. All logic lives in the libraries;
// this only hands argv to the command line.
#include "cli/app.h"

int main(int argc, char** argv) { return mk::cli::run(argc, argv); }
