#!/usr/bin/env bash
# The long kill test: a sweep of about 1,000 filings whose `beian worker` processes are
# killed with SIGKILL at random moments (at least 50 times) and restarted, on PostgreSQL
# with two workers and on SQLite with one; afterwards the orders must equal those of an
# uninterrupted run, every order must have its audit row, the audit chain must verify and
# the run's counts must be right. Prints one line of figures per database.
#
#   scripts/kill-test.sh [SITES] [KILLS]     (defaults: 1500 sites ≈ 1,070 filings, 50 kills)
#
# Needs PostgreSQL at 127.0.0.1:5432 (user postgres, database test) or BEIAN_TEST_PG_URL.
# The CI version of the same test (crates/beian-cli/tests/crash.rs) uses 90 sites, 5 kills.
set -euo pipefail
cd "$(dirname "$0")/.."

export BEIAN_KILL_SITES="${1:-1500}"
export BEIAN_KILL_KILLS="${2:-50}"
# Each verification waits this long, as a live check waits on the network, so that kills
# land while jobs are in flight.
export BEIAN_KILL_DELAY_MS="${BEIAN_KILL_DELAY_MS:-300}"

if ! pg_isready -h 127.0.0.1 -p 5432 -q; then
    echo "PostgreSQL is not running at 127.0.0.1:5432 (scripts/test.sh starts it)" >&2
    exit 2
fi
cargo test -p beian-cli --test crash -- --nocapture --test-threads 1 2>&1 |
    grep -E '^(kill test|test |test result)|panicked|seed'
