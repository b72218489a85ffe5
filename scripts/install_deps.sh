#!/usr/bin/env bash
# Installs every Debian package tunas-cpp needs. Idempotent: calls apt only when
# something is missing. Usage: scripts/install_deps.sh [--with-dataset] [--with-torch]
#   --with-dataset  also Debian's dataset-fashion-mnist (the main job's data)
#   --with-torch    also python3-torch (dev-only: golden files and the PyTorch peer)
set -euo pipefail

# ocl-icd-opencl-dev: Debian's dnnl CMake config calls find_package(OpenCL REQUIRED) (libdnnl-dev
# only Recommends it, and recommends are not installed here).
packages=(build-essential cmake pkg-config zlib1g-dev libdnnl-dev ocl-icd-opencl-dev libeigen3-dev
          libyaml-cpp-dev libtbb-dev doctest-dev python3-venv
          nlohmann-json3-dev libcli11-dev                # JSON, command lines
          libonnx-dev libprotobuf-dev protobuf-compiler  # ONNX export
          libopenmpi-dev openmpi-bin iproute2            # MPI data parallelism (+ netns tests)
          libturbojpeg0-dev libpng-dev                   # image-folder datasets
          clang-14 libclang-rt-14-dev                    # libFuzzer harnesses, sanitizers
          chromium)                                      # report.html rendering check
for arg in "$@"; do
  case "$arg" in
    --with-dataset) packages+=(dataset-fashion-mnist) ;;
    --with-torch) packages+=(python3-torch python3-numpy) ;;
    *) echo "install_deps.sh: unknown option '$arg'" >&2; exit 2 ;;
  esac
done

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install_deps.sh: all packages present"
  exit 0
fi
echo "install_deps.sh: installing ${missing[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
