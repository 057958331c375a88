#!/usr/bin/env bash
# Issue 19, point 2: the crash harness at full count (crates/yikou/tests/crash.rs). Kills yikou with
# SIGKILL at random moments of an import commit, a load, an approval, a batch creation and a result
# import, KILLS times each (default 100), on SQLite and — when YIKOU_TEST_POSTGRES_URL names a server —
# on PostgreSQL; after every kill doctor and audit verify must pass and the figures must be all before
# or all after the act. Prints the tallies recorded in docs/RELIABILITY.md.
#   bench/crash.sh [KILLS]            release build
#   CRASH_PROFILE=dev bench/crash.sh  the debug build the tests already made
set -euo pipefail
kills=${1:-100}
cd "$(dirname "$0")/.."
profile=()
[ "${CRASH_PROFILE:-release}" = release ] && profile=(--release)
start=$(date +%s)
YIKOU_CRASH_KILLS=$kills cargo test "${profile[@]}" -p yikou --test crash killed_mid_act -- --nocapture --test-threads 2 2>&1 |
  grep -E "^crash |test result|panicked|assertion" || true
echo "bench/crash.sh $kills: $(( $(date +%s) - start )) s"
