#!/usr/bin/env bash
# Issue 18, point 4: `yikou load` of the city campaign (bench/city.sh: 1,000,000 people, 399,948
# households, 1,511,730 entitlements, 2,000 projects) against SQLite's own floor for the same rows:
# the sqlite3 shell (C only) copying every row `yikou load` wrote — campaign, projects, households,
# people, category memberships, entitlements — from a loaded store into a freshly initialised one
# (the same schema, indexes, foreign keys and pragmas), in id order, in one transaction. The floor
# reads no CSV, checks nothing and encrypts nothing: it is what the engine needs to write the rows.
# Side by side, A B A B. Usage: bench/load_floor.sh [RUNS]   Needs: a release build and sqlite3.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-2}
. bench/city.sh
tables="campaigns campaign_phases projects project_targets project_budgets households people person_categories entitlements"
for i in $(seq "$runs"); do
  rm -rf "$work/loadrun" && "$bin" --data "$work/loadrun" init >/dev/null
  /usr/bin/time -f "yikou load #$i: wall=%e s maxrss_kb=%M" "$bin" --data "$work/loadrun" load "$city" --campaign 2021 >/dev/null
  rm -rf "$work/floorrun" && "$bin" --data "$work/floorrun" init >/dev/null
  sqlite3 "$work/floorrun/yikou.db" "pragma wal_checkpoint(truncate)" >/dev/null
  {
    echo "pragma journal_mode=wal; pragma synchronous=normal; pragma cache_size=-65536; pragma foreign_keys=1;"
    echo "attach '$work/loadrun/yikou.db' as src;"
    echo "begin;"
    # Reference rows the load may have added (a city's units, categories, sources): as they are.
    for t in units categories funding_sources; do echo "insert or ignore into main.$t select * from src.$t;"; done
    for t in $tables; do echo "insert into main.$t select * from src.$t order by rowid;"; done
    echo "commit;"
  } > "$work/floor.sql"
  /usr/bin/time -f "sqlite3 floor #$i: wall=%e s maxrss_kb=%M" sqlite3 -bail "$work/floorrun/yikou.db" < "$work/floor.sql" >/dev/null
  for t in people entitlements; do
    a=$(sqlite3 "$work/loadrun/yikou.db" "select count(*) from $t")
    b=$(sqlite3 "$work/floorrun/yikou.db" "select count(*) from $t")
    [ "$a" = "$b" ] || { echo "floor copied $b of $a rows of $t" >&2; exit 1; }
  done
done
rm -rf "$work/loadrun" "$work/floorrun"
