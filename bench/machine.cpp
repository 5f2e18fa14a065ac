#include "machine.hpp"

#include <mpi.h>
#include <unistd.h>

#include <fstream>
#include <thread>

namespace psml::bench {

std::string describe_machine() {
  char host[256] = {};
  gethostname(host, sizeof host - 1);
  std::string cpu = "unknown CPU", vectors = "no AVX2";
  std::ifstream info("/proc/cpuinfo");
  for (std::string line; std::getline(info, line);) {
    if (line.rfind("model name", 0) == 0) cpu = line.substr(line.find(':') + 2);
    if (line.rfind("flags", 0) == 0) {
      // Machines of one kind differ in vector width, and with it in every compute figure.
      vectors = line.find(" avx512f") != std::string::npos ? "AVX-512"
                : line.find(" avx2") != std::string::npos  ? "AVX2"
                                                           : "no AVX2";
      break;
    }
  }
  char mpi[MPI_MAX_LIBRARY_VERSION_STRING] = {};
  int length = 0;
  MPI_Get_library_version(mpi, &length);
  std::string library(mpi, static_cast<std::size_t>(length));
  library = library.substr(0, library.find(','));
  return std::string(host) + " (" + cpu + " with " + vectors + ", " +
         std::to_string(std::thread::hardware_concurrency()) + " cores), " + library;
}

}  // namespace psml::bench
