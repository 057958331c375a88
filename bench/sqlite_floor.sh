#!/usr/bin/env bash
# The SQLite floor under issue 3's committed import: how long SQLite itself (the sqlite3 shell, C only:
# no Rust driver, no Python binding) takes to write ROWS generated people and one category row each
# into yikou's own schema, with yikou's pragmas. Rows are generated inside SQLite beforehand and
# inserted in key order (the best case for the unique index).
# Usage: bench/sqlite_floor.sh [ROWS]   Needs: a release build and the sqlite3 shell (apt-get install sqlite3).
set -euo pipefail
cd "$(dirname "$0")/.."
rows=${1:-1000000}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
./target/release/yikou --data "$work/init" init >/dev/null 2>&1
sqlite3 "$work/init/yikou.db" "pragma wal_checkpoint(truncate)" >/dev/null
secondary="people_area people_household people_name people_batch people_external people_phone_key person_categories_category"

run() { # label, sql run before the inserts
  local label=$1 before=$2
  cp "$work/init/yikou.db" "$work/run.db"
  rm -f "$work/run.db-wal" "$work/run.db-shm"
  echo "== $label"
  sqlite3 "$work/run.db" <<SQL | grep -E "^Run Time" | awk -v l="people,categories,commit" 'BEGIN{split(l,n,",")} {printf "%-12s %s s\n", n[NR], $4}'
pragma journal_mode=wal; pragma synchronous=normal; pragma cache_size=-65536; pragma foreign_keys=1;
insert into import_batches(batch_no, actor, created_at, file_name, file_hash, status) values ('b','a','t','f','h','open');
create temp table src as
  select randomblob(32) k, randomblob(46) c, '测试' || abs(random() % 1000000) n,
         (select code from units where length(code) = 12 limit 1) st
  from generate_series(1, $rows) order by 1;
begin;
$before
.timer on
insert into people(id_key, id_cipher, id_masked, name, sex, birth_date, phone_cipher, phone_key, phone_masked,
                   address_cipher, street_code, committee_code,
                   household_id, is_household_head, created_at, updated_at, batch_id, external_id, person_key)
  select k, c, '3101**********1234', n, '1', '1980-01-01', randomblob(39), randomblob(32), '138****5678',
         randomblob(41), st, null, null, 0, 't', 't',
         (select max(id) from import_batches), null, abs(random()) >> 8
  from src order by k;
insert into person_categories(person_id, category_code, start_date, batch_id, person_key)
  select id, 'DB', '2020-01-01', batch_id, person_key from people;
commit;
SQL
}

echo "SQLite $(sqlite3 --version | cut -d' ' -f1), $rows rows"
run "yikou schema as migrated (unique key, secondary indexes, foreign keys)" ""
run "without the secondary indexes (unique key only)" \
  "$(for i in $secondary; do printf 'drop index %s; ' "$i"; done)"
