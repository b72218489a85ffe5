#!/usr/bin/env bash
# Makes (once) and prints the python of a dev-side virtual environment: the real clients that
# check our outputs (onnxruntime, tensorboard, Pillow) and the PyTorch speed peer. Never a
# product dependency. Usage: scripts/dev_venv.sh NAME PACKAGE [PACKAGE...]
#   prints <root>/NAME/bin/python on stdout; everything else goes to stderr.
# Root: $TUNAS_VENV_ROOT, else ~/.cache/tunas-cpp/venvs (kept between CI runs on one machine).
# A venv is reused when its stamp lists the same packages; creation is serialised by flock so
# that parallel ctest jobs can share it. Exit 3 when PyPI cannot be reached (callers skip).
set -euo pipefail
if [ $# -lt 2 ]; then echo "usage: $0 NAME PACKAGE [PACKAGE...]" >&2; exit 2; fi
name=$1; shift
root=${TUNAS_VENV_ROOT:-$HOME/.cache/tunas-cpp/venvs}
dir=$root/$name
want="$*"
mkdir -p "$root"
exec 9>"$root/$name.lock"
flock 9
if [ -x "$dir/bin/python" ] && [ "$(cat "$dir/.tunas-stamp" 2>/dev/null)" = "$want" ]; then
  echo "$dir/bin/python"; exit 0
fi
rm -rf "$dir"
py=""
for cand in python3 /usr/bin/python3; do
  if command -v "$cand" >/dev/null 2>&1 && "$cand" -c 'import venv, ensurepip' 2>/dev/null; then
    py=$cand; break
  fi
done
if [ -z "$py" ]; then
  echo "dev_venv.sh: no python3 with venv+ensurepip (install python3-venv)" >&2; exit 3
fi
echo "dev_venv.sh: creating $dir with: $want" >&2
"$py" -m venv "$dir" >&2
if ! "$dir/bin/python" -m pip install -q --disable-pip-version-check "$@" >&2; then
  echo "dev_venv.sh: pip install of '$want' failed (is PyPI reachable?)" >&2
  rm -rf "$dir"; exit 3
fi
echo "$want" > "$dir/.tunas-stamp"
echo "$dir/bin/python"
