#!/usr/bin/env bash
# Cross-check benchmark (issue 4): a generated city-scale campaign in the exchange layout, loaded into
# SQLite with `yikou load`, then `yikou check` side by side with DuckDB's peer_check.py on the same
# files (A B A B). Usage: bench/check.sh [RUNS]   (set BENCH_REUSE=1 to keep an already loaded store)
# Needs: a release build, python3 with duckdb, and ../shared/bench.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-2}
peer=../shared/bench/peer_check.py
CITY_LOAD_TIMED=1
. bench/city.sh
echo "== counts"
"$bin" --data "$data" check --json | python3 -c "
import json, sys
c = json.load(sys.stdin)['counts']
print(' '.join(f'{k}={c[k]}' for k in ['dup_in_project', 'dup_exclusive', 'household_twice', 'omissions', 'ineligible', 'deceased_paid']))"
python3 "$peer" "$city" | grep -v "group\|seconds" | tr '\n' ' '; echo
echo "== timings (side by side)"
for i in $(seq "$runs"); do
  /usr/bin/time -f "yikou check #$i: wall=%e s maxrss_kb=%M" "$bin" --data "$data" check >/dev/null
  /usr/bin/time -f "duckdb peer_check #$i: wall=%e s maxrss_kb=%M" python3 "$peer" "$city" >/dev/null
done
