#!/usr/bin/env bash
# 汇总 at city scale (issue 16): the generated city campaign of bench/check.sh loaded into SQLite, then
# side by side (A B A B): `yikou report summary --json` (a whole process: open the store, read the
# campaign's entitlements packed, count by unit group and source) and DuckDB's peer_check.py over the
# same CSV files (its whole run: load, checks and the same per-group summary); the figures compared.
# Then `yikou report figures`: the web's 汇总报表 path — the first view reads the facts, each new view is
# counted from them in memory, the same view again is kept (as the server does between two writes).
# Usage: bench/report.sh [RUNS]   (BENCH_REUSE=1 keeps an already loaded city store)
# Needs: a release build, python3 with duckdb, and ../shared/bench.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-2}
peer=../shared/bench/peer_check.py
. bench/city.sh
"$bin" --data "$data" doctor >/dev/null
echo "== figures"
"$bin" --data "$data" report summary --campaign 2021 --json | python3 -c "
import json, sys
s = json.load(sys.stdin)
for g in s['groups']:
    print(f\"yikou  {g['group']}: entitlements:{g['person_times']} people:{g['people']} amount_fen:{g['amount_fen']}\")"
python3 "$peer" "$city" | grep "^group" | sed 's/^/duckdb /'
echo "== timings (side by side)"
for i in $(seq "$runs"); do
  /usr/bin/time -f "yikou report summary #$i: wall=%e s maxrss_kb=%M" "$bin" --data "$data" report summary --campaign 2021 --json >/dev/null
  /usr/bin/time -f "duckdb peer_check #$i: wall=%e s maxrss_kb=%M" python3 "$peer" "$city" >/dev/null
done
echo "== the web's path: facts read once; each new view counted from them; the same view again kept"
"$bin" --data "$data" report figures --campaign 2021 --by group,unit,street,source,project,group --repeat 2 >/dev/null
