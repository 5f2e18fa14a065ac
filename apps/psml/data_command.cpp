#include <charconv>
#include <iostream>
#include <memory>

#include "commands.hpp"
#include "psml/comm/agreement.hpp"
#include "psml/core/atomic_file.hpp"
#include "psml/data/csv_reader.hpp"
#include "psml/data/idx_reader.hpp"
#include "psml/data/inspect.hpp"
#include "psml/data/libsvm_reader.hpp"
#include "psml/data/synthetic.hpp"
#include "validators.hpp"

namespace psml::cli {
namespace {

// Data commands are serial: rank 0 works, and any other ranks of an mpirun agree on its outcome.
Action on_rank_zero(std::function<void()> work) {
  return [work = std::move(work)](const comm::Communicator& world) {
    comm::run_agreed(world, [&] {
      if (world.rank() == 0) work();
    });
  };
}

struct ImportOptions {
  std::string format, images, labels, input, out;  // format: empty until given or guessed
  std::string label_column = "first", header = "auto", delimiter = ",", task = "classification";
  float divide_by = 1.0f;
  bool zero_based = false;
  int label_base = data::kAutoLabels;
  std::int64_t features = 0;
};

data::CsvOptions csv_options(const ImportOptions& o) {
  data::CsvOptions csv;
  csv.header = data::parse_csv_header(o.header);
  csv.task = o.task == "regression" ? data::Task::kRegression : data::Task::kClassification;
  const std::string delimiter = o.delimiter == "tab" || o.delimiter == "\\t" ? "\t" : o.delimiter;
  if (delimiter.size() != 1 ||
      std::string_view("0123456789.+-eE").find(delimiter[0]) != std::string_view::npos)
    throw CLI::ValidationError(
        "--delimiter",
        "must be one character that cannot be part of a number, not '" + o.delimiter + "'");
  csv.delimiter = delimiter[0];
  if (o.label_column == "first") {
    csv.label_column = 0;
  } else if (o.label_column == "last") {
    csv.label_column = -1;
  } else {
    const auto& text = o.label_column;
    const auto [end, ec] =
        std::from_chars(text.data(), text.data() + text.size(), csv.label_column);
    if (ec != std::errc() || end != text.data() + text.size() || csv.label_column < 0)
      throw CLI::ValidationError("--label-column",
                                 "'" + text + "' is not first, last or a 0-based column number");
  }
  return csv;
}

// --format left out: IDX when its two files are given, else the input file's extension (a .gz
// after it aside).
std::string guess_format(const ImportOptions& o) {
  if (!o.images.empty() || !o.labels.empty()) return "idx";
  if (o.input.empty())
    throw CLI::ValidationError("--format", "give --images and --labels (idx) or --input");
  std::string name = o.input;
  if (name.size() > 3 && name.ends_with(".gz")) name.resize(name.size() - 3);
  const auto dot = name.rfind('.');
  const std::string ext = dot == std::string::npos ? "" : name.substr(dot);
  if (ext == ".csv") return "csv";
  if (ext == ".svm" || ext == ".libsvm") return "libsvm";
  throw CLI::ValidationError("--format", "cannot tell the format of " + o.input +
                                             " from its name: give --format libsvm or csv");
}

void add_import(CLI::App& data, Action& action) {
  auto o = std::make_shared<ImportOptions>();
  auto* cmd = data.add_subcommand("import", "convert a dataset into psml's HDF5 schema");
  cmd->add_option("--format", o->format,
                  "input format (default: idx with --images / --labels, else from --input's "
                  "name: .csv, .svm / .libsvm)")
      ->check(CLI::IsMember({"idx", "libsvm", "csv"}));
  cmd->add_option("--images", o->images, "idx: images file (.gz or plain)");
  cmd->add_option("--labels", o->labels, "idx: labels file (.gz or plain)");
  cmd->add_option("--input", o->input, "libsvm, csv: the text file");
  cmd->add_option("--label-column", o->label_column,
                  "csv: the label's column: first, last or a 0-based number")
      ->capture_default_str();
  cmd->add_option("--header", o->header,
                  "csv: skip a header line (auto: when the first line is not all numbers)")
      ->check(CLI::IsMember({"auto", "yes", "no"}))
      ->capture_default_str();
  cmd->add_option("--delimiter", o->delimiter, "csv: the field separator (one character, or tab)")
      ->capture_default_str();
  cmd->add_option("--task", o->task, "csv: what the label is")
      ->check(CLI::IsMember({"classification", "regression"}))
      ->capture_default_str();
  cmd->add_flag("--zero-based", o->zero_based, "libsvm: indices start at 0 (default: 1)");
  cmd->add_option_function<std::string>(
         "--label-base",
         [o](const std::string& v) {
           o->label_base = v == "auto"  ? data::kAutoLabels
                           : v == "pm1" ? data::kPlusMinusOne
                                        : std::stoi(v);
         },
         "libsvm: how labels become class ids: 0 or 1 (subtracted), pm1 (-1 / +1 become 0 / 1), "
         "auto (pm1 when every label is -1 or +1, else 1 when none is below 1, else 0)")
      ->check(CLI::IsMember({"auto", "0", "1", "pm1"}))
      ->default_str("auto");
  cmd->add_option("--features", o->features, "libsvm: number of columns (default: largest index)")
      ->check(CLI::Range(std::int64_t{1}, std::int64_t{1} << 40));
  cmd->add_option("--divide-by", o->divide_by,
                  "divide every feature by this (255: pixels to [0, 1])")
      ->check(positive_number)
      ->capture_default_str();
  cmd->add_option("--out", o->out, "HDF5 file to write")->required();
  cmd->callback([o, &action] {
    if (o->format.empty()) o->format = guess_format(*o);
    if (o->format == "idx" && (o->images.empty() || o->labels.empty()))
      throw CLI::ValidationError("--format idx", "needs --images and --labels");
    if (o->format != "idx" && o->input.empty())
      throw CLI::ValidationError("--format " + o->format, "needs --input");
    data::CsvOptions csv;
    if (o->format == "csv") csv = csv_options(*o);
    action = on_rank_zero([o, csv] {
      // The file appears under its name only once complete (core/atomic_file.hpp).
      write_atomically(o->out, [&](const std::string& out) {
        if (o->format == "idx")
          data::import_idx(o->images, o->labels, out, 1.0f / o->divide_by);
        else if (o->format == "csv")
          data::import_csv(o->input, out, csv, 1.0f / o->divide_by);
        else
          std::cout << data::import_libsvm(o->input, out, o->zero_based, o->features, o->label_base)
                    << "\n";
      });
      std::cout << "wrote " << o->out << std::endl;
    });
  });
}

void add_synth(CLI::App& data, Action& action) {
  auto spec = std::make_shared<data::SyntheticSpec>();
  auto out = std::make_shared<std::string>();
  auto task = std::make_shared<std::string>("classification");
  auto* cmd = data.add_subcommand("synth", "write a seeded synthetic data set");
  cmd->add_option("--task", *task, "kind of labels")
      ->check(CLI::IsMember({"classification", "regression"}))
      ->capture_default_str();
  cmd->add_option("--rows", spec->rows, "rows")
      ->check(CLI::Range(std::int64_t{1}, std::int64_t{1} << 40))
      ->capture_default_str();
  cmd->add_option("--features", spec->features, "features")
      ->check(CLI::Range(std::int64_t{1}, std::int64_t{1} << 30))
      ->capture_default_str();
  cmd->add_option("--classes", spec->classes, "classes (classification)")
      ->check(CLI::Range(std::int64_t{2}, std::int64_t{1} << 20))
      ->capture_default_str();
  cmd->add_option("--separation", spec->separation, "spread of class centres")
      ->check(non_negative_number)
      ->capture_default_str();
  cmd->add_option("--noise", spec->noise, "regression noise std-dev")
      ->check(non_negative_number)
      ->capture_default_str();
  cmd->add_option("--seed", spec->seed, "random seed")->capture_default_str();
  cmd->add_option("--gzip", spec->gzip_level,
                  "dense files: gzip level of the chunks, 0 for none (read faster, as h5py "
                  "writes by default)")
      ->check(CLI::Range(0, 9))
      ->capture_default_str();
  cmd->add_option("--test-rows", spec->test_rows,
                  "also write this many test rows (same distribution)")
      ->check(CLI::Range(std::int64_t{0}, std::int64_t{1} << 40));
  cmd->add_option("--test-out", spec->test_out, "the test file for --test-rows");
  cmd->add_option("--nnz", spec->nnz, "sparse binary classification (CSR): values per row")
      ->check(CLI::Range(std::int64_t{1}, std::int64_t{1} << 30));
  cmd->add_option("--out", *out, "HDF5 file to write")->required();
  cmd->callback([spec, out, task, &action] {
    spec->task = *task == "regression" ? data::Task::kRegression : data::Task::kClassification;
    action = on_rank_zero([spec, out] {
      data::write_synthetic(*spec, *out);
      std::cout << "wrote " << *out << std::endl;
      if (spec->test_rows > 0) std::cout << "wrote " << spec->test_out << std::endl;
    });
  });
}

void add_inspect(CLI::App& data, Action& action) {
  auto path = std::make_shared<std::string>();
  auto names = std::make_shared<data::DatasetNames>();
  auto* cmd =
      data.add_subcommand("inspect", "print shape, dtypes, class counts and ranges of a data file");
  cmd->add_option("file", *path, "HDF5 data file")->required();
  add_dataset_name_options(cmd, *names);
  cmd->callback([path, names, &action] {
    action = on_rank_zero(
        [path, names] { data::print_summary(std::cout, data::summarize_dataset(*path, *names)); });
  });
}

}  // namespace

void add_dataset_name_options(CLI::App* cmd, data::DatasetNames& names) {
  cmd->add_option("--features-path", names.features,
                  "the features' dataset in the file (an HDF5 path: X, /train/X)")
      ->capture_default_str();
  cmd->add_option("--labels-path", names.labels,
                  "the labels' dataset in the file (an HDF5 path: y, /train/y)")
      ->capture_default_str();
}

void add_data_command(CLI::App& app, Action& action) {
  auto* data = app.add_subcommand("data", "import, generate and inspect data files");
  data->require_subcommand(1);
  add_import(*data, action);
  add_synth(*data, action);
  add_inspect(*data, action);
}

}  // namespace psml::cli
