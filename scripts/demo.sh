#!/usr/bin/env bash
# The main job of the moment: build `beian`, then lint the example filings and inspect the
# example homepages against them. Findings are the point here, so exit code 1 (findings)
# is expected; any other failure stops the script.
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
