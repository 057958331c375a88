#!/usr/bin/env bash
# Issue 19, point 1: the fuzz targets of crates/yikou-ingest/tests/fuzz.rs for longer than .ci/run
# gives them (a few seconds each). HOURS is the whole run, shared out over the twelve targets (value
# parsers: ID number, phone, money, bank account; readers: roster CSV (UTF-8 and GBK), .xlsx inside
# the archive, .xlsx as raw bytes, .xls, bank result file, exchange folder, service delivery list,
# voucher redemption list), run one after another in
# a release build. Prints, per target, the inputs run and the slowest; a panic stops with the input
# saved under target/fuzz-crashes/ (copy it to crates/yikou-ingest/tests/fuzz-regressions/<target>/).
# Usage: bench/fuzz.sh HOURS [SEED]   e.g. bench/fuzz.sh 0.5
set -euo pipefail
cd "$(dirname "$0")/.."
hours=${1:?usage: bench/fuzz.sh HOURS [SEED]}
per=$(awk -v h="$hours" 'BEGIN { printf "%.0f", h * 3600 / 12 }')
export YIKOU_FUZZ_SECONDS=$per
[ -n "${2:-}" ] && export YIKOU_FUZZ_SEED=$2
echo "fuzzing twelve targets for ${per} s each (${hours} h in all)"
cargo test --release -p yikou-ingest --test fuzz -- --test-threads=1 --nocapture 2>&1 | tee target/fuzz-report.txt |
  grep -oE "fuzz [a-z_]+: .*|panicked.*|test result.*"
