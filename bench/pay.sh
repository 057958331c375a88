#!/usr/bin/env bash
# 一口下达、一口发放 on the whole (clean) demo campaign, timed step by step on SQLite, beside the time
# the SQLite shell itself needs to write the same number of payment lines and to mark them paid
# (the engine's floor, as bench/sqlite_floor.sh does for the import).
# Usage: bench/pay.sh      Needs: a release build (cargo build --release) and the sqlite3 shell.
set -euo pipefail
cd "$(dirname "$0")/.."
y=./target/release/yikou
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
d="$work/d"
t() { local s=$(date +%s.%N); "$@" >"$work/out" 2>"$work/err" || { cat "$work/err"; exit 1; }; awk -v s="$s" -v e="$(date +%s.%N)" 'BEGIN{printf "%.2f", e-s}'; }

$y --data "$d" demo --clean --stage submitted --no-serve >/dev/null
echo "SQLite $(sqlite3 --version | cut -d' ' -f1); the clean demo campaign, stopped after submission"
s=$(t $y --data "$d" roster review --all --as reviewer --decision approve --json)
echo "approve every roster:       $s s  $(cat "$work/out")"
# The floor works on a copy taken here: approved entitlements, no payment lines yet.
sqlite3 "$d/yikou.db" "pragma wal_checkpoint(truncate)" >/dev/null
cp "$d/yikou.db" "$work/floor.db"
s=$(t $y --data "$d" pay batch create --as bureau --method bank --json)
batch=$(sed -E 's/.*"batch":([0-9]+).*/\1/' "$work/out")
lines=$(sed -E 's/.*"lines":([0-9]+).*/\1/' "$work/out")
echo "bank batch of $lines lines:  $s s"
for m in voucher goods service card cash; do
  s=$(t $y --data "$d" pay batch create --as bureau --method $m --json) && echo "  $m batch:                $s s  $(cat "$work/out")" || true
done
s=$(t $y --data "$d" pay export "$batch" --format csv -o "$work/bank.csv" --as bureau)
echo "bank file (CSV):            $s s"
s=$(t $y --data "$d" pay export "$batch" --format xlsx -o "$work/bank.xlsx" --as bureau)
echo "bank file (.xlsx):          $s s"
awk '{sub(/\r$/, "")} NR==1{print $0",处理结果,失败原因"; next} {print $0",成功,"}' "$work/bank.csv" >"$work/result.csv"
s=$(t $y --data "$d" pay results "$batch" "$work/result.csv" --as bureau --json)
echo "result file ($lines lines):  $s s  $(cat "$work/out")"
s=$(t $y --data "$d" pay results "$batch" "$work/result.csv" --as bureau --json)
echo "the same file again:        $s s"

# The floor: the same number of lines written into payment_lines by the shell, in one transaction,
# then marked paid with their entitlements (yikou's schema and pragmas, on the copy taken after the
# approval). Each phase is one sqlite3 run, timed like the steps above.
f="$work/floor.db"
sqlite3 "$f" "create table floor_src as select e.id eid, row_number() over (order by e.id) n, e.amount_fen a
  from entitlements e where e.state = 'approved' limit $lines;
  insert into payment_batches (campaign_id, batch_no, method, filter_json, created_by, created_at, lines, amount_fen)
  values ((select min(id) from campaigns), 'FLOOR', 'bank', '{}', 'floor', 't', $lines, 0);" >/dev/null
p="pragma journal_mode=wal; pragma synchronous=normal; pragma cache_size=-65536; pragma foreign_keys=1;"
s=$(t sqlite3 "$f" "$p begin; insert into payment_lines (batch_id, line_no, entitlement_id, attempt, reference, amount_fen,
  holder, bank_name, account_cipher, account_masked, state)
  select (select id from payment_batches where batch_no = 'FLOOR'), n, eid, 1, 'FLOOR-' || n, a, '某某', '工商银行',
         randomblob(47), '****1234', 'pending' from floor_src order by n; commit;")
echo "floor: write $lines lines:    $s s"
s=$(t sqlite3 "$f" "$p begin; update payment_lines set state = 'paid', result_at = 't', result_by = 'floor'
  where batch_id = (select id from payment_batches where batch_no = 'FLOOR');
  update entitlements set state = 'disbursed' where id in (select eid from floor_src); commit;")
echo "floor: mark them paid:      $s s"
