#!/usr/bin/env bash
# Drawing a follow-up sample (issue 15) from a city-scale store: the generated city campaign of
# bench/check.sh (1,000,000 people, 1,500,000 entitlements) loaded into SQLite, 1,000,000 of its
# entitlements marked disbursed on a copy, then `yikou sample create` timed end to end (process start,
# reading the population from the database, allocating, drawing, writing the sample and its audit
# record), stratified by street × project and by street; then the same seed again (the same sample
# must come out).
# Usage: bench/sample.sh [RUNS]   (BENCH_REUSE=1 keeps an already loaded city store)
# Needs: a release build and the sqlite3 shell.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-2}
. bench/city.sh
paid="$work/paiddb"
rm -rf "$paid"
cp -r "$data" "$paid"
# A copy whose first 1,000,000 entitlements (by id) are disbursed, and whose people have a phone
# except one in twenty (left out of the population and counted); the generated register has no
# phones, and the draw only needs to know whether one is registered.
sqlite3 "$paid/yikou.db" "pragma wal_checkpoint(truncate);
  update entitlements set state = 'disbursed' where id <= (select id from entitlements order by id limit 1 offset 999999);
  update people set phone_key = randomblob(32) where id % 20 <> 0;
  select 'disbursed entitlements: ' || count(*) || ' (with a phone: ' ||
    (select count(*) from entitlements e join people pe on pe.id = e.person_id where e.state = 'disbursed' and pe.phone_key is not null)
    || ')' from entitlements where state = 'disbursed';"
# Open the copy once so that the binary's migrations have run before anything is timed.
"$bin" --data "$paid" doctor >/dev/null
for i in $(seq "$runs"); do
  for strata in street,project street; do
    /usr/bin/time -f "sample create --strata $strata #$i: wall=%e s maxrss_kb=%M" \
      "$bin" --data "$paid" sample create --campaign 2021 --strata "$strata" --seed 20210120 --json >"$work/sample.json"
    python3 -c "import json,sys; s=json.load(open('$work/sample.json')); print('  population', s['population'], 'excluded', s['excluded_no_phone'], 'size', s['size'], 'strata', len(s['strata']), 'sha', s['population_sha256'][:16])"
  done
done
# Side by side: the SQLite shell reading the same population (the same query, packed the same way:
# the engine's floor for the read), and yikou opening the store and answering a small read.
q="SELECT length(json_group_array(json_array(pe.street_code, e.project_id, e.id, CASE WHEN pe.phone_key IS NULL THEN 0 ELSE 1 END)))
   FROM entitlements e CROSS JOIN people pe CROSS JOIN projects pr WHERE pe.id = e.person_id AND pr.id = e.project_id
   AND pr.campaign_id = (SELECT id FROM campaigns WHERE year = 2021) AND e.state = 'disbursed'"
for i in $(seq "$runs"); do
  /usr/bin/time -f "floor: sqlite3 reading the population #$i: wall=%e s" sqlite3 "$paid/yikou.db" "$q" >/dev/null
  /usr/bin/time -f "yikou opening the store (pay batch list) #$i: wall=%e s" "$bin" --data "$paid" pay batch list --json >/dev/null
done
# The same seed twice gives the same sample: the last two street samples' exports compared.
last=$(python3 -c "import json; print(json.load(open('$work/sample.json'))['sample'])")
"$bin" --data "$paid" sample export "$last" -o "$work/a.csv" >/dev/null
"$bin" --data "$paid" sample export "$((last - 2))" -o "$work/b.csv" >/dev/null
cmp "$work/a.csv" "$work/b.csv" && echo "samples $((last - 2)) and $last (same seed, same population) are identical: $(($(wc -l <"$work/a.csv") - 1)) lines"
