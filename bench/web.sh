#!/usr/bin/env bash
# Web benchmark (issue 5): wrk on loopback, 64 connections, against a register of 1,000,000 people
# on SQLite (the store bench/check.sh loads), signed in as a bureau user, so every request includes
# the session and permission checks. Usage: bench/web.sh [SECONDS]
# Needs: a release build, wrk, curl, and /tmp/yikou-bench/citydb from bench/check.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-20}
bin=$PWD/target/release/yikou
data=${BENCH_DIR:-/tmp/yikou-bench}/citydb
base=http://127.0.0.1:18080
[ -f "$data/yikou.db" ] || { echo "run bench/check.sh first (it loads $data)"; exit 1; }
echo "Bench-Pass-1" | "$bin" --data "$data" user add --login webbench --unit 310112-MZJ --role bureau --password-stdin >/dev/null 2>&1 || true
"$bin" --data "$data" serve --listen 127.0.0.1:18080 >/tmp/yikou-web-bench.log 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
echo $server > /tmp/yikou-web-bench.pid
for _ in $(seq 50); do curl -s -o /dev/null "$base/login" && break; sleep 0.2; done

jar=$(mktemp)
signin() { # login password -> where the sign-in redirects
  local page csrf
  page=$(curl -s -b "$jar" -c "$jar" "$base/login")
  csrf=$(echo "$page" | grep -o 'name="_csrf" value="[^"]*"' | head -1 | sed 's/.*value="//; s/"$//')
  curl -s -b "$jar" -c "$jar" -o /dev/null -w '%{redirect_url}' --data-urlencode "login=$1" \
    --data-urlencode "password=$2" --data-urlencode "_csrf=$csrf" "$base/login"
}
to=$(signin webbench Bench-Pass-1)
if [[ "$to" == */password ]]; then # first sign-in: set the account's own password
  csrf=$(curl -s -b "$jar" "$base/password" | grep -o 'name="_csrf" value="[^"]*"' | sed 's/.*value="//; s/"$//')
  curl -s -b "$jar" -c "$jar" -o /dev/null --data-urlencode "old=Bench-Pass-1" --data-urlencode "new=Bench-Pass-2" \
    --data-urlencode "confirm=Bench-Pass-2" --data-urlencode "_csrf=$csrf" "$base/password"
fi
[[ "$to" == */password || -z "$to" ]] && signin webbench Bench-Pass-2 >/dev/null
token=$(grep yikou_session "$jar" | awk '{print $7}')
rm -f "$jar"
id=$(python3 -c "import sqlite3; print(sqlite3.connect('$data/yikou.db').execute('select id from people where id % 1000 = 7 limit 1 offset 500').fetchone()[0])")
echo "person page: /people/$id ($(curl -s -o /dev/null -w '%{http_code}' -H "Cookie: yikou_session=$token" "$base/people/$id"))"
wrk -t2 -c64 -d"${secs}s" --latency -H "Cookie: yikou_session=$token" "$base/people/$id"
echo "register search: /people?q=测试12345"
wrk -t2 -c64 -d"${secs}s" --latency -H "Cookie: yikou_session=$token" "$base/people?q=%E6%B5%8B%E8%AF%9512345"
