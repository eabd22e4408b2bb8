#pragma once
// Ctrl-C and SIGTERM set a flag that every load loop checks, so an interrupted run still stops
// the processes it started and removes its temporary directories.

namespace mk::bench {

void install_interrupt_handler();
bool interrupted();

}  // namespace mk::bench
