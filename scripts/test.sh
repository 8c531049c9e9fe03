#!/usr/bin/env bash
# Runs every test against one release build:
#   1. unit tests, database tests and API tests (cargo test) on a throwaway PostgreSQL cluster,
#      where #[sqlx::test] gives each test its own fresh database;
#   2. API fuzzing: schemathesis against the release server's OpenAPI document, as each role;
#   3. browser journeys (Playwright, Debian's Chromium) against the release server in demo
#      mode on its embedded database.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/env.sh
scripts/setup.sh --test

started=$(date +%s)
phase() { printf '\033[1;34m==> %s (%ss)\033[0m\n' "$*" "$(( $(date +%s) - started ))"; }

work=$(mktemp -d /tmp/caduceus-test.XXXXXX)
chmod 755 "$work"
# Every runner's output also goes to a log, for the summary line at the end.
results="$work/results.log"
pg_bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
as_postgres=()
if [[ $(id -u) -eq 0 ]]; then as_postgres=(runuser -u postgres --); fi

cleanup() {
  "${as_postgres[@]}" "$pg_bin/pg_ctl" -D "$work/pg" -m immediate -w stop >/dev/null 2>&1 || true
  # The e2e server's embedded cluster, if the server could not stop it itself.
  [[ -d "$work/e2e/pg" ]] && "${as_postgres[@]}" "$pg_bin/pg_ctl" -D "$work/e2e/pg" -m immediate -w stop >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

phase "Formatting (cargo fmt --check)"
cargo fmt --check

phase "Lints (cargo clippy, server and browser builds, warnings denied)"
cargo clippy --no-default-features --features ssr --all-targets -- -D warnings
cargo clippy --lib --no-default-features --features hydrate --target wasm32-unknown-unknown -- -D warnings

phase "Module circles (scripts/check-module-cycles.py)"
python3 scripts/check-module-cycles.py

phase "Starting a throwaway PostgreSQL for the database and API tests"
mkdir -p "$work/pg" "$work/sock"
[[ $(id -u) -eq 0 ]] && chown postgres: "$work/pg" "$work/sock"
"${as_postgres[@]}" "$pg_bin/initdb" -D "$work/pg" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
"${as_postgres[@]}" "$pg_bin/pg_ctl" -D "$work/pg" -l "$work/pg/server.log" -w \
  -o "-c listen_addresses='' -k $work/sock -c fsync=off -c synchronous_commit=off -c max_connections=300" start >/dev/null
export DATABASE_URL="postgres://postgres@localhost/postgres?host=$work/sock"

phase "Building the release server and the split, precompressed site; size budget (scripts/size-budget.py)"
scripts/size-budget.py

phase "Unit, database and API tests (cargo test)"
# Same features, profile and LEPTOS_OUTPUT_NAME (read at compile time by leptos_config) as the
# server build, so its compiled dependencies are reused instead of rebuilt.
export LEPTOS_OUTPUT_NAME=caduceus
cargo test --release --no-default-features --features ssr 2>&1 | tee -a "$results"

phase "API fuzzing (schemathesis from /api/openapi.json, each role)"
scripts/fuzz-api.sh "${FUZZ_SECONDS_PER_CALLER:-15}" 2>&1 | tee "$work/fuzz.log"
# One line per caller for the closing summary.
fuzz_cases=$(grep -oE '[0-9]+ generated' "$work/fuzz.log" | awk '{ sum += $1 } END { print sum + 0 }')

phase "Browser journeys (Playwright in Chromium)"
export CADUCEUS_BIN="$CARGO_TARGET_DIR/release/caduceus"
export CADUCEUS_DATA_DIR="$work/e2e"
export LEPTOS_SITE_ROOT="$PWD/target/site"
(cd end2end && npx playwright test) 2>&1 | tee -a "$results"

phase "All tests passed"
# One closing line for the whole suite: Rust tests plus browser tests.
rust_passed=$(grep -oE 'test result: ok\. [0-9]+ passed' "$results" | awk '{ sum += $4 } END { print sum + 0 }')
browser_passed=$(grep -oE '^ +[0-9]+ passed' "$results" | grep -oE '[0-9]+' | tail -n 1)
echo "API fuzzing: $fuzz_cases generated requests, none failed"
echo "$(( rust_passed + ${browser_passed:-0} )) passed, 0 failed"
