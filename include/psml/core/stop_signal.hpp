// Stopping on SIGTERM / SIGINT (Slurm pre-emption, Ctrl-C): the handlers only record the signal;
// the training loop reads it at step boundaries, the ranks agree on the step to stop at, write a
// final checkpoint and leave. A grace timer bounds the whole stop: a rank still running
// --grace-seconds after its first signal ends at once (its previous checkpoint stays valid,
// since writes are atomic). A second signal ends the rank at once as well.
#pragma once

namespace psml {

// Installs the handlers (SIGTERM, SIGINT, and SIGALRM for the grace timer). Call once, after
// MPI_Init.
// `grace_seconds` > 0: the rank exits with 128 + signal that long after the first signal.
void install_stop_handlers(unsigned grace_seconds);

// The signal received (SIGTERM, SIGINT), or 0. Async-signal-safe to set, cheap to read.
int stop_signal();

// "SIGTERM", "SIGINT", or "signal N".
const char* signal_name(int signal);

}  // namespace psml
