#!/usr/bin/env bash
# Issue 18, point 5: the web figures of bench/web.sh on PostgreSQL, with two `yikou serve` processes
# sharing one database (sessions in the database: signed in once, the same cookie on both), wrk
# against both at once. Usage: bench/web_pg.sh DATABASE_URL [SECONDS]
# Needs: a release build, wrk, curl, psql, and the city campaign loaded into DATABASE_URL, e.g.
#   yikou --data /tmp/yikou-bench/citypg --database URL init && yikou --data … --database URL load /tmp/yikou-bench/city --campaign 2021
set -euo pipefail
cd "$(dirname "$0")/.."
url=$1
secs=${2:-15}
bin=$PWD/target/release/yikou
data=${BENCH_DIR:-/tmp/yikou-bench}/citypg
echo "Bench-Pass-1" | "$bin" --data "$data" --database "$url" user add --login webbench --unit 310112-MZJ --role bureau --password-stdin >/dev/null 2>&1 || true
pids=()
for port in 18081 18082; do
  "$bin" --data "$data" --database "$url" --db-pool 16 serve --listen 127.0.0.1:$port >/tmp/yikou-web-pg-$port.log 2>&1 &
  pids+=($!)
done
trap 'kill ${pids[*]} 2>/dev/null || true' EXIT
a=http://127.0.0.1:18081
b=http://127.0.0.1:18082
for _ in $(seq 100); do curl -s -o /dev/null "$a/login" && curl -s -o /dev/null "$b/login" && break; sleep 0.2; done
jar=$(mktemp)
signin() { # base login password -> where the sign-in redirects
  local page csrf
  page=$(curl -s -b "$jar" -c "$jar" "$1/login")
  csrf=$(echo "$page" | grep -o 'name="_csrf" value="[^"]*"' | head -1 | sed 's/.*value="//; s/"$//')
  curl -s -b "$jar" -c "$jar" -o /dev/null -w '%{redirect_url}' --data-urlencode "login=$2" \
    --data-urlencode "password=$3" --data-urlencode "_csrf=$csrf" "$1/login"
}
to=$(signin "$a" webbench Bench-Pass-1)
if [[ "$to" == */password ]]; then
  csrf=$(curl -s -b "$jar" "$a/password" | grep -o 'name="_csrf" value="[^"]*"' | sed 's/.*value="//; s/"$//')
  curl -s -b "$jar" -c "$jar" -o /dev/null --data-urlencode "old=Bench-Pass-1" --data-urlencode "new=Bench-Pass-2" \
    --data-urlencode "confirm=Bench-Pass-2" --data-urlencode "_csrf=$csrf" "$a/password"
fi
[[ "$to" == */password || -z "$to" ]] && signin "$a" webbench Bench-Pass-2 >/dev/null
token=$(grep yikou_session "$jar" | awk '{print $7}')
rm -f "$jar"
id=$(psql "$url" -Atc "select id from people where id % 1000 = 7 order by id limit 1 offset 500")
for base in "$a" "$b"; do
  echo "person page on $base: /people/$id ($(curl -s -o /dev/null -w '%{http_code}' -H "Cookie: yikou_session=$token" "$base/people/$id"), signed in on $a)"
done
run_both() { # path: wrk on both servers at once, 32 connections each
  wrk -t1 -c32 -d"${secs}s" --latency -H "Cookie: yikou_session=$token" "$a$1" > /tmp/wrk-a.txt &
  local first=$!
  wrk -t1 -c32 -d"${secs}s" --latency -H "Cookie: yikou_session=$token" "$b$1" > /tmp/wrk-b.txt
  wait "$first"
  for f in /tmp/wrk-a.txt /tmp/wrk-b.txt; do
    echo "  $(basename "$f" .txt): $(grep -E 'Requests/sec' "$f" | awk '{print $2}') req/s, p50 $(grep -E '^\s+50%' "$f" | awk '{print $2}'), p99 $(grep -E '^\s+99%' "$f" | awk '{print $2}'), non-2xx: $(grep -E 'Non-2xx' "$f" | awk '{print $NF}')"
  done
}
echo "person page /people/$id, both servers:"; run_both "/people/$id"
# A street's list (72,000 people): its first page and its count. (The old search 测试12345 is refused
# since names and digits are no longer mixed in one search.)
echo "register list of a street /people?street=310112108000, both servers:"; run_both "/people?street=310112108000"
