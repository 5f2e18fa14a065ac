#!/usr/bin/env bash
# The main job: set up (what psml needs to build and run, no test tools), build, import
# Fashion-MNIST into HDF5, train softmax regression on 4 ranks.
set -euo pipefail
source "$(dirname "$0")/env.sh"
"$PSML_ROOT/scripts/setup.sh"
"$PSML_ROOT/scripts/build.sh"
psml="$PSML_BUILD/bin/psml"
data="$PSML_ROOT/data"
mkdir -p "$data"
src=/usr/share/datasets/fashion-mnist
for split in train t10k; do
  [[ -f "$data/fmnist-$split.h5" ]] || "$psml" data import --format idx \
      --images "$src/$split-images-idx3-ubyte.gz" --labels "$src/$split-labels-idx1-ubyte.gz" \
      --divide-by 255 --out "$data/fmnist-$split.h5"
done
mpirun --oversubscribe -np 4 "$psml" train --model softmax \
  --data "$data/fmnist-train.h5" --test "$data/fmnist-t10k.h5" \
  --epochs 10 --batch 128 --optimizer sgd --lr 0.5 --lr-schedule cosine "$@"
