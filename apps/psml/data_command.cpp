#include <iostream>
#include <memory>
#include <sstream>

#include "commands.hpp"
#include "psml/comm/agreement.hpp"
#include "psml/core/atomic_file.hpp"
#include "psml/data/csv_reader.hpp"
#include "psml/data/idx_reader.hpp"
#include "psml/data/inspect.hpp"
#include "psml/data/libsvm_reader.hpp"
#include "psml/data/schema.hpp"
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
  std::string label_column, header = "auto", delimiter, task = "classification";
  std::vector<std::string> drop_columns;
  float divide_by = 1.0f;
  bool zero_based = false;
  int label_base = data::kAutoLabels;
  std::int64_t features = 0;
};

data::CsvOptions csv_options(const ImportOptions& o) {
  data::CsvOptions csv;
  csv.header = data::parse_csv_header(o.header);
  csv.task = o.task == "regression" ? data::Task::kRegression : data::Task::kClassification;
  csv.label_column = o.label_column;
  csv.drop_columns = o.drop_columns;
  if (o.delimiter.empty()) return csv;  // guessed from the name and the first line
  const std::string delimiter = o.delimiter == "tab" || o.delimiter == "\\t" ? "\t" : o.delimiter;
  if (delimiter.size() != 1 ||
      std::string_view("0123456789.+-eE\"").find(delimiter[0]) != std::string_view::npos)
    throw CLI::ValidationError("--delimiter",
                               "must be one character that cannot be part of a "
                               "number nor a quote, or tab, not '" +
                                   o.delimiter + "'");
  csv.delimiter = delimiter[0];
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
  if (ext == ".csv" || ext == ".tsv" || ext == ".tab") return "csv";
  if (ext == ".svm" || ext == ".libsvm") return "libsvm";
  throw CLI::ValidationError("--format", "cannot tell the format of " + o.input +
                                             " from its name: give --format libsvm or csv");
}

// One line on what an import wrote, read back from the file, so that a wrong import (an index
// taken for the label, a header read as a row) shows at once: "wrote p.h5: 200 rows x 4
// features, 2 classes; header skipped; label: column 5 (label), by its name".
std::string import_summary(const std::string& out, const std::vector<std::string>& notes) {
  const auto info = data::describe_dataset(out);
  std::ostringstream line;
  line << "wrote " << out << ": " << info.rows << " rows x " << info.features << " features";
  if (info.sparse) line << " (sparse, " << info.nnz << " values)";
  if (info.task == data::Task::kRegression)
    line << ", regression targets";
  else
    line << ", " << info.num_classes << " classes";
  for (const auto& note : notes) line << "; " << note;
  return line.str();
}

// Converts the input; returns how it was read, in words, for the summary.
std::vector<std::string> run_import(const ImportOptions& o, const data::CsvOptions& csv,
                                    const std::string& out) {
  const float scale = 1.0f / o.divide_by;
  std::vector<std::string> notes;
  if (o.format == "idx")
    data::import_idx(o.images, o.labels, out, scale);
  else if (o.format == "csv")
    notes = data::import_csv(o.input, out, csv, scale);
  else
    notes.push_back(data::import_libsvm(o.input, out, o.zero_based, o.features, o.label_base));
  if (o.divide_by != 1.0f && o.format != "libsvm") {
    std::ostringstream note;
    note << "features divided by " << o.divide_by;
    notes.push_back(note.str());
  }
  return notes;
}

void add_import_csv_options(CLI::App& cmd, ImportOptions& o) {
  cmd.add_option("--label-column", o.label_column,
                 "csv: the label's column: a header name, a 0-based number, first or last "
                 "(default: the column named label, else target, class or y, else the first)");
  cmd.add_option("--drop-columns", o.drop_columns,
                 "csv: columns to leave out, by header name or 0-based number, comma-separated "
                 "(pandas' unnamed index column is left out without it)")
      ->delimiter(',');
  cmd.add_option("--header", o.header,
                 "csv: skip a header line (auto: when the first line is not all numbers, or is "
                 "pandas' column names 0,1,...)")
      ->check(CLI::IsMember({"auto", "yes", "no"}))
      ->capture_default_str();
  cmd.add_option("--delimiter", o.delimiter,
                 "csv: the field separator, one character or tab (default: tab for .tsv / .tab "
                 "names or a first line with tabs and no commas, else ',')");
  cmd.add_option("--task", o.task, "csv: what the label is")
      ->check(CLI::IsMember({"classification", "regression"}))
      ->capture_default_str();
}

void add_import(CLI::App& data, Action& action) {
  auto o = std::make_shared<ImportOptions>();
  auto* cmd = data.add_subcommand("import", "convert a dataset into psml's HDF5 schema");
  cmd->add_option("--format", o->format,
                  "input format (default: idx with --images / --labels, else from --input's "
                  "name: .csv / .tsv / .tab, .svm / .libsvm)")
      ->check(CLI::IsMember({"idx", "libsvm", "csv"}));
  cmd->add_option("--images", o->images, "idx: images file (.gz or plain)");
  cmd->add_option("--labels", o->labels, "idx: labels file (.gz or plain)");
  cmd->add_option("--input", o->input, "libsvm, csv: the text file");
  add_import_csv_options(*cmd, *o);
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
      std::vector<std::string> notes;
      // The file appears under its name only once complete (core/atomic_file.hpp).
      write_atomically(o->out, [&](const std::string& out) { notes = run_import(*o, csv, out); });
      std::cout << import_summary(o->out, notes) << std::endl;
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
