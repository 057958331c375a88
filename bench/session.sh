# Sourced by the web benchmarks (web.sh, export.sh): serves the city store in $data (from
# bench/city.sh) on $base and signs in as a bureau user. Sets: bin, data, base, server, token.
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
