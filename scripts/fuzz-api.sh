#!/usr/bin/env bash
# Fuzzes the REST API from its own OpenAPI document with schemathesis, anonymously and signed
# in as each role, against the release server in demo mode on a database of its own.
# Fails on any 5xx, on a response that does not match its documented schema or content type,
# and on a crash (the server must still answer /health at the end).
#   scripts/fuzz-api.sh [seconds per caller, default 20]
# Needs DATABASE_URL (a server where it may create the database caduceus_fuzz) and the release
# build; scripts/test.sh provides both.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/env.sh

budget="${1:-20}"
port="${FUZZ_PORT:-3200}"
base="http://127.0.0.1:$port"
schemathesis="$CADUCEUS_TOOLS/venv/bin/schemathesis"
bin="$CARGO_TARGET_DIR/release/caduceus"
work=$(mktemp -d /tmp/caduceus-fuzz.XXXXXX)

database_url="${DATABASE_URL%%\?*}"
query="${DATABASE_URL#"$database_url"}"
fuzz_db_url="${database_url%/*}/caduceus_fuzz$query"
psql "$DATABASE_URL" -qc "DROP DATABASE IF EXISTS caduceus_fuzz" -c "CREATE DATABASE caduceus_fuzz" >/dev/null

DATABASE_URL="$fuzz_db_url" LEPTOS_SITE_ADDR="127.0.0.1:$port" LEPTOS_SITE_ROOT="$PWD/target/site" \
  CADUCEUS_DEMO=1 CADUCEUS_PUBLIC_URL="$base" CADUCEUS_LOGIN_PER_IP_PER_MINUTE=100000 \
  CADUCEUS_LOGIN_PER_ACCOUNT_PER_15_MINUTES=100000 RUST_LOG=warn \
  "$bin" serve >"$work/server.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true; wait $server 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 1 100); do
  curl -fsS "$base/health" >/dev/null 2>&1 && break
  sleep 0.2
done
curl -fsS "$base/health" >/dev/null

token_of() {
  curl -fsS "$base/api/auth/login" -H 'content-type: application/json' \
    -d "{\"email\":\"$1\",\"password\":\"caduceus-demo\"}" | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])'
}

# Every caller signs in before anyone fuzzes: an admin's fuzzing may rename or deactivate a
# demo account. The admin goes last for the same reason.
declare -A tokens
callers=(anonymous patient doctor nurse staff manager admin)
for caller in "${callers[@]:1}"; do
  tokens[$caller]=$(token_of "$caller@caduceus.test")
done

failed=0
for caller in "${callers[@]}"; do
  auth=()
  [[ $caller != anonymous ]] && auth=(-H "Authorization: Bearer ${tokens[$caller]}")
  printf '\033[1;34m--> schemathesis as %s (%ss)\033[0m\n' "$caller" "$budget"
  # Signing out or ending a session would end this caller's own token halfway through.
  if ! "$schemathesis" run "$base/api/openapi.json" "${auth[@]}" \
      --checks not_a_server_error,response_schema_conformance,content_type_conformance \
      --exclude-path /api/auth/logout --exclude-path '/api/auth/sessions/{id}' \
      --phases examples,coverage,fuzzing --max-time "$budget" --max-examples 25 --seed 11 \
      --request-timeout 10 --workers 1 --no-color --output-truncate true \
      --suppress-health-check all --warnings off; then
    failed=1
  fi
done

if ! curl -fsS "$base/health" >/dev/null; then
  echo "The server stopped answering during the fuzzing run:" >&2
  tail -n 50 "$work/server.log" >&2
  exit 1
fi
if grep -q "panicked" "$work/server.log"; then
  echo "The server panicked during the fuzzing run:" >&2
  grep -A5 "panicked" "$work/server.log" >&2
  exit 1
fi
exit $failed
