// `psml data inspect`: what a data file holds, computed by streaming it in blocks of rows.
#pragma once

#include <cstdint>
#include <map>
#include <ostream>
#include <string>

#include "psml/data/schema.hpp"

namespace psml::data {

struct DatasetSummary {
  DatasetInfo info;
  std::string features_layout;
  double feature_min = 0;
  double feature_max = 0;
  std::int64_t non_finite_features = 0;
  double label_min = 0;
  double label_max = 0;
  std::map<std::int64_t, std::int64_t> class_counts;  // classification only, by class id
};

DatasetSummary summarize_dataset(const std::string& path, const DatasetNames& names = {});
void print_summary(std::ostream& out, const DatasetSummary& summary);

}  // namespace psml::data
