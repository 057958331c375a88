#!/usr/bin/env bash
# Cross-check benchmark (issue 4): a generated city-scale campaign in the exchange layout, loaded into
# SQLite with `yikou load`, then `yikou check` side by side with DuckDB's peer_check.py on the same
# files (A B A B). Usage: bench/check.sh [RUNS]   (set BENCH_REUSE=1 to keep an already loaded store)
# Needs: a release build, python3 with duckdb, and ../shared/bench.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-2}
bin=./target/release/yikou
peer=../shared/bench/peer_check.py
work=${BENCH_DIR:-/tmp/yikou-bench}
city="$work/city"
data="$work/citydb"
mkdir -p "$work"
if [ ! -f "$city/people.csv" ]; then
  "$bin" bench campaign --people 1000000 --entitlements 1500000 --projects 2000 --seed 1 -o "$city"
fi
wc -l "$city"/*.csv
if [ "${BENCH_REUSE:-0}" != 1 ] || [ ! -f "$data/yikou.db" ]; then
  rm -rf "$data"
  "$bin" --data "$data" init >/dev/null
  /usr/bin/time -f "yikou load: wall=%e s maxrss_kb=%M" "$bin" --data "$data" load "$city" --campaign 2021
fi
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
