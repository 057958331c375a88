#!/usr/bin/env bash
# The SQLite floor for the very rows a committed import wrote: the sqlite3 shell (C only) inserts the
# people and category rows of SOURCE_DB (a data folder's yikou.db after `yikou import`) into a freshly
# initialised yikou schema, with yikou's pragmas, people in key order as yikou writes them. Unlike
# bench/sqlite_floor.sh (generated rows: one street, no committee, household or external id, a phone
# for everyone) this pays for the real spread of the secondary indexes.
# Usage: bench/sqlite_floor_same.sh SOURCE_DB   Needs: a release build and the sqlite3 shell.
set -euo pipefail
cd "$(dirname "$0")/.."
src=$(realpath "$1")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
./target/release/yikou --data "$work/init" init >/dev/null 2>&1
sqlite3 "$work/init/yikou.db" "pragma wal_checkpoint(truncate)" >/dev/null
sqlite3 "$src" "pragma wal_checkpoint(truncate)" >/dev/null
cols="id_key, id_cipher, id_masked, name, sex, birth_date, phone_cipher, phone_key, phone_masked,
      address_cipher, street_code, committee_code, household_id, is_household_head, created_at, updated_at,
      batch_id, external_id, person_key"
cp "$work/init/yikou.db" "$work/run.db"
echo "SQLite $(sqlite3 --version | cut -d' ' -f1), rows of $src"
sqlite3 "$work/run.db" <<SQL | grep -E "^Run Time" | awk -v l="people,categories,commit" 'BEGIN{split(l,n,",")} {printf "%-12s %s s\n", n[NR], $4}'
pragma journal_mode=wal; pragma synchronous=normal; pragma cache_size=-65536; pragma foreign_keys=1; pragma temp_store=memory;
attach '$src' as src;
insert into import_batches(batch_no, actor, created_at, file_name, file_hash, status) values ('b','a','t','f','h','open');
create temp table people_rows as select $cols from src.people order by id_key;
create temp table category_rows as
  select c.person_id, c.person_key, c.category_code, c.start_date, c.end_date from src.person_categories c order by c.rowid;
update temp.people_rows set batch_id = (select max(id) from import_batches), household_id = null;
detach src;
begin;
.timer on
insert into people($cols) select $cols from temp.people_rows order by rowid;
insert into person_categories(person_id, person_key, category_code, start_date, end_date, batch_id)
  select person_id, person_key, category_code, start_date, end_date, (select max(id) from import_batches)
  from temp.category_rows order by rowid;
commit;
SQL
echo "people: $(sqlite3 "$work/run.db" 'select count(*) from people'), categories: $(sqlite3 "$work/run.db" 'select count(*) from person_categories')"
