// train_from_cpp: psml as a library. Trains a small MLP on an HDF5 data file, data-parallel over
// every MPI rank (each rank computes gradients on its share of a batch; an allreduce sums them),
// prints each epoch's loss and accuracy, and saves the trained model as a checkpoint file.
//
//   mpiexec -n 2 ./train_from_cpp TRAIN.h5 TEST.h5 MODEL.h5
//
// The data files follow psml's schema (/features, /labels): `psml data synth --out TRAIN.h5
// --test-rows 500 --test-out TEST.h5` writes a pair. `psml checkpoint inspect MODEL.h5` reads
// the model back; `psml eval` and `psml predict` use it.
#include <iostream>

#include "psml/comm/agreement.hpp"
#include "psml/comm/environment.hpp"
#include "psml/train/trainer.hpp"

int main(int argc, char** argv) {
  // MPI for the lifetime of the program: created first, finalised when `env` goes out of scope.
  psml::comm::Environment env(argc, argv, psml::comm::Threading::kFunneled);
  const auto world = psml::comm::Communicator::world();
  const bool rank0 = world.rank() == 0;  // rank 0 does the printing
  if (argc != 4) {
    if (rank0) std::cerr << "usage: " << argv[0] << " TRAIN.h5 TEST.h5 MODEL.h5\n";
    return 2;
  }

  // The run, as `psml train`'s options would describe it (psml/train/train_config.hpp).
  psml::train::TrainConfig config;
  config.train_path = argv[1];
  config.test_path = argv[2];  // evaluated after each epoch
  config.save_model = argv[3];
  config.model.name = "mlp";
  config.model.hidden = {64, 32};  // two hidden layers
  config.optimizer.name = "adam";
  config.optimizer.lr = 0.01f;
  config.epochs = 5;
  config.global_batch = 128;  // split across the ranks
  config.mode = psml::train::Mode::kAllreduce;

  psml::train::TrainCallbacks callbacks;
  callbacks.on_epoch = [rank0](const psml::train::EpochMetrics& m) {
    if (rank0) psml::train::print_epoch(std::cout, m);
  };
  try {
    // Collective: every rank calls it with the same configuration.
    const auto result = psml::train::train(config, world, callbacks);
    if (rank0) std::cout << "model saved to " << result.model_file << "\n";
  } catch (const psml::comm::CollectiveError& e) {
    // Bad data or options: every rank knows, one of them says why, all exit through MPI_Finalize.
    if (e.reporter()) std::cerr << "error: " << e.what() << "\n";
    return 1;
  }
}
