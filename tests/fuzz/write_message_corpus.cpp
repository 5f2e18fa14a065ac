// Writes the message fuzzer's seed corpus: one encoded ps::Message of each kind into the directory
// given (tests/fuzz/corpus/message holds its output; rerun it when a message changes).
#include <fstream>
#include <iostream>
#include <string>

#include "psml/comm/message_codec.hpp"
#include "psml/ps/messages.hpp"

namespace {

void write(const std::string& directory, const std::string& name, const psml::ps::Message& m) {
  std::ofstream(directory + "/" + name, std::ios::binary) << psml::comm::encode(m);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: write_message_corpus DIRECTORY\n";
    return 2;
  }
  using namespace psml::ps;
  const std::string dir = argv[1];
  write(dir, "init_shard", InitShard{1000, 4690, false, false});
  write(dir, "init_shard_zeros", InitShard{7850, 100, true, false});
  write(dir, "push_dense", Push{1, 12, 11, 64, -1});
  write(dir, "push_sparse", Push{0, 3, 2, 32, 517});
  write(dir, "pull", Pull{2, 5, -1});
  write(dir, "pull_reply", PullReply{42, 40, 2, 0.125});
  write(dir, "done", Done{3});
  psml::checkpoint::Metadata meta;
  meta.model = "mlp hidden=256,128 activation=relu output=auto init=auto";
  meta.features = 784;
  meta.num_classes = 10;
  meta.task = "classification";
  meta.optimizer = "adam";
  meta.config = "--lr 0.001 --batch 128";
  meta.mode = "ps";
  meta.world_size = 4;
  meta.workers = 2;
  meta.servers = 2;
  meta.num_params = 235146;
  meta.state_slots = 2;
  write(dir, "checkpoint_request", CheckpointRequest{meta, {"ckpt", 3, ""}});
  write(dir, "checkpoint_done", CheckpointDone{"ckpt/ckpt-000000000469.h5"});
  return 0;
}
