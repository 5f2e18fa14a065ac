#!/usr/bin/env bash
# Installs the peers bench/mlp_vs_peers.py runs beside psml, from Debian's packages (large:
# PyTorch alone is several hundred MB). Not needed to build or test psml.
set -euo pipefail
packages=(python3-torch python3-sklearn python3-h5py libopenblas0-pthread dataset-fashion-mnist)
sudo_cmd=()
if [[ $(id -u) -ne 0 ]]; then sudo_cmd=(sudo); fi
"${sudo_cmd[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${packages[@]}"
