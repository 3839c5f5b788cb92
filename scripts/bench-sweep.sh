#!/usr/bin/env bash
# Sweep throughput against the sandbox, with the raw HTTP ceiling of the same sandbox
# measured in the same run by wrk (a new connection per request, as a sweep meets each
# host once), peak RSS of the sweep, and the score against the ground truth.
#
#   ./scripts/bench-sweep.sh 10000 100000
#   BEIAN=/path/to/beian ./scripts/bench-sweep.sh 10000   # a binary built elsewhere
#   REGISTRIES=0 ./scripts/bench-sweep.sh 100000          # DNS, HTTP, pages and WHOIS/RDAP only,
#                                                         # without the four outside registries
#   BLACK_HOLES=30 CONCURRENCY=2048 ./scripts/bench-sweep.sh 100000
#                                    # 30% of the hosts accept nothing; 3 s connect timeout
#   REGISTRY_IN_FLIGHT=64 ./scripts/bench-sweep.sh 10000  # requests at once per registry
#                                    # (the sandbox's beian.toml says 256)
set -euo pipefail
cd "$(dirname "$0")/.."

command -v wrk >/dev/null 2>&1 || (apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends wrk)
[ -x /usr/bin/time ] || (apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends time)
[ -n "${BEIAN:-}" ] || cargo build --release --locked -p beian-cli
beian=${BEIAN:-target/release/beian}

sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(10000)
for n in "${sizes[@]}"; do
  world=target/bench-sandbox-$n
  rm -rf "$world"
  "$beian" sandbox --sites "$n" --seed 11 --out "$world" --for-seconds 3600 \
    --black-hole-percent "${BLACK_HOLES:-0}" > "$world.log" 2>&1 &
  sandbox=$!
  for _ in $(seq 1 600); do [ -s "$world/flags.txt" ] && break; sleep 0.5; done
  read -r -a all_flags < "$world/flags.txt"
  if [ -n "${REGISTRY_IN_FLIGHT:-}" ]; then
    sed -i "s/^max_in_flight = .*/max_in_flight = $REGISTRY_IN_FLIGHT/" "$world/beian.toml"
  fi
  flags=()
  skip=0
  for flag in "${all_flags[@]}"; do
    if [ "$skip" = 1 ]; then skip=0; continue; fi
    if [ "${REGISTRIES:-1}" = 0 ] && [ "$flag" = --config ]; then skip=1; continue; fi
    flags+=("$flag")
  done
  extra=()
  [ "${BLACK_HOLES:-0}" = 0 ] || extra=(--connect-timeout 3)
  http_port=$(grep -o -- '--http-port [0-9]*' "$world/flags.txt" | awk '{print $2}')
  host=$(head -n 1 "$world/filings.jsonl" | grep -o '"domains":\["[^"]*' | head -n 1 | sed 's/.*\["//')
  ip=127.0.1.1   # the sandbox serves every virtual host on each of its addresses

  echo "== $n sites"
  echo "-- ceiling: wrk, new connection per request, Host: $host"
  wrk -t2 -c64 -d10s -H "Host: $host" -H 'Connection: close' "http://$ip:$http_port/" | grep -E 'Requests/sec|Transfer/sec|Socket errors' || true

  echo "-- sweep"
  rm -f "$world/results.jsonl"
  sandbox_cpu_before=$(awk '{print $14 + $15}' "/proc/$sandbox/stat")
  /usr/bin/time -v "$beian" sweep --filings "$world/filings.jsonl" --out "$world/results.jsonl" \
    --concurrency "${CONCURRENCY:-256}" --per-ip 16 --quiet "${flags[@]}" "${extra[@]}" > "$world/summary.txt" 2> "$world/time.txt" || true
  grep -E '用时' "$world/summary.txt" || cat "$world/summary.txt"
  grep -E 'Maximum resident set size|Elapsed|User time|System time' "$world/time.txt"
  sandbox_cpu_after=$(awk '{print $14 + $15}' "/proc/$sandbox/stat")
  echo "sandbox CPU during the sweep (user + sys): $(( (sandbox_cpu_after - sandbox_cpu_before) / $(getconf CLK_TCK) )) s"
  "$beian" score --truth "$world/truth.jsonl" --results "$world/results.jsonl" | tail -n 3 || true
  kill "$sandbox" 2>/dev/null || true
  wait "$sandbox" 2>/dev/null || true
done
