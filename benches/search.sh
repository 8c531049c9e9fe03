#!/usr/bin/env bash
# The patient registry's search on a million patients (issue 14: p99 < 20 ms), and the chart of
# a patient with a 700-note record among ten million notes (p99 < 100 ms).
#   1. a private PostgreSQL cluster in $BENCH_DIR (kept between runs), filled once by
#      `caduceus-dataset` with PATIENTS patients (1M), DOCTORS doctors and APPOINTMENTS
#      appointments (fewer than benches/run.sh: the search reads patients and users);
#   2. the release server against it, an administrator (who searches everyone, as nurses and
#      the front desk do) signed in through the API;
#   3. queries sampled from the data: part of a last name, first and last name, an MRN, the
#      last 6 digits of a phone number, a date of birth; then wrk, each kind alone and mixed;
#   4. the chart of the patient with the most notes (the generator gives five patients 700 and
#      everyone else 0 to 20), as the server renders it and as JSON, with wrk.
# Knobs: BENCH_DIR, PATIENTS, DOCTORS, APPOINTMENTS, DURATION (20), CONNECTIONS (8), THREADS (2),
# BENCH_PORT (3302). Results: wrk's output and a summary table on stdout.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/env.sh

BENCH_DIR=${BENCH_DIR:-/var/tmp/caduceus-search-bench}
PATIENTS=${PATIENTS:-1000000}
DOCTORS=${DOCTORS:-2000}
APPOINTMENTS=${APPOINTMENTS:-500000}
DURATION=${DURATION:-20}
CONNECTIONS=${CONNECTIONS:-8}
THREADS=${THREADS:-2}
PORT=${BENCH_PORT:-3302}
base="http://127.0.0.1:$PORT"

command -v wrk >/dev/null || scripts/setup.sh --bench
bin="$CARGO_TARGET_DIR/release/caduceus"
[[ -x $bin && -d target/site/pkg ]] || cargo leptos build --release --split --precompress
LEPTOS_OUTPUT_NAME=caduceus cargo build --release --no-default-features --features ssr --bin caduceus-dataset
generator="$CARGO_TARGET_DIR/release/caduceus-dataset"

pg_bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
as_postgres=()
if [[ $(id -u) -eq 0 ]]; then as_postgres=(runuser -u postgres --); fi
mkdir -p "$BENCH_DIR"
chmod 755 "$BENCH_DIR"
pg="$BENCH_DIR/pg" sock="$BENCH_DIR/sock" files="$BENCH_DIR/files"
if [[ ! -d $pg ]]; then
  mkdir -p "$pg" "$sock"
  [[ $(id -u) -eq 0 ]] && chown postgres: "$pg" "$sock"
  "${as_postgres[@]}" "$pg_bin/initdb" -D "$pg" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
fi
"${as_postgres[@]}" "$pg_bin/pg_ctl" -D "$pg" -m fast -w stop >/dev/null 2>&1 || true
"${as_postgres[@]}" "$pg_bin/pg_ctl" -D "$pg" -l "$pg/server.log" -w \
  -o "-c listen_addresses='' -k $sock -c shared_buffers=1GB -c max_connections=100 -c max_wal_size=8GB" start >/dev/null
server_pid=
stop() {
  [[ -n $server_pid ]] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
  "${as_postgres[@]}" "$pg_bin/pg_ctl" -D "$pg" -m fast -w stop >/dev/null 2>&1 || true
}
trap stop EXIT
export DATABASE_URL="postgres://postgres@localhost/postgres?host=$sock"
psql_() { "$pg_bin/psql" -X -q -v ON_ERROR_STOP=1 -h "$sock" -U postgres -d postgres "$@"; }

if [[ ! -f $files/done ]]; then
  echo "==> Generating the dataset ($PATIENTS patients, $DOCTORS doctors, $APPOINTMENTS appointments)"
  psql_ -c "DROP SCHEMA public CASCADE; CREATE SCHEMA public;" -c "DROP TABLE IF EXISTS _sqlx_migrations"
  rm -rf "$files"
  mkdir -p "$files"
  /usr/bin/time -f "caduceus-dataset: %e s wall, %M KiB max RSS" \
    "$generator" --patients "$PATIENTS" --doctors "$DOCTORS" --appointments "$APPOINTMENTS"
  touch "$files/done"
fi

echo "==> Queries sampled from the data"
# 400 patients at random; each kind of query written to its own file, and all of them mixed.
psql_ -At -F $'\t' -c "SELECT u.name, p.mrn, u.phone, p.date_of_birth FROM patients p TABLESAMPLE SYSTEM (0.1) JOIN users u ON u.id = p.user_id LIMIT 400" |
  python3 -c '
import sys, urllib.parse, re
rows = [line.rstrip("\n").split("\t") for line in sys.stdin if line.strip()]
kinds = {"last_name": [], "full_name": [], "mrn": [], "phone": [], "birth_date": []}
for name, mrn, phone, born in rows:
    kinds["last_name"].append(name.split()[-1][:5])
    kinds["full_name"].append(name)
    kinds["mrn"].append(mrn)
    digits = re.sub(r"\D", "", phone)
    if len(digits) >= 6: kinds["phone"].append(digits[-6:])
    if born: kinds["birth_date"].append(born)
out = sys.argv[1]
every = []
for kind, values in kinds.items():
    encoded = [urllib.parse.quote(v) for v in values]
    every += encoded
    open(f"{out}/search_{kind}.txt", "w").write("\n".join(encoded) + "\n")
open(f"{out}/search_queries.txt", "w").write("\n".join(every) + "\n")
' "$files"

if curl -fs "$base/health" >/dev/null; then
  echo "Something already answers on port $PORT; stop it or set BENCH_PORT." >&2
  exit 1
fi
RUST_LOG=warn LEPTOS_SITE_ADDR="127.0.0.1:$PORT" LEPTOS_SITE_ROOT="$PWD/target/site" CADUCEUS_LOGIN_PER_IP_PER_MINUTE=1000 \
  "$bin" serve >"$BENCH_DIR/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 600); do curl -fs "$base/health" >/dev/null && break; sleep 0.5; done
password=search-bench-$(date +%s)
psql_ -c "DELETE FROM users WHERE email = 'search-bench@caduceus.test'"
CADUCEUS_ADMIN_PASSWORD=$password "$bin" create-admin --email search-bench@caduceus.test --name "Search bench" >/dev/null
SEARCH_TOKEN=$(curl -sf "$base/api/auth/login" -H 'content-type: application/json' \
  -d "{\"email\":\"search-bench@caduceus.test\",\"password\":\"$password\"}" | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
export SEARCH_TOKEN BENCH_SCRIPTS="$PWD/benches/wrk"

summary=()
run() {
  local name=$1 queries=$2 out
  echo "==> $name"
  rm -rf "$BENCH_DIR/run" && mkdir -p "$BENCH_DIR/run" && cp "$files/$queries" "$BENCH_DIR/run/search_queries.txt"
  export BENCH_FILES="$BENCH_DIR/run"
  wrk -t"$THREADS" -c"$CONNECTIONS" -d3s -s benches/wrk/search.lua "$base" >/dev/null
  out=$(wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --latency -s benches/wrk/search.lua "$base")
  echo "$out"
  summary+=("| $name | $(awk '$1 == "50%" { print $2 }' <<<"$out") | $(awk '$1 == "99%" { print $2 }' <<<"$out") | $(awk '$1 == "Requests/sec:" { print $2 }' <<<"$out") | $(sed -n 's/^Statuses: //p' <<<"$out") |")
}
run "part of a last name (5 letters)" search_last_name.txt
run "first and last name" search_full_name.txt
run "MRN" search_mrn.txt
run "last 6 digits of a phone" search_phone.txt
run "date of birth" search_birth_date.txt
run "all kinds mixed" search_queries.txt

chart() {
  local name=$1 path=$2 out
  echo "==> $name"
  wrk -t"$THREADS" -c"$CONNECTIONS" -d3s -H "Authorization: Bearer $SEARCH_TOKEN" "$base$path" >/dev/null
  out=$(wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --latency -H "Authorization: Bearer $SEARCH_TOKEN" "$base$path")
  echo "$out"
  summary+=("| $name | $(awk '$1 == "50%" { print $2 }' <<<"$out") | $(awk '$1 == "99%" { print $2 }' <<<"$out") | $(awk '$1 == "Requests/sec:" { print $2 }' <<<"$out") | $(sed -n 's/^Non-2xx or 3xx responses: /non-2xx: /p' <<<"$out") |")
}
# The long records are the first patients generated.
heavy=$(psql_ -At -c "SELECT patient_id FROM encounters WHERE patient_id IN (SELECT id FROM patients ORDER BY id LIMIT 20)
                       GROUP BY 1 ORDER BY count(*) DESC LIMIT 1")
notes=$(psql_ -At -c "SELECT count(*) FROM encounters WHERE patient_id = $heavy")
chart "chart page, SSR, $notes notes" "/patients/$heavy/chart"
chart "chart JSON, $notes notes" "/api/patients/$heavy/chart"
echo
echo "$(psql_ -At -c "SELECT count(*) FROM patients") patients, $(psql_ -At -c "SELECT count(*) FROM encounters") visit notes; wrk -t$THREADS -c$CONNECTIONS -d${DURATION}s, as an administrator"
printf '| what | p50 | p99 | requests/s | answers |\n|---|---|---|---|---|\n'
printf '%s\n' "${summary[@]}"
