#!/usr/bin/env bash
# Event files of real tunas_search / tunas_train runs, read back by TensorBoard's own reader
# (check_tensorboard_events.py): a short search, a search killed with SIGKILL and resumed
# (every step must be seen once), and a short stand-alone training with evaluations.
# usage: tensorboard_reader_test.sh SOURCE_DIR BIN_DIR
set -euo pipefail
src=$1 bin=$2
rc=0
py=$("$src/scripts/dev_venv.sh" tensorboard tensorboard) || rc=$?
if [ "$rc" = 3 ]; then echo "skipped: no tensorboard venv (PyPI unreachable)"; exit 0; fi
[ "$rc" = 0 ] || exit "$rc"
check="$py $src/tests/events/check_tensorboard_events.py"
work=$(mktemp -d /tmp/tunas_tb_test.XXXXXX)
trap 'rm -rf "$work"' EXIT
tiny=(--space "$src/tests/search/tiny_space.yaml" --data synthetic --synthetic-size 400
      --validation-size 80 --resolution 16 --proxy=false --cost-model macs --target 60000
      --batch 8 --replicas 3 --policy-lr 0.05 --seed 3 --threads 1 --quiet)

# 1. A short search.
"$bin/tunas_search" "${tiny[@]}" --steps 12 --log-every 2 --checkpoint-every 4 \
  --out "$work/search" > /dev/null
$check "$work/search" 1

# 2. Killed (SIGKILL) after its first checkpoints, then resumed and stopped with SIGINT: the
#    records past the checkpoint are written again by the resumed run and must be seen once.
wait_for_lines() {  # wait_for_lines FILE N: until FILE has at least N lines (60 s at most)
  for _ in $(seq 1200); do
    [ -f "$1" ] && [ "$(wc -l < "$1")" -ge "$2" ] && return 0
    sleep 0.05
  done
  echo "FAIL: $1 never reached $2 lines"; exit 1
}
# Background jobs of a script start with SIGINT ignored until tunas_search installs its
# handler, so a SIGINT sent too early is lost: stop_with_sigint fails instead of hanging.
stop_with_sigint() {  # stop_with_sigint PID
  kill -INT "$1"
  for _ in $(seq 600); do
    kill -0 "$1" 2> /dev/null || { wait "$1" || true; return 0; }
    sleep 0.05
  done
  kill -KILL "$1"; echo "FAIL: tunas_search did not stop within 30 s of SIGINT"; exit 1
}
log=$work/resumed/log.jsonl
"$bin/tunas_search" "${tiny[@]}" --steps 1000000 --log-every 1 --checkpoint-every 5 \
  --out "$work/resumed" > /dev/null &
pid=$!
wait_for_lines "$log" 12
kill -KILL "$pid"; wait "$pid" || true
# The resumed run truncates log.jsonl to its checkpoint and writes on from there: only
# lines past the count the killed run left prove that it is running (and has its handler).
lines_at_kill=$(wc -l < "$log")
"$bin/tunas_search" --resume --out "$work/resumed" --quiet > /dev/null &
pid=$!
wait_for_lines "$log" $((lines_at_kill + 20))
stop_with_sigint "$pid"
$check "$work/resumed" 2

# 3. Stand-alone training with periodic evaluations.
"$bin/tunas_train" --space "$src/tests/search/tiny_space.yaml" --indices 1:0:0:1:0:1:0:0:0 \
  --data synthetic --synthetic-size 400 --validation-size 80 --resolution 16 --proxy=false \
  --steps 20 --batch 16 --eval-batch 40 --log-every 4 --eval-every 10 --checkpoint-every 10 \
  --threads 1 --quiet --out "$work/train" > /dev/null
$check "$work/train" 1
echo "tensorboard_reader_test: OK"
