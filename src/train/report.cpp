#include "psml/train/report.hpp"

#include <cstdio>

namespace psml::train {

void print_header(std::ostream& out, const RunHeader& h) {
  out << "psml train: " << h.model << " on " << h.data << " (" << h.rows << " x " << h.features;
  if (h.classes) out << ", " << h.classes << " classes";
  out << "), " << h.params << " parameters, " << count_of(h.ranks, "rank") << " (" << h.exchange
      << "), ";
  if (h.steps_per_epoch > 0)  // a full-batch solver has no batches
    out << "global batch " << h.global_batch << ", " << h.steps_per_epoch << " steps/epoch, ";
  out << h.optimizer << "\n";
  for (const auto& choice : h.choices) out << "  " << choice << "\n";
}

void print_epoch(std::ostream& out, const EpochMetrics& m) {
  char line[256];
  int n = std::snprintf(line, sizeof line, "epoch %3lld/%lld  train_loss %.4f",
                        static_cast<long long>(m.epoch), static_cast<long long>(m.epochs),
                        m.train_loss);
  if (m.has_test)
    n += std::snprintf(
        line + n, sizeof line - static_cast<std::size_t>(n),
        m.regression ? "  test_loss %.4f  test_rmse %.4f" : "  test_loss %.4f  test_acc %.4f",
        m.test_loss, m.regression ? m.test_rmse : m.test_accuracy);
  if (m.has_validation)
    n += std::snprintf(
        line + n, sizeof line - static_cast<std::size_t>(n),
        m.regression ? "  val_loss %.4f  val_rmse %.4f" : "  val_loss %.4f  val_acc %.4f",
        m.validation_loss, m.regression ? m.validation_rmse : m.validation_accuracy);
  std::snprintf(line + n, sizeof line - static_cast<std::size_t>(n),
                "  samples/s %9.0f  time %.2fs", m.samples_per_second, m.seconds);
  out << line << "\n";
  const auto& c = m.counters;
  const double w = m.workers;
  if (!m.parameter_server && c.compute_seconds > 0) {
    // Seconds per rank (mean over ranks).
    std::snprintf(
        line, sizeof line,
        "          allreduce: compute %.2fs  wait %.2fs  allreduce %.2fs  optimizer %.2fs\n",
        c.compute_seconds / w, c.wait_seconds / w, c.allreduce_seconds / w,
        c.optimizer_seconds / w);
    out << line;
  }
  if (m.parameter_server) {
    // Seconds per worker (mean over workers) and the staleness each push was applied with.
    std::snprintf(line, sizeof line,
                  "          ps: compute %.2fs  push %.2fs  pull %.2fs  wait %.2fs  optimizer %.2fs"
                  "  max clock gap %.0f  staleness",
                  c.compute_seconds / w, c.push_seconds / w, c.pull_seconds / w, c.wait_seconds / w,
                  c.optimizer_seconds / w, c.max_clock_gap);
    out << line;
    for (int s = 0; s < exchange::EpochCounters::kStalenessBuckets; ++s)
      if (c.staleness[static_cast<std::size_t>(s)] > 0)
        out << " " << s << (s + 1 == exchange::EpochCounters::kStalenessBuckets ? "+:" : ":")
            << static_cast<long long>(c.staleness[static_cast<std::size_t>(s)]);
    out << "\n";
  }
  out.flush();
}

}  // namespace psml::train
