#pragma once
// OpenSSL writes to sockets with write(2): a peer that went away must not kill the process
// with SIGPIPE. Ignores it unless the program already chose a handler; safe to call often.

namespace mk {

void ignore_sigpipe();

}  // namespace mk
