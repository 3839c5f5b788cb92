#!/usr/bin/env bash
# Every test of the project: formatting, lints, unit, property and integration tests,
# doc tests, and a short fuzzing run of each fuzz target. Installs what the tests need on
# a fresh machine (dnsmasq from Debian, cargo-fuzz from crates.io).
#
#   FUZZ_SECONDS=0 ./scripts/test.sh     # skip fuzzing (e.g. while iterating)
set -euo pipefail
cd "$(dirname "$0")/.."

fuzz_seconds=${FUZZ_SECONDS:-20}

echo "== test dependencies"
# dnsmasq serves the DNS zones of beian-probe's integration tests on loopback.
if ! [ -x /usr/sbin/dnsmasq ] && ! command -v dnsmasq >/dev/null 2>&1; then
  apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends dnsmasq-base
fi
# Headless Chromium drives beian-server's browser test; the CJK font makes the Chinese
# pages render in its screenshots.
if ! [ -x /usr/bin/chromedriver ] || ! [ -x /usr/bin/chromium ] || ! [ -d /usr/share/fonts/opentype/noto ]; then
  apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium chromium-driver fonts-noto-cjk
fi
# aiosmtpd is the real SMTP server beian-notify's tests send mail to on loopback.
if ! python3 -c 'import aiosmtpd' >/dev/null 2>&1; then
  python3 -m pip install --quiet aiosmtpd
fi
# PostgreSQL serves beian-store's contract tests (127.0.0.1:5432, user postgres, trust,
# database test). The machine starts it; start it here if it is down, and wait for it.
if ! pg_isready -h 127.0.0.1 -q; then
  pg_ctlcluster 15 main start || service postgresql start
  for _ in $(seq 1 30); do pg_isready -h 127.0.0.1 -q && break; sleep 1; done
  pg_isready -h 127.0.0.1
fi

echo "== formatting and lints"
cargo fmt --all -- --check
cargo clippy --workspace --all-targets --locked -- -D warnings

echo "== tests"
cargo test --workspace --locked

if [ "$fuzz_seconds" -gt 0 ]; then
  echo "== fuzzing, ${fuzz_seconds}s per target"
  if ! command -v cargo-fuzz >/dev/null 2>&1; then
    cargo install cargo-fuzz --locked
  fi
  # cargo-fuzz passes -Z flags to rustc; RUSTC_BOOTSTRAP lets the stable toolchain take them.
  export RUSTC_BOOTSTRAP=1
  for target in extract_numbers analyze_page filing_json registration import_files; do
    corpus=$(mktemp -d)
    log=$(mktemp)
    seeds="corpus-seed/$target"
    # The import readers start from the shipped example files (JSON Lines, CSV, XLSX) in place.
    if [ "$target" = import_files ]; then seeds=../examples; fi
    if (cd fuzz && cargo fuzz run "$target" "$corpus" "$seeds" -- \
      -max_total_time="$fuzz_seconds" -print_final_stats=1) > "$log" 2>&1; then
      echo "$target: $(grep -E '^Done [0-9]+ runs' "$log" || echo 'done')"
    else
      cat "$log"
      echo "fuzz target $target failed" >&2
      exit 1
    fi
    rm -rf "$corpus" "$log"
  done
  echo "fuzzing: 5 passed, 0 failed"
fi
