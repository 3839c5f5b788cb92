#!/usr/bin/env bash
# Every test of the project: formatting, lints, the API documentation, unit, property and
# integration tests, doc tests, and a short fuzzing run of each fuzz target. Installs what
# the tests need on a fresh machine (dnsmasq, Chromium and a CJK font from Debian, aiosmtpd
# and schemathesis from PyPI, cargo-fuzz from crates.io).
#
#   FUZZ_SECONDS=0 ./scripts/test.sh     # skip fuzzing (e.g. while iterating)
#   FUZZ_SEED=0 ./scripts/test.sh        # fuzz from a random seed instead of the fixed one
#
# The fuzzing stage starts from a fixed seed, so that a run is repeatable and a red run
# can be replayed; scripts/fuzz.sh explores longer from random seeds.
set -euo pipefail
cd "$(dirname "$0")/.."

fuzz_seconds=${FUZZ_SECONDS:-20}
fuzz_seed=${FUZZ_SEED:-20261129}

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
# schemathesis generates requests against the served OpenAPI document (beian-server's
# schemathesis test), in a virtualenv of its own under the target directory. A newer
# Python is preferred where there is one: CPython 3.11's parser sometimes fails inside
# hypothesis ("AST constructor recursion depth mismatch").
schemathesis_version=4.32.5
target_dir=${CARGO_TARGET_DIR:-target}
case "$target_dir" in /*) ;; *) target_dir="$PWD/$target_dir" ;; esac
st_venv="$target_dir/schemathesis-venv"
if ! [ -x "$st_venv/bin/st" ] || ! "$st_venv/bin/st" --version 2>/dev/null | grep -q "$schemathesis_version"; then
  python=python3
  pyroot=$(pyenv root 2>/dev/null || true)
  for candidate in python3.13 python3.12 "$pyroot"/versions/3.13*/bin/python3 "$pyroot"/versions/3.12*/bin/python3; do
    if "$candidate" -c 'import venv, ensurepip' >/dev/null 2>&1; then
      python=$candidate
      break
    fi
  done
  rm -rf "$st_venv"
  "$python" -m venv "$st_venv"
  "$st_venv/bin/pip" install --quiet "schemathesis==$schemathesis_version"
fi
export BEIAN_SCHEMATHESIS="$st_venv/bin/st"
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
# The API documentation builds without a broken or private link.
RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps --locked --quiet

echo "== tests"
cargo test --workspace --locked

if [ "$fuzz_seconds" -gt 0 ]; then
  echo "== fuzzing, ${fuzz_seconds}s per target, seed ${fuzz_seed}"
  if ! command -v cargo-fuzz >/dev/null 2>&1; then
    cargo install cargo-fuzz --locked
  fi
  # cargo-fuzz passes -Z flags to rustc; RUSTC_BOOTSTRAP lets the stable toolchain take them.
  export RUSTC_BOOTSTRAP=1
  for target in extract_numbers analyze_page filing_json registration import_files scan_words; do
    corpus=$(mktemp -d)
    log=$(mktemp)
    seeds="corpus-seed/$target"
    # The import readers start from the shipped example files (JSON Lines, CSV, XLSX) in place.
    if [ "$target" = import_files ]; then seeds=../examples; fi
    if (cd fuzz && cargo fuzz run "$target" "$corpus" "$seeds" -- \
      -max_total_time="$fuzz_seconds" -seed="$fuzz_seed" -print_final_stats=1) > "$log" 2>&1; then
      echo "$target: $(grep -E '^Done [0-9]+ runs' "$log" || echo 'done')"
    else
      cat "$log"
      echo "fuzz target $target failed" >&2
      exit 1
    fi
    rm -rf "$corpus" "$log"
  done
  echo "fuzzing: 6 passed, 0 failed"
fi
