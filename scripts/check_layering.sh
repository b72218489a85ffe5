#!/usr/bin/env bash
# Checks that every module includes only the modules below it (STYLE.md G1): a lower layer
# never includes a higher one. Run by ctest (test "layering") and usable by hand.
# The table is the architecture: one line per module, the modules it may include (itself is
# always allowed). A folder with C++ sources that is not in the table fails the check, so a
# new module must be placed in the layering when it is added.
# Usage: scripts/check_layering.sh [ROOT]   (default: the repository root)
set -euo pipefail
cd "${1:-$(dirname "$0")/..}"

declare -A allowed=(
  [core]=""
  [kernels]="core"
  [policy]="core"
  [search_spaces]="core"
  [datasets]="core"
  [events]="core"
  [distributed]="core"
  [supernet]="core kernels search_spaces"
  [latency]="core kernels search_spaces supernet"
  [run]="core kernels datasets search_spaces policy supernet latency events distributed"
  [search]="core kernels datasets policy search_spaces supernet latency events distributed run"
  [onnx_export]="core kernels datasets search_spaces supernet run search"
  [train]="core kernels datasets policy search_spaces supernet latency events distributed run search onnx_export"
  [report]="core search_spaces latency events"
  [tools]="*"
  [tests]="*"
  [benchmarks]="*"
  [fuzz]="*"
)

status=0
for dir in */; do
  module=${dir%/}
  case "$module" in build*) continue ;; esac  # build trees (generated code)
  if ! find "$module" -name '*.cc' -o -name '*.h' -o -name '*.inc' | grep -q .; then continue; fi
  if [ -z "${allowed[$module]+set}" ]; then
    echo "layering: module '$module/' is not in the table of scripts/check_layering.sh;" \
         "add it with the modules it may include" >&2
    status=1; continue
  fi
  [ "${allowed[$module]}" = "*" ] && continue
  while IFS=: read -r file line include; do
    target=$(sed -E 's/^#include "([^/"]+)\/.*/\1/' <<<"$include")
    [ "$target" = "$module" ] && continue
    [ -d "$target" ] || continue  # not a module of ours (e.g. a generated header)
    case " ${allowed[$module]} " in
      *" $target "*) ;;
      *) echo "layering: $file:$line: '$module/' must not include '$target/' ($include)" >&2
         status=1 ;;
    esac
  done < <(grep -rnE '^[[:space:]]*#[[:space:]]*include[[:space:]]+"[^/"]+/' "$module" \
             --include='*.cc' --include='*.h' --include='*.inc' --include='*.cu' |
           sed -E 's/^([^:]+):([0-9]+):[[:space:]]*#[[:space:]]*include[[:space:]]+/\1:\2:#include /')
done
if [ $status -eq 0 ]; then echo "layering: every module includes only the modules below it"; fi
exit $status
