#!/usr/bin/env bash
# Issue 18, point 2: a dry run of the 1,000,000-row roster against a store that already holds the
# people it names, side by side (A B A B) with the same dry run against an empty store. The full store
# is made by a committed import of the same roster (kept between runs with BENCH_REUSE=1).
# Usage: bench/populated.sh [ROWS] [RUNS] [DATABASE_URL]   Needs: a release build.
# With a postgres:// URL as third argument the full store lives there (the empty one stays SQLite).
set -euo pipefail
cd "$(dirname "$0")/.."
rows=${1:-1000000}
runs=${2:-2}
pg=${3:-}
bin=./target/release/yikou
work=${BENCH_DIR:-/tmp/yikou-bench}
mkdir -p "$work"
xlsx="$work/roster-$rows.xlsx"
csv="$work/roster-$rows.csv"
if [ ! -f "$xlsx" ]; then
  "$bin" bench roster --rows "$rows" --seed 1 --fault-rate 0.01 --peer-faults-only --xlsx "$xlsx" --csv "$csv"
fi

measure() { # label, command...  (wall time and peak memory; the command's output is dropped)
  local label=$1; shift
  local tf
  tf=$(mktemp)
  /usr/bin/time -o "$tf" -f "wall=%e maxrss_kb=%M" "$@" >/dev/null 2>&1 || true
  printf '%-32s %s\n' "$label" "$(tail -1 "$tf")"
  rm -f "$tf"
}

empty=(--data "$work/empty-$rows")
full=(--data "$work/full-$rows")
[ -n "$pg" ] && full+=(--database "$pg")
if [ ! -f "$work/empty-$rows/yikou.key" ]; then "$bin" "${empty[@]}" init >/dev/null; fi
if [ "${BENCH_REUSE:-0}" != 1 ] || [ ! -f "$work/full-$rows/yikou.key" ]; then
  rm -rf "$work/full-$rows"
  "$bin" "${full[@]}" init >/dev/null
  measure "committed import (fills the store)" "$bin" "${full[@]}" import "$xlsx" --accept-valid -o "$work/errors.xlsx"
fi
dry() { "$bin" "$@" import "$xlsx" --dry-run --json; }
count() { dry "$@" | python3 -c "import json,sys; d=json.load(sys.stdin); print('rows=%d valid=%d invalid=%d warnings=%d' % (d['rows'], d['valid'], d['invalid'], len(d.get('warnings') or [])))"; }
echo "empty store: $(count "${empty[@]}")"
echo "full store:  $(count "${full[@]}")"
for i in $(seq "$runs"); do
  measure "dry run, empty store #$i" "$bin" "${empty[@]}" import "$xlsx" --dry-run --json
  measure "dry run, full store #$i" "$bin" "${full[@]}" import "$xlsx" --dry-run --json
done
