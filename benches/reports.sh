#!/usr/bin/env bash
# The revenue and patient summaries over two years of 10,000,000 appointments (issue 16: p99
# under 200 ms), on the cluster of benches/run.sh (generated once and kept: 1M patients, 2,000
# doctors, 10M appointments, their bills and payments, the report rollups computed after the
# load), with the release server and an administrator (who reads the reports as managers do) signed in:
#   1. each summary over the whole two years;
#   2. each over ranges of every size (a month to two years, edges inside months), mixed;
#   3. the rollups checked against a full recomputation on the dataset (the sums compared).
# Knobs: BENCH_DIR (/var/tmp/caduceus-bench), PATIENTS, DOCTORS, APPOINTMENTS, DURATION (20),
# CONNECTIONS (8), THREADS (2), BENCH_PORT (3303). Results: wrk's output and a summary table.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/env.sh

BENCH_DIR=${BENCH_DIR:-/var/tmp/caduceus-bench}
PATIENTS=${PATIENTS:-1000000}
DOCTORS=${DOCTORS:-2000}
APPOINTMENTS=${APPOINTMENTS:-10000000}
DURATION=${DURATION:-20}
CONNECTIONS=${CONNECTIONS:-8}
THREADS=${THREADS:-2}
PORT=${BENCH_PORT:-3303}
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

# The same dataset as benches/run.sh (a cluster generated before the bills were does not count).
if [[ ! -f $files/done ]] || [[ $(psql_ -At -c "SELECT to_regclass('revenue_daily') IS NOT NULL AND EXISTS (SELECT FROM invoices)") != t ]]; then
  echo "==> Generating the dataset ($PATIENTS patients, $DOCTORS doctors, $APPOINTMENTS appointments)"
  psql_ -c "DROP SCHEMA public CASCADE; CREATE SCHEMA public;" -c "DROP TABLE IF EXISTS _sqlx_migrations"
  rm -rf "$files"
  /usr/bin/time -f "caduceus-dataset: %e s wall, %M KiB max RSS" \
    "$generator" --patients "$PATIENTS" --doctors "$DOCTORS" --appointments "$APPOINTMENTS" --bench-out "$files"
  touch "$files/done"
fi

echo "==> The dataset"
psql_ -At -F ' ' -c "SELECT (SELECT count(*) FROM appointments) AS appointments, (SELECT count(*) FROM invoices) AS invoices,
                             (SELECT count(*) FROM payments) AS payments, (SELECT min(starts_at)::date FROM appointments),
                             (SELECT max(starts_at)::date FROM appointments)" |
  awk '{ printf "%s appointments (%s to %s), %s invoices, %s payments\n", $1, $4, $5, $2, $3 }'
psql_ -At -c "SELECT string_agg(format('%s: %s rows', name, (xpath('/row/c/text()', query_to_xml(format('SELECT count(*) AS c FROM %s', name), false, true, '')))[1]), ', ') FROM report_rollups"

first=$(psql_ -At -c "SELECT min(starts_at)::date FROM appointments")
last=$(psql_ -At -c "SELECT max(starts_at)::date FROM appointments")
# Ranges of every size with edges inside months: 200 random (from, to) pairs in the two years.
python3 - "$first" "$last" "$files" <<'PY'
import datetime, random, sys
first, last, out = datetime.date.fromisoformat(sys.argv[1]), datetime.date.fromisoformat(sys.argv[2]), sys.argv[3]
random.seed(16)
span = (last - first).days
lines = []
for _ in range(200):
    a, b = sorted(random.sample(range(span + 1), 2))
    start, end = first + datetime.timedelta(days=a), first + datetime.timedelta(days=b)
    lines.append(f"/api/reports/revenue-summary?from={start}&to={end}")
    lines.append(f"/api/reports/patient-summary?from={start}&to={end}")
open(f"{out}/report_ranges.txt", "w").write("\n".join(lines) + "\n")
open(f"{out}/report_revenue_all.txt", "w").write(f"/api/reports/revenue-summary?from={first}&to={last}\n")
open(f"{out}/report_patients_all.txt", "w").write(f"/api/reports/patient-summary?from={first}&to={last}\n")
PY

if curl -fs "$base/health" >/dev/null; then
  echo "Something already answers on port $PORT; stop it or set BENCH_PORT." >&2
  exit 1
fi
RUST_LOG=warn LEPTOS_SITE_ADDR="127.0.0.1:$PORT" LEPTOS_SITE_ROOT="$PWD/target/site" CADUCEUS_LOGIN_PER_IP_PER_MINUTE=1000 \
  "$bin" serve >"$BENCH_DIR/reports-server.log" 2>&1 &
server_pid=$!
for _ in $(seq 600); do curl -fs "$base/health" >/dev/null && break; sleep 0.5; done
password=report-bench-$(date +%s)
psql_ -c "DELETE FROM users WHERE email = 'report-bench@caduceus.test'"
CADUCEUS_ADMIN_PASSWORD=$password "$bin" create-admin --email report-bench@caduceus.test --name "Report bench" >/dev/null
REPORT_TOKEN=$(curl -sf "$base/api/auth/login" -H 'content-type: application/json' \
  -d "{\"email\":\"report-bench@caduceus.test\",\"password\":\"$password\"}" | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
export REPORT_TOKEN BENCH_SCRIPTS="$PWD/benches/wrk"
curl -sf "$base$(cat "$files/report_revenue_all.txt")" -H "Authorization: Bearer $REPORT_TOKEN" |
  python3 -c 'import json,sys; r=json.load(sys.stdin); print("revenue, two years:", r["totals"], len(r["by_doctor"]), "doctors")'
curl -sf "$base$(cat "$files/report_patients_all.txt")" -H "Authorization: Bearer $REPORT_TOKEN" |
  python3 -c 'import json,sys; r=json.load(sys.stdin); print("patients, two years:", {k: r[k] for k in ("total_patients", "visits", "no_shows", "no_show_rate")}, r["visit_frequency"])'

summary=()
run() {
  local name=$1 queries=$2 out
  echo "==> $name"
  rm -rf "$BENCH_DIR/run" && mkdir -p "$BENCH_DIR/run" && cp "$files/$queries" "$BENCH_DIR/run/report_queries.txt"
  export BENCH_FILES="$BENCH_DIR/run"
  wrk -t"$THREADS" -c"$CONNECTIONS" -d3s -s benches/wrk/reports.lua "$base" >/dev/null
  out=$(wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --latency -s benches/wrk/reports.lua "$base")
  echo "$out"
  summary+=("| $name | $(awk '$1 == "50%" { print $2 }' <<<"$out") | $(awk '$1 == "99%" { print $2 }' <<<"$out") | $(awk '$1 == "Requests/sec:" { print $2 }' <<<"$out") | $(sed -n 's/^Statuses: //p' <<<"$out") |")
}
run "revenue summary, two years" report_revenue_all.txt
run "patient summary, two years" report_patients_all.txt
run "both, 400 random ranges" report_ranges.txt

echo "==> The rollups against a full recomputation"
psql_ -At <<'SQL'
CREATE TEMP TABLE kept AS
  SELECT 'revenue' AS what, currency, sum(billed_cents) AS billed, sum(collected_cents) AS collected, sum(outstanding_cents) AS outstanding FROM revenue_daily GROUP BY currency;
SELECT 'kept       ' || string_agg(format('%s billed %s collected %s outstanding %s', currency, billed, collected, outstanding), '; ') FROM kept;
SELECT 'recomputed ' || string_agg(format('%s billed %s collected %s outstanding %s', currency, billed, collected, outstanding), '; ')
  FROM (SELECT i.currency, sum(total_cents - credited_cents) FILTER (WHERE state = 'issued') AS billed,
               (SELECT sum(CASE WHEN kind = 'payment' THEN amount_cents ELSE -amount_cents END) FROM payments p WHERE p.currency = i.currency) AS collected,
               sum(balance_cents) FILTER (WHERE state = 'issued') AS outstanding
          FROM invoices i GROUP BY i.currency) r;
SQL
echo
echo "wrk -t$THREADS -c$CONNECTIONS -d${DURATION}s, as an administrator"
printf '| what | p50 | p99 | requests/s | answers |\n|---|---|---|---|---|\n'
printf '%s\n' "${summary[@]}"
