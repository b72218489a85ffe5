# Shell helpers shared by the experiment drivers (source it; they use the caller's $out).

# timed NAME cmd...: runs cmd, appends "NAME<TAB>wall seconds" to $out/times.tsv
timed() {
  local name=$1; shift
  local t0; t0=$(date +%s.%N)
  "$@"
  python3 -c "import sys; print(f'$name\t{float(sys.argv[2]) - float(sys.argv[1]):.1f}')" \
    "$t0" "$(date +%s.%N)" >> "$out/times.tsv"
}

# search_done DIR: true when DIR holds the final architecture of a finished search
search_done() {
  [[ -f "$1/final_architecture.json" ]] && python3 -c "
import json, sys; j = json.load(open(sys.argv[1]))
sys.exit(0 if j.get('step') == j.get('total_steps') else 1)" "$1/final_architecture.json"
}
