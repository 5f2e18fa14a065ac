#include "psml/checkpoint/checkpoint.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <boost/archive/binary_iarchive.hpp>
#include <boost/archive/binary_oarchive.hpp>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>

#include "psml/checkpoint/checksum.hpp"
#include "psml/comm/agreement.hpp"
#include "psml/comm/message_codec.hpp"
#include "psml/core/atomic_file.hpp"
#include "psml/core/error.hpp"
#include "psml/core/finite.hpp"
#include "psml/core/version.hpp"
#include "psml/data/class_names.hpp"
#include "psml/data/h5.hpp"

namespace fs = std::filesystem;

namespace psml::checkpoint {
namespace {

// A vector field: its length, checked on loading (as serialize_string checks a string's), then
// its elements.
template <class Archive, class T>
void serialize_length(Archive& a, std::vector<T>& values) {
  std::uint64_t size = values.size();
  a& size;
  if constexpr (Archive::is_loading::value) {
    if (size > comm::kMaxMessageString)
      throw error("malformed message: a list of ", size, " values (at most ",
                  comm::kMaxMessageString, ")");
    values.resize(static_cast<std::size_t>(size));
  }
}

template <class Archive>
void serialize_strings(Archive& a, std::vector<std::string>& texts) {
  serialize_length(a, texts);
  for (auto& text : texts) comm::serialize_string(a, text);
}

template <class Archive>
void serialize_doubles(Archive& a, std::vector<double>& values) {
  serialize_length(a, values);
  if (!values.empty())
    a& boost::serialization::make_binary_object(values.data(), values.size() * sizeof(double));
}

}  // namespace

template <class Archive>
void Metadata::serialize(Archive& a, unsigned) {
  // Strings through the checked helper: a message's declared lengths are not trusted.
  comm::serialize_string(a, model);
  a& features& num_classes;
  comm::serialize_string(a, task);
  comm::serialize_string(a, optimizer);
  a& optimizer_step;
  comm::serialize_string(a, config);
  a& epoch& step_in_epoch& global_step& seed;
  comm::serialize_string(a, mode);
  a& world_size& workers& servers& num_params& state_slots;
  serialize_strings(a, class_names);
  serialize_doubles(a, standardization.mean);
  serialize_doubles(a, standardization.scale);
}
template void Metadata::serialize(boost::archive::binary_oarchive&, unsigned);
template void Metadata::serialize(boost::archive::binary_iarchive&, unsigned);

template <class Archive>
void Destination::serialize(Archive& a, unsigned) {
  comm::serialize_string(a, directory);
  a& keep;
  comm::serialize_string(a, file);
}
template void Destination::serialize(boost::archive::binary_oarchive&, unsigned);
template void Destination::serialize(boost::archive::binary_iarchive&, unsigned);

namespace {

constexpr const char* kFormat = "psml-checkpoint-1";
constexpr const char* kParams = "params";
constexpr const char* kState = "optimizer_state";
constexpr const char* kMean = "standardize_mean";
constexpr const char* kScale = "standardize_scale";

// Writes `bytes` to a new file `path`; every failure (EFBIG, ENOSPC, EIO) names the file.
void write_bytes(const std::string& path, const std::vector<char>& bytes) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) throw error(path, ": cannot create: ", std::strerror(errno));
  std::size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const int cause = n < 0 ? errno : ENOSPC;
      ::close(fd);
      throw error(path, ": cannot write: ", std::strerror(cause));
    }
    done += static_cast<std::size_t>(n);
  }
  if (::close(fd) != 0) throw error(path, ": cannot write: ", std::strerror(errno));
}

std::string checkpoint_name(std::int64_t step) {
  char name[64];
  std::snprintf(name, sizeof name, "ckpt-%012lld.h5", static_cast<long long>(step));
  return name;
}

std::string now_iso() {
  const auto t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
  return text;
}

// Renames the finished temporary file into place; a directory of checkpoints then gets its
// `latest` and loses the checkpoints beyond `keep`.
void commit(const Destination& to, const std::string& directory, const std::string& tmp,
            const std::string& name) {
  publish_file(tmp, (fs::path(directory) / name).string());
  if (!to.file.empty()) return;
  const int keep = to.keep;
  write_file_atomically((fs::path(directory) / "latest").string(), name + "\n");
  const auto all = checkpoints_in(directory);
  for (std::size_t i = static_cast<std::size_t>(std::max(keep, 1)); i < all.size(); ++i)
    fs::remove(fs::path(directory) / all[i]);
  // Temporary files of writers that crashed before: never checkpoints, now only litter.
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(directory, ec)) {
    const auto file = entry.path().filename().string();
    if (file.rfind(".ckpt-", 0) == 0 && entry.path().extension() == ".tmp")
      fs::remove(entry.path(), ec);
  }
}

// The partial checksum of values holding `keys` in order, the key k at position offset + k.
std::uint64_t keys_hash(std::span<const float> values, const data::StridedRange& keys,
                        std::int64_t offset) {
  std::uint64_t h = 0;
  std::size_t at = 0;
  keys.for_each_run([&](std::int64_t first, std::int64_t length) {
    const auto n = static_cast<std::size_t>(length);
    h += positional_hash(values.subspan(at, n), static_cast<std::uint64_t>(offset + first));
    at += n;
  });
  return h;
}

std::uint64_t state_hash(std::span<const float> state, std::int64_t slots,
                         const data::StridedRange& keys, std::int64_t num_params) {
  std::uint64_t h = 0;
  const auto count = static_cast<std::size_t>(keys.count());
  for (std::int64_t s = 0; s < slots; ++s)
    h += keys_hash(state.subspan(static_cast<std::size_t>(s) * count, count), keys, s * num_params);
  return h;
}

// /standardize_mean and /standardize_scale, created by every writer, written by `writes`.
void write_standardization(const h5::File& file, const data::Standardization& s, bool writes) {
  if (s.empty()) return;
  const auto n = static_cast<hsize_t>(s.features());
  for (const auto& [name, values] : {std::pair{kMean, &s.mean}, std::pair{kScale, &s.scale}}) {
    const auto ds = file.create_dataset<double>(name, {n}, {}, 0);
    if (writes) ds.write_block<double>({0}, {n}, *values);
  }
}

// The optional parts of the metadata: the class names, the standardisation.
void read_model_extras(const h5::File& file, Metadata& m) {
  m.class_names = data::read_class_names(file, m.num_classes);
  if (!file.has_dataset(kMean)) return;
  auto& s = m.standardization;
  for (const auto& [name, values] : {std::pair{kMean, &s.mean}, std::pair{kScale, &s.scale}}) {
    const auto ds = file.dataset(name);
    if (ds.dims() != std::vector<hsize_t>{static_cast<hsize_t>(m.features)})
      throw error(ds.where(), ": must hold one value per feature (", m.features, ")");
    values->resize(static_cast<std::size_t>(m.features));
    ds.read_block<double>({0}, {static_cast<hsize_t>(m.features)}, *values);
  }
}

}  // namespace

std::string write_checkpoint(const Destination& to, const Metadata& meta,
                             const data::StridedRange& keys, std::span<const float> params,
                             std::span<const float> state,
                             std::span<const std::int64_t> worker_clocks,
                             const comm::Communicator& writers, const WriteHook& hook) {
  const bool one_file = !to.file.empty();
  const std::string directory = one_file ? fs::path(to.file).parent_path().string() : to.directory;
  const std::string name =
      one_file ? fs::path(to.file).filename().string() : checkpoint_name(meta.global_step);
  if (name.empty() || name == "." || name == "..")
    throw error(to.file, ": not a file name to save the model to");
  const std::string tmp = temporary_path_for((fs::path(directory) / name).string());
  comm::run_agreed(writers, [&] {
    // The last line of defence of "every checkpoint holds the last good step": a sum that
    // overflowed, or an optimizer that did, is caught by the loss only one step later.
    if (!all_finite(params) || !all_finite(state))
      throw error("training diverged: refusing to write checkpoint ", name,
                  ": its parameters or optimizer state hold a NaN or Inf (try a smaller --lr)");
    if (writers.rank() != 0) return;
    if (directory.empty()) return;  // the working directory
    std::error_code ec;
    fs::create_directories(directory, ec);
    if (!fs::is_directory(directory))
      throw error(directory, one_file ? ": cannot create the directory of the model file"
                                      : ": cannot create the checkpoint directory");
  });
  std::uint64_t sums[2] = {keys_hash(params, keys, 0),
                           state_hash(state, meta.state_slots, keys, meta.num_params)};
  writers.allreduce(std::span<std::uint64_t>(sums));  // unsigned: the sum wraps modulo 2^64
  try {
    comm::run_agreed(writers, [&] {
      // One writer (allreduce mode) builds the file in memory and writes its bytes itself, so a
      // full disk is an error psml sees, not a failed write inside HDF5 (which leaves a file HDF5
      // cannot close, and crashes it at exit). The price: the file's size in memory, briefly.
      const bool alone = writers.size() == 1;
      const auto file = alone ? h5::File::create_in_memory(tmp)
                              : h5::File::create_parallel(tmp, writers.native());
      const auto p = static_cast<hsize_t>(meta.num_params);
      const auto slots = static_cast<hsize_t>(meta.state_slots);
      const auto params_ds = file.create_dataset<float>(kParams, {p}, {}, 0);
      const auto state_ds = file.create_dataset<float>(kState, {slots, p}, {}, 0);
      const auto clocks = static_cast<hsize_t>(worker_clocks.size());
      const auto clocks_ds = file.create_dataset<std::int64_t>("worker_clocks", {clocks}, {}, 0);
      if (writers.rank() == 0) clocks_ds.write_block<std::int64_t>({0}, {clocks}, worker_clocks);
      write_standardization(file, meta.standardization, writers.rank() == 0);
      params_ds.write_columns<float>(keys, 0, params);
      params_ds.set_attribute("checksum", static_cast<std::int64_t>(sums[0]));
      if (hook) hook(1);
      if (slots > 0) state_ds.write_columns<float>(keys, slots, state);
      state_ds.set_attribute("checksum", static_cast<std::int64_t>(sums[1]));
      if (hook) hook(2);
      file.set_attribute("format", std::string(kFormat));
      file.set_attribute("psml_version", std::string(kVersion));
      file.set_attribute("created", now_iso());
      file.set_attribute("model", meta.model);
      file.set_attribute("features", meta.features);
      file.set_attribute("num_classes", meta.num_classes);
      file.set_attribute("task", meta.task);
      file.set_attribute("optimizer", meta.optimizer);
      file.set_attribute("optimizer_step", meta.optimizer_step);
      file.set_attribute("config", meta.config);
      file.set_attribute("epoch", meta.epoch);
      file.set_attribute("step_in_epoch", meta.step_in_epoch);
      file.set_attribute("global_step", meta.global_step);
      file.set_attribute("seed", static_cast<std::int64_t>(meta.seed));
      file.set_attribute("mode", meta.mode);
      file.set_attribute("world_size", meta.world_size);
      file.set_attribute("workers", meta.workers);
      file.set_attribute("servers", meta.servers);
      data::write_class_names(file, meta.class_names);
      if (alone)
        write_bytes(tmp, file.image());
      else
        file.flush();  // a full disk shows here, before anything is committed
    });
    comm::run_agreed(writers, [&] {
      if (writers.rank() == 0) commit(to, directory.empty() ? "." : directory, tmp, name);
    });
  } catch (...) {
    if (writers.rank() == 0) {
      std::error_code ec;
      fs::remove(tmp, ec);  // never leave a half-written file that looks like a checkpoint
    }
    throw;
  }
  return one_file ? to.file : (fs::path(directory) / name).string();
}

Metadata read_metadata(const std::string& path) {
  const auto file = h5::File::open_read(path);
  const auto format = file.string_attribute("format");
  if (!format || *format != kFormat)
    throw error(path, ": not a psml checkpoint (attribute format is ",
                format ? "'" + *format + "'" : "missing", ")");
  const auto need_int = [&](const char* name) {
    const auto v = file.int_attribute(name);
    if (!v) throw error(path, ": checkpoint lacks attribute ", name);
    return *v;
  };
  const auto need_string = [&](const char* name) {
    const auto v = file.string_attribute(name);
    if (!v) throw error(path, ": checkpoint lacks attribute ", name);
    return *v;
  };
  Metadata m;
  m.model = need_string("model");
  m.features = need_int("features");
  m.num_classes = need_int("num_classes");
  m.task = need_string("task");
  m.optimizer = need_string("optimizer");
  m.optimizer_step = need_int("optimizer_step");
  m.config = need_string("config");
  m.epoch = need_int("epoch");
  m.step_in_epoch = need_int("step_in_epoch");
  m.global_step = need_int("global_step");
  m.seed = static_cast<std::uint64_t>(need_int("seed"));
  m.mode = need_string("mode");
  m.world_size = need_int("world_size");
  m.workers = need_int("workers");
  m.servers = need_int("servers");
  const auto pdims = file.dataset(kParams).dims();
  const auto sdims = file.dataset(kState).dims();
  if (pdims.size() != 1 || sdims.size() != 2 || sdims[1] != pdims[0])
    throw error(path, ": /params and /optimizer_state have inconsistent shapes");
  m.num_params = static_cast<std::int64_t>(pdims[0]);
  m.state_slots = static_cast<std::int64_t>(sdims[0]);
  read_model_extras(file, m);
  return m;
}

void read_range(const std::string& path, const Metadata& meta, const data::StridedRange& keys,
                std::span<float> params, std::span<float> state) {
  const auto file = h5::File::open_read(path);
  file.dataset(kParams).read_columns<float>(keys, 0, params);
  if (meta.state_slots > 0)
    file.dataset(kState).read_columns<float>(keys, static_cast<hsize_t>(meta.state_slots), state);
}

namespace {

// Reads everything and compares the checksums; throws psml::Error saying what is wrong.
void verify(const std::string& path) {
  const auto meta = read_metadata(path);
  const auto all = data::StridedRange(data::RowRange{0, meta.num_params});
  std::vector<float> params(static_cast<std::size_t>(meta.num_params));
  std::vector<float> state(static_cast<std::size_t>(meta.num_params * meta.state_slots));
  read_range(path, meta, all, params, state);
  const auto file = h5::File::open_read(path);
  const auto expect_params = file.dataset(kParams).int_attribute("checksum");
  const auto expect_state = file.dataset(kState).int_attribute("checksum");
  if (!expect_params || !expect_state) throw error(path, ": checkpoint lacks its checksums");
  if (static_cast<std::int64_t>(positional_hash(params, 0)) != *expect_params)
    throw error(path, ": /params does not match its checksum (damaged)");
  if (static_cast<std::int64_t>(state_hash(state, meta.state_slots, all, meta.num_params)) !=
      *expect_state)
    throw error(path, ": /optimizer_state does not match its checksum (damaged)");
}

}  // namespace

std::string find_valid_checkpoint(const std::string& directory, std::vector<std::string>& notes) {
  if (fs::is_regular_file(directory)) {
    verify(directory);
    return directory;
  }
  if (!fs::is_directory(directory))
    throw error(directory, ": no such checkpoint directory or file");
  std::vector<std::string> candidates;
  const auto latest_path = fs::path(directory) / "latest";
  if (fs::exists(latest_path)) {
    std::ifstream in(latest_path);
    std::string name;
    std::getline(in, name);
    if (!name.empty() && fs::exists(fs::path(directory) / name))
      candidates.push_back(name);
    else
      notes.push_back(latest_path.string() + " names '" + name + "', which does not exist");
  }
  for (const auto& name : checkpoints_in(directory))
    if (std::find(candidates.begin(), candidates.end(), name) == candidates.end())
      candidates.push_back(name);
  for (const auto& name : candidates) {
    const auto path = (fs::path(directory) / name).string();
    try {
      verify(path);
      return path;
    } catch (const Error& e) {
      notes.push_back(std::string(e.what()) + "; skipped");
    }
  }
  if (candidates.empty())
    throw error(directory,
                ": holds no checkpoint (no ckpt-<step>.h5 file; psml train writes them)");
  throw error(directory, ": no checkpoint verifies");
}

std::vector<std::string> checkpoints_in(const std::string& directory) {
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(directory, ec)) {
    const auto name = entry.path().filename().string();
    if (name.rfind("ckpt-", 0) == 0 && entry.path().extension() == ".h5") names.push_back(name);
  }
  std::sort(names.rbegin(), names.rend());  // zero-padded steps: text order is step order
  return names;
}

Every Every::parse(const std::string& text) {
  std::size_t used = 0;
  long long n = 0;
  try {
    n = std::stoll(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  const auto unit = text.substr(used);
  if (used > 0 && n >= 1) {
    if (unit == "epoch" || unit == "epochs") return {n, true};
    if (unit == "step" || unit == "steps") return {n, false};
  }
  throw error("--checkpoint-every: '", text,
              "' is not N steps or N epochs (e.g. 500steps, 1epoch)");
}

bool Every::due(std::int64_t global_step, std::int64_t step_in_epoch,
                std::int64_t epoch_done) const {
  if (count == 0) return false;
  if (epochs) return step_in_epoch == 0 && epoch_done > 0 && epoch_done % count == 0;
  return global_step % count == 0;
}

}  // namespace psml::checkpoint
