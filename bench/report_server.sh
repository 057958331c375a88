#!/usr/bin/env bash
# 汇总报表 inside the server (issue 16): the summary by unit group at city scale, first, kept, and kept
# across an audited read-only act (an export) and a sign-in. Needs a release build and bench/city.sh's store.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/session.sh
t() { curl -s -o /dev/null -w '%{time_total}' -H "Cookie: yikou_session=$token" "$base$1"; }
echo "summary by unit group, first: $(t /reports) s"
echo "again: $(t /reports) s"
echo "a register export (audited, read-only): $(t '/people/export.csv?street=310112114000') s"
echo "summary after the export: $(t /reports) s"
signin webbench Bench-Pass-2 >/dev/null
echo "summary after another sign-in: $(t /reports) s"

