// CLI11, which every command's options use. The simulation build's compiler (SimGrid's smpicxx)
// defines exit(x) as a macro, which CLI::App's member function exit() cannot be declared under:
// psml's commands never call exit(), so the macro goes.
#pragma once

#ifdef PSML_SIMULATE
#undef exit
#endif
#include <CLI/CLI.hpp>
