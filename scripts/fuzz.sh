#!/usr/bin/env bash
# Longer fuzzing than the test command's: every target (or the ones named) from a random
# seed, keeping the corpus it grows in fuzz/corpus/<target> (not committed) so that the
# next run starts where this one stopped. A crash is left in fuzz/artifacts/<target>; turn
# it into a regression test before fixing it.
#
#   scripts/fuzz.sh                      # 10 minutes per target
#   FUZZ_SECONDS=3600 scripts/fuzz.sh import_files
set -euo pipefail
cd "$(dirname "$0")/../fuzz"
seconds=${FUZZ_SECONDS:-600}
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(extract_numbers analyze_page filing_json registration import_files scan_words)
command -v cargo-fuzz >/dev/null 2>&1 || cargo install cargo-fuzz --locked
export RUSTC_BOOTSTRAP=1
for target in "${targets[@]}"; do
  mkdir -p "corpus/$target"
  seeds="corpus-seed/$target"
  [ "$target" = import_files ] && seeds=../examples
  echo "== $target, ${seconds}s"
  cargo fuzz run "$target" "corpus/$target" "$seeds" -- -max_total_time="$seconds" -print_final_stats=1
done
