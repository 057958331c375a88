#!/usr/bin/env bash
# Upload memory (issue 11, defect 6): peak memory of checking hostile and legitimate .xlsx files with
# the reader's budgets (yikou_ingest::limits), by `yikou import --dry-run` and by the web server under
# concurrent uploads. Usage: bench/upload_memory.sh [ROWS]
# Needs: builds of yikou and of the example that writes the hostile files, in the same profile:
#   cargo build --release -p yikou && cargo build --release -p yikou-ingest --example hostile_xlsx
# (PROFILE=debug uses target/debug), /usr/bin/time and curl.
set -euo pipefail
cd "$(dirname "$0")/.."
rows=${1:-1000000}
profile=${PROFILE:-release}
bin=$PWD/target/$profile/yikou
gen=$PWD/target/$profile/examples/hostile_xlsx
work=${BENCH_DIR:-/tmp/yikou-bench}
mkdir -p "$work"
data=$work/mem-data
[ -f "$data/yikou.key" ] || "$bin" --data "$data" init >/dev/null

roster=$work/roster-$rows.xlsx
[ -f "$roster" ] || "$bin" bench roster --rows "$rows" --seed 1 --fault-rate 0.01 --peer-faults-only --xlsx "$roster" >/dev/null
# name  MB of shared-strings XML  bytes per string
hostile=(
  "text-1g 1024 200"     # the attack as found: 1 GiB of shared strings in a small file
  "text-500m 500 1000"   # under the part's limit, more text than the table may hold
  "short-120m 120 8"     # short strings: the table costs several times the XML
  "text-240m 240 1000"   # just under the table's budget: the most a file can make one check hold
  "short-80m 80 8"       # the same with short strings
)
for h in "${hostile[@]}"; do
  read -r name mb len <<<"$h"
  [ -f "$work/$name.xlsx" ] || "$gen" "$work/$name.xlsx" "$mb" "$len" >/dev/null
done

echo "== files"
for f in "$roster" "$work"/text-*.xlsx "$work"/short-*.xlsx; do
  echo "$(basename "$f"): $(stat -c %s "$f") bytes"
  "$gen" --table "$f" | sed 's/^/  /'
done

echo "== yikou import --dry-run (one check)"
measure() { # file
  local tf out rc
  tf=$(mktemp)
  out=$(mktemp)
  rc=0
  /usr/bin/time -o "$tf" -f "wall=%e s maxrss=%M KB" "$bin" --data "$data" import "$1" --dry-run --json >"$out" 2>&1 || rc=$?
  printf '%-28s exit=%s %s  %s\n' "$(basename "$1")" "$rc" "$(tail -1 "$tf")" "$(head -c 160 "$out" | tr '\n' ' ')"
  rm -f "$tf" "$out"
}
for f in "$roster" "$work"/text-*.xlsx "$work"/short-*.xlsx; do measure "$f"; done

echo "== web server: 6 uploads at once of the worst accepted files (2 are checked at a time)"
port=18091
base=http://127.0.0.1:$port
echo "Bench-Pass-1" | "$bin" --data "$data" user add --login membench --unit 310112006000 --role street --password-stdin >/dev/null 2>&1 || true
token=$("$bin" --data "$data" token create --login membench 2>/dev/null | tail -1)
"$bin" --data "$data" serve --listen 127.0.0.1:$port >"$work/mem-serve.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
for _ in $(seq 50); do curl -s -o /dev/null "$base/login" && break; sleep 0.2; done
echo "server at rest: $(grep VmRSS /proc/$server/status)"
pids=()
for f in text-240m short-80m text-240m short-80m text-1g text-500m; do
  curl -s -o "$work/mem-$f-$RANDOM.out" -w "$f: %{http_code} in %{time_total}s\n" -H "Authorization: Bearer $token" \
    -F "file=@$work/$f.xlsx" "$base/api/v1/imports" &
  pids+=($!)
done
for p in "${pids[@]}"; do wait "$p" || true; done
echo "server peak: $(grep VmHWM /proc/$server/status)   now: $(grep VmRSS /proc/$server/status)"
