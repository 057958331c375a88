# Sourced by the city-scale benchmarks (check.sh, sample.sh, report.sh): the generated city campaign
# (1,000,000 people, 1,500,000 entitlements, 2,000 projects; fictional) as exchange files in $city,
# loaded into a SQLite store in $data unless BENCH_REUSE=1 finds one there.
# Sets: bin, work, city, data.
bin=./target/release/yikou
work=${BENCH_DIR:-/tmp/yikou-bench}
city="$work/city"
data="$work/citydb"
mkdir -p "$work"
if [ ! -f "$city/people.csv" ]; then
  "$bin" bench campaign --people 1000000 --entitlements 1500000 --projects 2000 --seed 1 -o "$city"
fi
if [ "${BENCH_REUSE:-0}" != 1 ] || [ ! -f "$data/yikou.db" ]; then
  rm -rf "$data"
  "$bin" --data "$data" init >/dev/null
  ${CITY_LOAD_TIMED:+/usr/bin/time -f "yikou load: wall=%e s maxrss_kb=%M"} "$bin" --data "$data" load "$city" --campaign 2021 >/dev/null
fi
