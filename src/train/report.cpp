#include "psml/train/report.hpp"

#include <cstdio>

namespace psml::train {

void print_header(std::ostream& out, const RunHeader& h) {
  out << "psml train: " << h.model << " on " << h.data << " (" << h.rows << " x " << h.features;
  if (h.classes) out << ", " << h.classes << " classes";
  out << "), " << h.params << " parameters, " << h.ranks << " ranks, global batch "
      << h.global_batch << ", " << h.steps_per_epoch << " steps/epoch, " << h.optimizer << "\n";
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
  std::snprintf(line + n, sizeof line - static_cast<std::size_t>(n),
                "  samples/s %9.0f  time %.2fs", m.samples_per_second, m.seconds);
  out << line << std::endl;
}

}  // namespace psml::train
