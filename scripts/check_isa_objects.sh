#!/usr/bin/env bash
# Checks that no object compiled with AVX-512 flags defines a weak (COMDAT) symbol. The linker
# keeps ONE copy of each weak symbol (an inline function, a template instantiation) and may
# take it from such an object: callers in scalar or AVX2 code would then run AVX-512
# instructions and fault on CPUs without them. The *-avx512.cc kernels keep every helper
# internal (unnamed namespaces, kernels/simd/avx512.h); this keeps it so. Run by ctest (test
# "isa_objects") and usable by hand.
# Usage: scripts/check_isa_objects.sh BUILD_DIR | OBJECT...
set -euo pipefail
if [ $# -eq 1 ] && [ -d "$1" ]; then
  # The native objects; the SIMDe copies (tunas_kernels_avx512emu) carry no AVX-512 code.
  mapfile -t objects < <(find "$1" -name '*-avx512.cc.o' -not -path '*avx512emu*' | sort)
else
  objects=("$@")
fi
if [ ${#objects[@]} -eq 0 ]; then
  echo "check_isa_objects: no *-avx512.cc.o objects found (build the kernels first)" >&2
  exit 1
fi
status=0
for o in "${objects[@]}"; do
  # DW.ref.__gxx_personality_v0 (emitted with exception tables, e.g. under ASan) is a data
  # word holding the personality routine's address: no code, so any copy of it is safe.
  weak=$(nm -C --defined-only "$o" |
         awk '($2 == "W" || $2 == "V" || $2 == "u") && $3 !~ /^DW\.ref\./' || true)
  if [ -n "$weak" ]; then
    echo "$o: weak symbols in an AVX-512 object (make them internal: unnamed namespace):" >&2
    echo "$weak" | sed 's/^/  /' >&2
    status=1
  fi
done
[ $status -eq 0 ] && echo "check_isa_objects: ${#objects[@]} AVX-512 objects, no weak symbols"
exit $status
