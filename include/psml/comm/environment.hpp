// The MPI environment's lifetime: MPI_Init_thread on construction, MPI_Finalize on destruction.
// One per process, created first thing in main(); MPI errors are returned, never fatal, so that
// psml can turn them into exceptions with a message.
#pragma once

namespace psml::comm {

enum class Threading { kSingle, kFunneled, kSerialized, kMultiple };

class Environment {
 public:
  // Initialises MPI with at least `required` thread support; throws psml::Error if the library
  // offers less.
  Environment(int& argc, char**& argv, Threading required);
  ~Environment();
  Environment(const Environment&) = delete;
  Environment& operator=(const Environment&) = delete;

  Threading provided() const { return provided_; }

 private:
  Threading provided_;
};

}  // namespace psml::comm
