#!/usr/bin/env bash
# The main job of the moment: build `beian`; lint the example filings and inspect the
# example homepages against them; then start a small sandbox world on loopback, check one
# of its filings live, sweep all of them and score the sweep against the sandbox's ground
# truth. Findings are the point here, so exit code 1 (findings) is expected from lint,
# inspect, check and sweep; any other failure stops the script.
set -euo pipefail
cd "$(dirname "$0")/.."

cargo build --release --locked -p beian-cli
beian=target/release/beian

run() {
  echo
  echo "\$ beian $*"
  set +e
  "$beian" "$@"
  local code=$?
  set -e
  if [ "$code" -gt 1 ]; then
    echo "beian exited with $code" >&2
    exit "$code"
  fi
}

run lint examples/company.jsonc
run inspect examples/company-homepage.html --filing examples/company.jsonc
run lint examples/personal-rectification.jsonc
run inspect examples/personal-homepage-gbk.html --filing examples/personal-rectification.jsonc

# A simulated internet on loopback: DNS, HTTP(S) and WHOIS for 200 generated sites.
world=target/demo-sandbox
rm -rf "$world"
"$beian" sandbox --sites 200 --seed 7 --showcase --out "$world" --for-seconds 300 > "$world.log" 2>&1 &
sandbox=$!
trap 'kill "$sandbox" 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do
  [ -s "$world/flags.txt" ] && break
  sleep 0.2
done
[ -s "$world/flags.txt" ] || { cat "$world.log" >&2; echo "the sandbox did not start" >&2; exit 2; }
read -r -a flags < "$world/flags.txt"
echo
echo "sandbox: $(head -n 3 "$world.log" | tr '\n' ' ')"

head -n 1 "$world/filings.jsonl" > "$world/one.json"
run check "$world/one.json" "${flags[@]}"
rm -f "$world/results.jsonl"
run sweep --filings "$world/filings.jsonl" --out "$world/results.jsonl" "${flags[@]}"
run score --truth "$world/truth.jsonl" --results "$world/results.jsonl"
