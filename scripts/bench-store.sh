#!/usr/bin/env bash
# The store and the workers at scale, each figure with a baseline measured in the same run:
#   1. import of N filings into SQLite and into PostgreSQL (filings/s), against the JSON
#      Lines parse alone (import --dry-run) and PostgreSQL's raw COPY of the same lines;
#   2. listing orders by state with keyset paging over the N filings, about a fifth of them
#      with an order: p50/p99 of one page (a whole `beian orders list` call), against the
#      same call answering an empty page (process start, connect, schema check);
#   3. a sweep against the sandbox with --latency, so that the work waits on the network,
#      by 1, 2 and 4 `beian worker` processes on one PostgreSQL: filings/s per worker count.
#
#   scripts/bench-store.sh [N] [SWEEP_SITES] [LATENCY_MS]   (defaults 1000000 300 1000)
#
# Needs PostgreSQL at 127.0.0.1:5432 (user postgres; BENCH_PG_ADMIN to change) and a
# release build (cargo build --release -p beian-cli), or BEIAN=path/to/beian.
set -euo pipefail
cd "$(dirname "$0")/.."
export PGOPTIONS='--client-min-messages=warning'

n="${1:-1000000}"
sweep_sites="${2:-300}"
latency="${3:-1000}"
beian="${BEIAN:-target/release/beian}"
admin="${BENCH_PG_ADMIN:-postgres://postgres@127.0.0.1:5432/postgres}"
work="$(mktemp -d "${TMPDIR:-/tmp}/beian-bench-store.XXXXXX")"
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
[ -x "$beian" ] || { echo "no $beian: cargo build --release -p beian-cli" >&2; exit 2; }

now() { date +%s.%N; }
rate() { awk -v n="$1" -v a="$2" -v b="$3" 'BEGIN { printf "%.0f", n / (b - a) }'; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }
fresh_pg() {
    psql "$admin" -q -c "DROP DATABASE IF EXISTS $1" -c "CREATE DATABASE $1" >/dev/null
    echo "postgres://postgres@127.0.0.1:5432/$1"
}

echo "== data: $n filings"
"$beian" sandbox --sites 3000 --seed 11 --out "$work/world" --for-seconds 0 >/dev/null 2>&1
t0=$(now)
python3 scripts/gen-filings.py "$work/world/filings.jsonl" "$n" "$work/failing.jsonl" "$work/rest.jsonl"
cat "$work/failing.jsonl" "$work/rest.jsonl" > "$work/all.jsonl"
t1=$(now)
echo "generated in $(secs "$t0" "$t1") s: $(wc -l < "$work/failing.jsonl") that fail, $(du -h "$work/all.jsonl" | cut -f1) of JSON Lines"

echo "== 1. import"
t0=$(now); "$beian" import "$work/all.jsonl" --dry-run > /dev/null; t1=$(now)
echo "baseline, parse only (import --dry-run): $(rate "$n" "$t0" "$t1") filings/s"

rm -f "$work/bench.db"*
sqlite="sqlite://$work/bench.db"
"$beian" db migrate --db "$sqlite" >/dev/null
t0=$(now); "$beian" import "$work/all.jsonl" --db "$sqlite" > /dev/null; t1=$(now)
echo "SQLite import: $(rate "$n" "$t0" "$t1") filings/s ($(secs "$t0" "$t1") s, $(du -h "$work/bench.db" | cut -f1))"
t0=$(now); "$beian" import "$work/all.jsonl" --db "$sqlite" > /dev/null; t1=$(now)
echo "SQLite re-import, nothing changed: $(rate "$n" "$t0" "$t1") filings/s"

pg=$(fresh_pg beian_bench_import)
psql "$pg" -q -c "CREATE TABLE raw_lines (line jsonb)" >/dev/null
t0=$(now)
psql "$pg" -q -c "\\copy raw_lines (line) FROM '$work/all.jsonl' WITH (FORMAT csv, QUOTE E'\\x01', DELIMITER E'\\x02')" >/dev/null
t1=$(now)
echo "baseline, PostgreSQL raw COPY of the same lines into one jsonb column: $(rate "$n" "$t0" "$t1") filings/s"
"$beian" db migrate --db "$pg" >/dev/null
t0=$(now); "$beian" import "$work/all.jsonl" --db "$pg" > /dev/null; t1=$(now)
echo "PostgreSQL import: $(rate "$n" "$t0" "$t1") filings/s ($(secs "$t0" "$t1") s)"

echo "== 2. listing orders by state, 100 per page"
pg=$(fresh_pg beian_bench_list)
"$beian" import "$work/failing.jsonl" --db "$pg" > /dev/null
"$beian" run start --db "$pg" > /dev/null
t0=$(now)
"$beian" worker --offline --drain --date 2026-11-29 --concurrency 16 --db "$pg" --id bench-a > /dev/null &
"$beian" worker --offline --drain --date 2026-11-29 --concurrency 16 --db "$pg" --id bench-b > /dev/null
wait
t1=$(now)
orders=$(psql "$pg" -At -c "SELECT count(*) FROM orders")
echo "issued $orders orders in $(secs "$t0" "$t1") s ($(rate "$orders" "$t0" "$t1")/s, offline judges, 2 workers)"
"$beian" import "$work/rest.jsonl" --db "$pg" > /dev/null
echo "filings in the store: $(psql "$pg" -At -c "SELECT count(*) FROM filings")"
page_times() {
    local after="" out t0 t1
    : > "$work/$1.times"
    while :; do
        t0=$(now)
        out=$("$beian" orders list --state issued --limit 100 --format json --db "$pg" ${after:+--after "$after"})
        t1=$(now)
        awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f\n", (b - a) * 1000 }' >> "$work/$1.times"
        after=$(printf '%s' "$out" | python3 -c 'import json,sys; n=json.load(sys.stdin)["next_after"]; print(n if n is not None else "")')
        [ -n "$after" ] || break
        [ "$(wc -l < "$work/$1.times")" -lt "${2:-100000}" ] || break
    done
}
pctl() {
    sort -n "$1" | awk '{ v[NR] = $1 } END {
        a = int(NR * 0.50) + 1; if (a > NR) a = NR
        b = int(NR * 0.99) + 1; if (b > NR) b = NR
        printf "p50 %.1f ms, p99 %.1f ms over %d calls", v[a], v[b], NR }'
}
page_times pages
: > "$work/empty.times"
for _ in $(seq 1 200); do
    t0=$(now); "$beian" orders list --state issued --limit 100 --after 1 --format json --db "$pg" > /dev/null; t1=$(now)
    awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f\n", (b - a) * 1000 }' >> "$work/empty.times"
done
echo "one page of 100 (whole command): $(pctl "$work/pages.times")"
echo "baseline, the same command answering an empty page: $(pctl "$work/empty.times")"

echo "== 3. sweep against the sandbox, --latency $latency ms, workers on one PostgreSQL"
"$beian" sandbox --sites "$sweep_sites" --seed 5 --latency "$latency" --out "$work/sweep" > "$work/sandbox.log" 2>&1 &
for _ in $(seq 1 600); do [ -s "$work/sweep/flags.txt" ] && break; sleep 0.1; done
flags=$(cat "$work/sweep/flags.txt")
if ! "$beian" worker --help | grep -q -- '--config'; then
    flags=$(printf '%s' "$flags" | sed -E 's/--config [^ ]+//')
fi
pg=$(fresh_pg beian_bench_sweep)
"$beian" import "$work/sweep/filings.jsonl" --db "$pg" > /dev/null || true
total=$(psql "$pg" -At -c "SELECT count(*) FROM filings")
# A first pass issues the orders, so that the measured passes do the same work each.
for workers in warm-up 1 2 4; do
    label="$workers"
    [ "$workers" = warm-up ] && workers=4
    "$beian" run start --db "$pg" > /dev/null
    t0=$(now)
    pids=""
    for i in $(seq 1 "$workers"); do
        # shellcheck disable=SC2086
        "$beian" worker --drain --concurrency 8 --id "sweep-$workers-$i" --db "$pg" $flags > /dev/null 2>&1 &
        pids="$pids $!"
    done
    # shellcheck disable=SC2086
    wait $pids
    t1=$(now)
    echo "$label, $workers worker(s): $total filings in $(secs "$t0" "$t1") s = $(rate "$total" "$t0" "$t1") filings/s"
done
echo "orders issued by the sweep: $(psql "$pg" -At -c "SELECT count(*) FROM orders")"
