#!/usr/bin/env bash
# Issue 18, point 6: Citus is not installable here, so its placement is measured on its stand-in —
# PostgreSQL hash partitions, 16 of them — over a city loaded by `yikou load` (bench/web_pg.sh's
# database). Two copies of people, person_categories and entitlements are made beside yikou's own:
#   bykey:    every table partitioned by HASH (person_key), the distribution key yikou chose;
#   byregion: people by HASH (street_code), entitlements by HASH (unit_code) — the unit that listed
#             them, the natural "region" of a list — the alternative docs/SCALING.md weighs.
# Then the same questions are asked of both with EXPLAIN ANALYZE (partition-wise join and aggregate
# on, as Citus pushes work to shards): how many partitions each touches, whether the join and the
# grouping run inside each partition, and the time.
# Usage: bench/partitions.sh DATABASE_URL [OUT]   e.g. bench/partitions.sh postgres://postgres@127.0.0.1:54329/yikoucity
set -euo pipefail
url=$1
out=${2:-/tmp/yikou-bench/partitions.txt}
mkdir -p "$(dirname "$out")"
q() { psql "$url" -v ON_ERROR_STOP=1 -qAt "$@"; }

echo "== building the partitioned copies (16 partitions each)"
start=$(date +%s)
q <<'SQL'
DROP SCHEMA IF EXISTS bykey CASCADE;
DROP SCHEMA IF EXISTS byregion CASCADE;
CREATE SCHEMA bykey;
CREATE SCHEMA byregion;
CREATE TABLE bykey.people (LIKE public.people) PARTITION BY HASH (person_key);
CREATE TABLE bykey.person_categories (LIKE public.person_categories) PARTITION BY HASH (person_key);
CREATE TABLE bykey.entitlements (LIKE public.entitlements) PARTITION BY HASH (person_key);
CREATE TABLE byregion.people (LIKE public.people) PARTITION BY HASH (street_code);
CREATE TABLE byregion.person_categories (LIKE public.person_categories, street_code TEXT) PARTITION BY HASH (street_code);
CREATE TABLE byregion.entitlements (LIKE public.entitlements) PARTITION BY HASH (unit_code);
DO $$
DECLARE s TEXT; t TEXT; i INT;
BEGIN
  FOREACH s IN ARRAY ARRAY['bykey', 'byregion'] LOOP
    FOREACH t IN ARRAY ARRAY['people', 'person_categories', 'entitlements'] LOOP
      FOR i IN 0..15 LOOP
        EXECUTE format('CREATE TABLE %I.%I PARTITION OF %I.%I FOR VALUES WITH (MODULUS 16, REMAINDER %s)',
                       s, t || '_p' || i, s, t, i);
      END LOOP;
    END LOOP;
  END LOOP;
END $$;
INSERT INTO bykey.people SELECT * FROM public.people;
INSERT INTO bykey.person_categories SELECT * FROM public.person_categories;
INSERT INTO bykey.entitlements SELECT * FROM public.entitlements;
INSERT INTO byregion.people SELECT * FROM public.people;
INSERT INTO byregion.person_categories SELECT c.*, p.street_code FROM public.person_categories c JOIN public.people p ON p.id = c.person_id;
INSERT INTO byregion.entitlements SELECT * FROM public.entitlements;
-- The keys each would have: Citus requires the distribution column in every primary and unique key.
ALTER TABLE bykey.people ADD PRIMARY KEY (id, person_key);
ALTER TABLE bykey.people ADD UNIQUE (id_key, person_key);
ALTER TABLE bykey.entitlements ADD PRIMARY KEY (id, person_key);
ALTER TABLE bykey.person_categories ADD PRIMARY KEY (person_id, category_code, start_date, person_key);
CREATE INDEX ON bykey.people (street_code, id);
CREATE INDEX ON bykey.entitlements (person_id, state, project_id);
CREATE INDEX ON bykey.entitlements (project_id, unit_code, state);
-- (Keys with the region could not be primary: a person without a street, a list without a unit.)
CREATE INDEX ON byregion.people (id);
CREATE INDEX ON byregion.entitlements (id);
CREATE INDEX ON byregion.people (street_code, id);
CREATE INDEX ON byregion.entitlements (person_id, state, project_id);
CREATE INDEX ON byregion.entitlements (project_id, unit_code, state);
ANALYZE bykey.people, bykey.person_categories, bykey.entitlements,
        byregion.people, byregion.person_categories, byregion.entitlements;
SQL
echo "built in $(( $(date +%s) - start )) s"

# A person and a street to ask about (the same for both).
read -r pid pkey street < <(q -F ' ' -c "SELECT id, person_key, street_code FROM public.people
  WHERE street_code IS NOT NULL AND id IN (SELECT person_id FROM public.entitlements) ORDER BY id LIMIT 1 OFFSET 500000")

explain() { # label, sql
  local plan
  plan=$(q -c "SET enable_partitionwise_join = on; SET enable_partitionwise_aggregate = on; SET max_parallel_workers_per_gather = 0;
               EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF) $2")
  {
    echo "---- $1"
    echo "$2"
    echo "$plan"
  } >> "$out"
  local parts ms
  parts=$(grep -oE "on (people|entitlements|person_categories)_p[0-9]+" <<<"$plan" | sort -u | wc -l)
  ms=$(grep -oE "Execution Time: [0-9.]+" <<<"$plan" | grep -oE "[0-9.]+$")
  printf "%-58s %3s partitions  %9s ms\n" "$1" "$parts" "$ms"
}

: > "$out"
for s in bykey byregion; do
  if [ $s = bykey ]; then person="p.id = $pid AND p.person_key = $pkey"; else person="p.id = $pid AND p.street_code = '$street'"; fi
  echo "== $s (16 partitions)"
  explain "$s: one person's page (register row)" "SELECT p.name, p.street_code FROM $s.people p WHERE $person"
  if [ $s = bykey ]; then
    explain "$s: one person's entitlements" "SELECT e.id, e.state FROM $s.entitlements e WHERE e.person_id = $pid AND e.person_key = $pkey"
  else
    explain "$s: one person's entitlements" "SELECT e.id, e.state FROM $s.entitlements e WHERE e.person_id = $pid"
  fi
  if [ $s = bykey ]; then on="p.id = e.person_id AND p.person_key = e.person_key"; else on="p.id = e.person_id"; fi
  explain "$s: duplicate check (a person listed twice, city-wide)" \
    "SELECT p.id_key, count(*) FROM $s.entitlements e JOIN $s.people p ON $on GROUP BY p.id_key, p.person_key HAVING count(*) > 1"
  explain "$s: a street's first page of the register" \
    "SELECT p.id, p.name FROM $s.people p WHERE p.street_code = '$street' ORDER BY p.id LIMIT 50"
  explain "$s: people and money per street (汇总)" \
    "SELECT p.street_code, count(DISTINCT p.id), sum(e.amount_fen) FROM $s.entitlements e JOIN $s.people p ON $on GROUP BY p.street_code"
done
echo "plans: $out"
echo "== rows per partition (min / max of 16; empty partitions counted)"
for s in bykey byregion; do
  for t in people entitlements; do
    q -c "SELECT '$s.$t', min(n), max(n), count(*) FILTER (WHERE n = 0) AS empty FROM (
            SELECT i, (xpath('/row/n/text()', query_to_xml(format('SELECT count(*) AS n FROM $s.%I', '${t}_p' || i), false, true, '')))[1]::text::bigint AS n
            FROM generate_series(0, 15) i) x" | awk -F'|' '{printf "%-24s min %8s  max %8s  empty %s\n", $1, $2, $3, $4}'
  done
done
