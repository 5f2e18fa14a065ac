#include "psml/core/fault_injection.hpp"

#include <sys/resource.h>

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <sstream>
#include <thread>

#include "psml/core/error.hpp"

namespace psml {
namespace {

std::int64_t parse_int(const std::string& value, const std::string& spec) {
  try {
    std::size_t used = 0;
    const auto v = std::stoll(value, &used);
    if (used == value.size()) return v;
  } catch (const std::exception&) {
  }
  throw error("PSML_FAULT: '", value, "' is not a number in '", spec, "'");
}

}  // namespace

FaultInjector FaultInjector::parse(const std::string& spec) {
  FaultInjector injector;
  std::istringstream faults(spec);
  std::string one;
  while (std::getline(faults, one, ';')) {
    if (one.find_first_not_of(' ') == std::string::npos) continue;
    Fault f;
    bool has_rank = false, has_step = false, has_action = false;
    std::istringstream fields(one);
    std::string field;
    while (fields >> field) {
      const auto eq = field.find('=');
      if (eq == std::string::npos) throw error("PSML_FAULT: '", field, "' is not key=value");
      const auto key = field.substr(0, eq), value = field.substr(eq + 1);
      if (key == "rank") {
        f.rank = static_cast<int>(parse_int(value, one));
        has_rank = true;
      } else if (key == "step") {
        f.step = value == "*" ? -1 : parse_int(value, one);
        has_step = true;
      } else if (key == "checkpoint") {
        f.checkpoint_dataset = static_cast<int>(parse_int(value, one));
        has_step = true;
      } else if (key == "bytes") {
        f.bytes = parse_int(value, one);
      } else if (key == "ms") {
        f.milliseconds = static_cast<int>(parse_int(value, one));
      } else if (key == "action") {
        has_action = true;
        if (value == "throw")
          f.action = Action::kThrow;
        else if (value == "exit")
          f.action = Action::kExit;
        else if (value == "kill")
          f.action = Action::kKill;
        else if (value == "stop")
          f.action = Action::kStop;
        else if (value == "sleep")
          f.action = Action::kSleep;
        else if (value == "skip")
          f.action = Action::kSkip;
        else if (value == "nan")
          f.action = Action::kNan;
        else if (value == "term")
          f.action = Action::kTerm;
        else if (value == "fsize")
          f.action = Action::kFileSize;
        else
          throw error("PSML_FAULT: unknown action '", value,
                      "' (throw, exit, kill, stop, sleep, skip, nan, term, fsize)");
      } else {
        throw error("PSML_FAULT: unknown key '", key,
                    "' (rank, step, checkpoint, action, ms, bytes)");
      }
    }
    if (!has_rank || !has_step || !has_action)
      throw error("PSML_FAULT: '", one, "' needs rank=, step= (or checkpoint=) and action=");
    injector.faults_.push_back(f);
  }
  return injector;
}

FaultInjector FaultInjector::from_environment() {
  const char* spec = std::getenv("PSML_FAULT");
  return spec ? parse(spec) : FaultInjector{};
}

void FaultInjector::at_step(int rank, std::int64_t step) const {
  for (const auto& f : faults_)
    if (f.rank == rank && f.checkpoint_dataset == 0 && (f.step == -1 || f.step == step))
      act(f, "at step " + std::to_string(step));
}

bool FaultInjector::fires(Action action, int rank, std::int64_t step) const {
  for (const auto& f : faults_)
    if (f.rank == rank && f.checkpoint_dataset == 0 && f.action == action &&
        (f.step == -1 || f.step == step))
      return true;
  return false;
}

bool FaultInjector::skips(int rank, std::int64_t step) const {
  return fires(Action::kSkip, rank, step);
}

bool FaultInjector::poisons(int rank, std::int64_t step) const {
  return fires(Action::kNan, rank, step);
}

void FaultInjector::at_checkpoint_dataset(int rank, int datasets) const {
  for (const auto& f : faults_)
    if (f.rank == rank && f.checkpoint_dataset == datasets)
      act(f, "after checkpoint dataset " + std::to_string(datasets));
}

void FaultInjector::act(const Fault& f, const std::string& where) {
  switch (f.action) {
    case Action::kThrow:
      throw error("injected fault (PSML_FAULT) ", where);
    case Action::kExit:
      std::_Exit(1);
    case Action::kKill:
      std::raise(SIGKILL);
      break;
    case Action::kStop:
      std::raise(SIGSTOP);
      break;
    case Action::kSleep:
      std::this_thread::sleep_for(std::chrono::milliseconds(f.milliseconds));
      break;
    case Action::kSkip:  // the trainer asks skips() and poisons()
    case Action::kNan:
      break;
    case Action::kTerm:
      std::raise(SIGTERM);
      break;
    case Action::kFileSize: {
      struct rlimit limit;
      getrlimit(RLIMIT_FSIZE, &limit);
      limit.rlim_cur = static_cast<rlim_t>(f.bytes);
      if (setrlimit(RLIMIT_FSIZE, &limit) != 0)
        throw error("PSML_FAULT: cannot set the file-size limit to ", f.bytes, " bytes ", where);
      break;
    }
  }
}

}  // namespace psml
