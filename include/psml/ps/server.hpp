// A parameter server: owns one key range of the flat parameter vector and that range's optimizer
// state, applies the optimizer to the gradients workers push, and answers pulls when the
// consistency policy allows. Single-threaded: the loop only ever blocks receiving; replies go out
// through the transport without blocking, so no request of any worker can wait behind another.
//
// Optimizer time is the global step in every consistency mode: a push for global step s is
// applied with the schedule's rate of step s and Adam's t = s, whether the server sums the
// workers' pushes of that step first (bsp) or applies each as it arrives (ssp, async).
//
//   ChannelTransport transport(world);
//   Server server(transport, roles, roles.server_index(world.rank()), options, &servers);
//   server.run();  // until every worker has sent Done
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include "psml/compress/gradient_codec.hpp"
#include "psml/optim/optimizer_factory.hpp"
#include "psml/optim/schedule.hpp"
#include "psml/optim/sparse_update.hpp"
#include "psml/ps/consistency.hpp"
#include "psml/ps/key_layout.hpp"
#include "psml/ps/messages.hpp"
#include "psml/ps/roles.hpp"
#include "psml/ps/shared_payloads.hpp"
#include "psml/ps/transport.hpp"

namespace psml::ps {

struct ServerOptions {
  Consistency consistency;
  optim::OptimizerSpec optimizer;
  checkpoint::WriteHook checkpoint_hook;  // tests inject crashes between datasets
  double deadline_seconds = 300;          // longest wait for any worker's next message
  // Longest checkpoint write before this server ends the job: later than the workers' own
  // deadline, so that a worker waiting for the checkpoint names the stuck server first.
  double checkpoint_seconds = 600;
  bool step_check = true;  // a push must be for the step its worker's clock says
  KeyLayoutKind key_layout = KeyLayoutKind::kRanges;  // which keys this server holds
  std::function<bool()> stop_wanted;                  // this rank received SIGTERM / SIGINT
  std::function<void(std::int64_t)> on_step;  // when the first push of a step arrives (faults)
  // Dense payloads through shared memory (ps/shared_payloads.hpp); null: over the transport.
  const SharedPayloads* shared = nullptr;
  // How dense pushes are encoded (--compression): none, fp16, int8, topk:R or powersgd:R, and
  // for powersgd the model's weight matrices (KeyLayout::matrices_of cuts this server's rows).
  compress::CompressionSpec compression;
  std::vector<MatrixBlock> matrices;
};

class Server {
 public:
  // Server number `index` of roles.servers. `servers` holds the server ranks only: they write
  // checkpoints together over it (none: a checkpoint request is an error).
  Server(Transport& transport, const Roles& roles, int index, ServerOptions options,
         const comm::Communicator* servers = nullptr);

  // Before run(): takes this server's range and optimizer state from a checkpoint.
  void load(const std::string& path, const checkpoint::Metadata& meta);

  // Serves until every worker has sent Done; returns then.
  void run();

  // This server's keys and their current values (for checkpoints and tests).
  const data::StridedRange& keys() const { return keys_; }
  std::span<const float> params() const { return params_; }
  std::span<const float> optimizer_state() const { return state_; }
  // Updates applied so far (bsp: one per step; ssp, async: one per push).
  std::int64_t version() const { return version_; }
  // Payload bytes received (pushed keys and values, pulled keys) and sent (pulled values).
  std::int64_t payload_bytes() const { return payload_bytes_; }
  // After run(): the workers stopped early on a signal.
  bool stopped() const { return stopped_; }

 private:
  struct PendingPull {
    int source;
    Pull request;
    std::vector<std::int64_t> keys;  // sparse pulls
    double arrived;                  // seconds, for the wait time
    double updating_at_arrival;      // update_seconds_ then
  };
  struct BspSlot {
    bool filled = false;
    std::int64_t rows = 0;
    std::int64_t step = 0;
    std::vector<std::int64_t> keys;  // sparse pushes
    std::vector<float> values;
    const float* shared = nullptr;  // the values in the worker's shared slot (instead of values)
  };

  void check_request(int source, std::int32_t worker, std::int64_t sparse_keys) const;
  // Takes this server's keys of [0, num_keys) under the configured layout.
  void hold_keys(std::int64_t num_keys);
  // Where a key a worker sent sits in params_; a key this server does not hold ends the job.
  std::size_t local_index(std::int64_t key, std::int32_t worker, const char* what) const;
  void on_init(int source, const InitShard& init);
  void on_push(int source, const Push& push);
  // A push's values into `values`: as sent, or decoded (--compression).
  void receive_values(int source, const Push& push, std::span<float> values);
  void on_pull(int source, const Pull& pull);
  void on_checkpoint(int source, const CheckpointRequest& request);
  // Applies the gradient sum over `rows` rows to the given local keys (all keys if dense) as
  // the update of global step `step`.
  void apply(std::span<const std::int64_t> keys, std::span<const float> values, std::int64_t rows,
             std::int64_t step);
  void update(std::span<const std::int64_t> keys, std::span<const float> values, std::int64_t rows,
              std::int64_t step);  // apply's work, timed by apply
  void finish_bsp_step();
  bool can_answer(const PendingPull& pull) const;
  void answer_ready_pulls();
  void reply(const PendingPull& pull);
  // Shared payloads: copies params_ into the published parameters, unless they are current,
  // once every worker has copied the publication it was last sent.
  void publish();
  std::int64_t min_clock() const;
  std::string describe_waits() const;
  void check_step(int source, const Push& push) const;
  // Server 0: decides the clock at which every worker stops (see PullReply).
  void decide_stop();

  Transport& transport_;
  const comm::Communicator* servers_;
  Roles roles_;
  ServerOptions options_;
  int index_;
  bool initialized_ = false;
  bool loaded_ = false;
  KeyLayout layout_;
  data::StridedRange keys_;  // the keys this server holds, in the order params_ stores them
  std::vector<float> params_;
  std::vector<float> state_;
  std::unique_ptr<optim::Optimizer> optimizer_;
  std::optional<optim::Schedule> schedule_;
  std::int64_t version_ = 0;                  // updates applied (for staleness)
  std::int64_t steps_applied_ = 0;            // bsp: steps completed (the clock pulls wait for)
  std::vector<std::int64_t> clocks_;          // pushes received, per worker
  std::vector<std::int64_t> push_version_;    // version the last push was computed on, per worker
  std::vector<std::int64_t> last_staleness_;  // of the last push as applied, per worker
  std::vector<BspSlot> slots_;                // bsp: this step's push of each worker
  int slots_filled_ = 0;
  std::vector<float> accumulator_;                      // bsp: the step's summed gradient
  std::vector<std::pair<std::int64_t, float>> merged_;  // bsp, sparse: the pushed pairs
  std::vector<std::int64_t> merged_keys_;               // bsp, sparse: their distinct keys
  std::vector<float> scratch_grad_;                     // a push's values
  optim::SparseUpdate sparse_update_;             // sparse pushes: the optimizer on their keys
  std::optional<compress::GradientCodec> codec_;  // --compression: decodes dense pushes
  std::vector<std::byte> encoded_;                // scratch: an encoded push
  std::deque<PendingPull> pending_;
  int done_ = 0;
  std::int64_t max_clock_ = 0;  // the highest push clock received (for the step hook)
  std::int64_t stop_at_ = -1;   // server 0: the decided stop clock
  bool stop_hint_ = false;      // this server received a stop signal
  bool stopped_ = false;        // a worker said Done{stopped}
  std::int64_t payload_bytes_ = 0;
  bool replies_from_params_ = false;  // a dense reply sent from params_ may still be in flight
  // Seconds spent in optimizer updates, over the run, and its value at each worker's last push:
  // a reply tells its worker how much of its wait was the server updating.
  double update_seconds_ = 0;
  std::vector<double> updating_at_push_;
  std::int64_t published_version_ = -1;          // shared: version_ when last published
  std::vector<std::int64_t> publications_sent_;  // shared: replies sent per worker
};

}  // namespace psml::ps
