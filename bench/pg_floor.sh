#!/usr/bin/env bash
# Issue 18, point 1 on PostgreSQL: yikou's committed import of the 1,000,000-row roster against the
# floor the issue names — `psql \copy` of the same rows into the same schema — side by side.
# 1. a committed import into database yk_import (timed); 2. its people and category rows written out
# with \copy; 3. a fresh database yk_floor, initialised by yikou, takes them back with \copy (timed).
# Usage: bench/pg_floor.sh BASE_URL [ROWS]   e.g. bench/pg_floor.sh postgres://postgres@127.0.0.1:54329
# Needs: a release build, psql, and the roster of bench/import.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
base=$1
rows=${2:-1000000}
bin=./target/release/yikou
work=${BENCH_DIR:-/tmp/yikou-bench}
xlsx="$work/roster-$rows.xlsx"
[ -f "$xlsx" ] || "$bin" bench roster --rows "$rows" --seed 1 --fault-rate 0.01 --peer-faults-only --xlsx "$xlsx" --csv "$work/roster-$rows.csv"
dbs="yk_import yk_floor"; [ "${SKIP_IMPORT:-0}" = 1 ] && dbs=yk_floor
for db in $dbs; do
  psql "$base/postgres" -qc "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db"
  rm -rf "$work/$db"
  "$bin" --data "$work/$db" --database "$base/$db" init >/dev/null
done
[ "${SKIP_IMPORT:-0}" = 1 ] || /usr/bin/time -f "yikou import (commit) into PostgreSQL: wall=%e s maxrss_kb=%M" \
  "$bin" --data "$work/yk_import" --database "$base/yk_import" import "$xlsx" --accept-valid -o "$work/errors.xlsx" >/dev/null || true
cols="id, id_key, id_cipher, id_masked, name, sex, birth_date, phone_cipher, address_cipher, street_code, committee_code, household_id, is_household_head, created_at, updated_at, batch_id, external_id, phone_key, phone_masked, person_key"
psql "$base/yk_import" -qc "\\copy (SELECT $cols FROM people ORDER BY id_key) TO '$work/people.copy'"
psql "$base/yk_import" -qc "\\copy (SELECT person_id, person_key, category_code, start_date, end_date, batch_id FROM person_categories) TO '$work/categories.copy'"
# The batch the rows belong to (the same row, so that the foreign keys are checked as for yikou).
psql "$base/yk_import" -qc "\\copy (SELECT id, batch_no, actor, created_at, file_name, file_hash, project_id, status FROM import_batches) TO '$work/batches.copy'"
echo "rows: $(wc -l < "$work/people.copy") people, $(wc -l < "$work/categories.copy") categories"
psql "$base/yk_floor" -v ON_ERROR_STOP=1 -q <<SQL
\\copy import_batches (id, batch_no, actor, created_at, file_name, file_hash, project_id, status) FROM '$work/batches.copy'
SQL
start=$(date +%s.%N)
psql "$base/yk_floor" -v ON_ERROR_STOP=1 -q <<SQL
BEGIN;
\\copy people ($cols) FROM '$work/people.copy'
\\copy person_categories (person_id, person_key, category_code, start_date, end_date, batch_id) FROM '$work/categories.copy'
COMMIT;
SQL
echo "psql \\copy floor (people + categories, one transaction): wall=$(echo "$(date +%s.%N) - $start" | bc) s"
rm -f "$work/people.copy" "$work/categories.copy" "$work/batches.copy"
