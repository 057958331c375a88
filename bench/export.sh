#!/usr/bin/env bash
# Streamed exports (issue 16, point 3): the register export (帮团对象 导出Excel/CSV) of the city store's
# 1,000,000 people through the server, as a bureau user, timed end to end with curl; the server's
# peak memory (VmHWM) after a one-street export and after the whole register shows whether memory
# stays flat; the workbook is read back (python-calamine) to count its rows.
# Usage: bench/export.sh  — needs a release build, curl, python-calamine and bench/city.sh's store.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/session.sh
hwm() { grep VmHWM "/proc/$server/status" | awk '{print $2}'; }
rss() { grep VmRSS "/proc/$server/status" | awk '{print $2}'; }
out=${BENCH_DIR:-/tmp/yikou-bench}/export
mkdir -p "$out"
people=$(python3 -c "import sqlite3; print(sqlite3.connect('$data/yikou.db').execute('select count(*) from people').fetchone()[0])")
street=$(python3 -c "import sqlite3; print(sqlite3.connect('$data/yikou.db').execute('select street_code from people group by street_code order by count(*) limit 1').fetchone()[0])")
fetch() { # path file -> seconds
  curl -s -f -H "Cookie: yikou_session=$token" -o "$2" -w '%{time_total}' "$base$1"
}
curl -s -o /dev/null -H "Cookie: yikou_session=$token" "$base/people" # warm: names, session
echo "register: $people people; server after start: VmRSS $(rss) kB, VmHWM $(hwm) kB"
t=$(fetch "/people/export.xlsx?street=$street" "$out/street.xlsx")
echo "one street ($street) .xlsx: ${t} s, $(stat -c %s "$out/street.xlsx") bytes; VmHWM $(hwm) kB"
for ext in xlsx csv; do
  t=$(fetch "/people/export.$ext" "$out/people.$ext")
  rate=$(python3 -c "print(f'{$people / $t:,.0f}')")
  echo "whole register .$ext: ${t} s = $rate rows/s, $(stat -c %s "$out/people.$ext") bytes; VmHWM $(hwm) kB"
done
python3 - "$out/people.xlsx" "$out/people.csv" "$people" <<'PY'
import sys, time
from python_calamine import CalamineWorkbook
t = time.time()
wb = CalamineWorkbook.from_path(sys.argv[1])
rows = 0
for name in wb.sheet_names:
    data = wb.get_sheet_by_name(name).to_python()
    # title (4 lines), a blank line, the header
    rows += sum(1 for r in data[6:] if r and r[0] != "")
csv_rows = sum(1 for _ in open(sys.argv[2], encoding="utf-8-sig")) - 1
print(f"read back: workbook {rows:,} rows in {len(wb.sheet_names)} sheet(s) ({time.time() - t:.1f} s), csv {csv_rows:,} rows; expected {int(sys.argv[3]):,}")
PY
echo "again, three times each (memory must not grow with the exports):"
for i in 1 2 3; do
  for ext in xlsx csv; do
    t=$(fetch "/people/export.$ext" "$out/people.$ext")
    echo "  .$ext: ${t} s; VmRSS $(rss) kB, VmHWM $(hwm) kB"
  done
done
