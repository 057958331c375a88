#!/usr/bin/env bash
# Import benchmark (issue 3): yikou's dry run against the peer scripts on the same 1,000,000-row files,
# side by side (A B A B), then a committed import on SQLite. Usage: bench/import.sh [ROWS] [RUNS]
# Needs: a release build, python3 with pandas, openpyxl and python-calamine, and ../shared/bench.
set -euo pipefail
cd "$(dirname "$0")/.."
rows=${1:-1000000}
runs=${2:-2}
bin=./target/release/yikou
peer=../shared/bench/peer_import.py
work=${BENCH_DIR:-/tmp/yikou-bench}
mkdir -p "$work"
xlsx="$work/roster-$rows.xlsx"
csv="$work/roster-$rows.csv"
if [ ! -f "$xlsx" ]; then
  "$bin" bench roster --rows "$rows" --seed 1 --fault-rate 0.01 --peer-faults-only --xlsx "$xlsx" --csv "$csv"
fi
ls -l "$xlsx" "$csv"

measure() { # label, command...  (prints wall time and peak memory; the command's output is dropped)
  local label=$1; shift
  local tf
  tf=$(mktemp)
  /usr/bin/time -o "$tf" -f "wall=%e maxrss_kb=%M" "$@" >/dev/null 2>&1 || true
  printf '%-28s %s\n' "$label" "$(tail -1 "$tf")"
  rm -f "$tf"
}

counts_yikou() { "$bin" --data "$work/data" import "$1" --dry-run --json | python3 -c "import json,sys; d=json.load(sys.stdin); print('rows=%d valid=%d invalid=%d' % (d['rows'], d['valid'], d['invalid']))"; }
echo "== counts"
echo "yikou xlsx:      $(counts_yikou "$xlsx")"
echo "yikou csv:       $(counts_yikou "$csv")"
echo "python_calamine: $(python3 "$peer" python_calamine "$xlsx" | grep -v seconds | tr '\n' ' ')"
echo "pandas_openpyxl: $(python3 "$peer" pandas_openpyxl "$xlsx" | grep -v seconds | tr '\n' ' ')"
echo "csv (python):    $(python3 "$peer" csv "$csv" | grep -v seconds | tr '\n' ' ')"

echo "== timings (side by side)"
for i in $(seq "$runs"); do
  measure "yikou dry-run xlsx #$i" "$bin" --data "$work/data" import "$xlsx" --dry-run --json
  measure "python_calamine #$i" python3 "$peer" python_calamine "$xlsx"
  measure "yikou dry-run xlsx #$i" "$bin" --data "$work/data" import "$xlsx" --dry-run --json
  measure "pandas_openpyxl #$i" python3 "$peer" pandas_openpyxl "$xlsx"
  measure "yikou dry-run csv #$i" "$bin" --data "$work/data" import "$csv" --dry-run --json
  measure "python csv #$i" python3 "$peer" csv "$csv"
done

echo "== committed import on SQLite (fresh data folder each run)"
for i in $(seq "$runs"); do
  rm -rf "$work/commit"
  "$bin" --data "$work/commit" init >/dev/null
  measure "yikou commit xlsx #$i" "$bin" --data "$work/commit" import "$xlsx" --accept-valid -o "$work/errors.xlsx"
done
