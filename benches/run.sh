#!/usr/bin/env bash
# Load benchmark on loopback, on the generated dataset (see benches/README.md):
#   1. a private PostgreSQL cluster in $BENCH_DIR (kept between runs; fsync on, as in production)
#   2. `caduceus-dataset` (the generator, a binary of its own) into it, once (1M patients, 2k doctors, 10M appointments)
#   3. the release server against it, and wrk for: available slots, directory search, booking
#      of random free slots, the patient's appointment list page (SSR)
#   4. a bare pgbench single-row INSERT on the same cluster, as the booking baseline
# Results (wrk's own output and a summary table) go to $BENCH_DIR/results.md.
#
# Knobs (environment): BENCH_DIR, DURATION (s, default 30), CONNECTIONS (16), THREADS (2),
# SATURATED (64: the clients of the second booking run and baselines), PATIENTS, DOCTORS,
# APPOINTMENTS (the dataset size), BENCH_PORT (3300).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/env.sh

# Not under $HOME: the postgres user (when we are root) must be able to reach it.
BENCH_DIR=${BENCH_DIR:-/var/tmp/caduceus-bench}
DURATION=${DURATION:-30}
CONNECTIONS=${CONNECTIONS:-16}
SATURATED=${SATURATED:-64}
THREADS=${THREADS:-2}
PATIENTS=${PATIENTS:-1000000}
DOCTORS=${DOCTORS:-2000}
APPOINTMENTS=${APPOINTMENTS:-10000000}
PORT=${BENCH_PORT:-3300}

command -v wrk >/dev/null || scripts/setup.sh --bench
bin="$CARGO_TARGET_DIR/release/caduceus"
[[ -x $bin && -d target/site/pkg ]] || cargo leptos build --release --split --precompress
# The generator is not part of the server build; same features and LEPTOS_OUTPUT_NAME as the
# server, so the library compiled for it is reused.
LEPTOS_OUTPUT_NAME=caduceus cargo build --release --no-default-features --features ssr --bin caduceus-dataset
generator="$CARGO_TARGET_DIR/release/caduceus-dataset"

pg_bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
as_postgres=()
if [[ $(id -u) -eq 0 ]]; then as_postgres=(runuser -u postgres --); fi
mkdir -p "$BENCH_DIR"
chmod 755 "$BENCH_DIR"
pg="$BENCH_DIR/pg"
sock="$BENCH_DIR/sock"
files="$BENCH_DIR/files"
if [[ ! -d $pg ]]; then
  mkdir -p "$pg" "$sock"
  [[ $(id -u) -eq 0 ]] && chown postgres: "$pg" "$sock"
  "${as_postgres[@]}" "$pg_bin/initdb" -D "$pg" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
fi
# A cluster left running (an interrupted run) is restarted with our settings.
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
  /usr/bin/time -f "caduceus-dataset: %e s wall, %M KiB max RSS" \
    "$generator" --patients "$PATIENTS" --doctors "$DOCTORS" --appointments "$APPOINTMENTS" --bench-out "$files"
  touch "$files/done"
fi
# Bookings of an earlier run would make its slots look taken: remove them.
forget_bookings() {
  psql_ -c "DELETE FROM appointments WHERE patient_id IN (SELECT p.id FROM patients p JOIN auth_sessions s ON s.user_id = p.user_id WHERE s.user_agent = 'caduceus benchmark: booker')" \
    -c "VACUUM ANALYZE appointments"
}
forget_bookings

echo "==> Starting the server on 127.0.0.1:$PORT"
# A server left on the port (an earlier run, a manual one) would answer instead of this build.
if curl -fs "http://127.0.0.1:$PORT/health" >/dev/null; then
  echo "Something already answers on port $PORT; stop it or set BENCH_PORT." >&2
  exit 1
fi
RUST_LOG=warn LEPTOS_SITE_ADDR="127.0.0.1:$PORT" LEPTOS_SITE_ROOT="$PWD/target/site" \
  "$bin" serve >"$BENCH_DIR/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 100); do curl -fs "http://127.0.0.1:$PORT/health" >/dev/null && break; sleep 0.2; done

export BENCH_FILES="$files" BENCH_SCRIPTS="$PWD/benches/wrk" BENCH_THREADS="$THREADS"
results="$BENCH_DIR/results.md"
{
  echo "# Caduceus benchmark, $(date -u +%FT%TZ), commit $(git rev-parse --short HEAD)"
  echo "$(nproc) cores; wrk -t$THREADS -c$CONNECTIONS -d${DURATION}s; dataset: $(psql_ -At -c "SELECT (SELECT count(*) FROM patients) || ' patients, ' || (SELECT count(*) FROM doctors) || ' doctors, ' || (SELECT count(*) FROM appointments) || ' appointments'")"
} >"$results"
summary=()
# run <name> <script> [clients]
run() {
  local name=$1 script=$2 clients=${3:-$CONNECTIONS}
  echo "==> $name"
  # A short warm-up first: the first requests pay for connections and cold caches.
  [[ $script != booking.lua ]] && wrk -t"$THREADS" -c"$clients" -d3s -s "benches/wrk/$script" "http://127.0.0.1:$PORT" >/dev/null
  local out
  out=$(wrk -t"$THREADS" -c"$clients" -d"${DURATION}s" --latency -s "benches/wrk/$script" "http://127.0.0.1:$PORT")
  printf '\n## %s\n```\n%s\n```\n' "$name" "$out" >>"$results"
  echo "$out"
  local p50 p99 rps statuses
  p50=$(awk '$1 == "50%" { print $2 }' <<<"$out")
  p99=$(awk '$1 == "99%" { print $2 }' <<<"$out")
  rps=$(awk '$1 == "Requests/sec:" { print $2 }' <<<"$out")
  statuses=$(sed -n 's/^Statuses: //p' <<<"$out")
  summary+=("| $name | $p50 | $p99 | $rps | $statuses |")
}
run "available slots" slots.lua
run "directory search" directory.lua
run "booking (free slots)" booking.lua
# Throughput is what the system does when kept busy: at 16 clients a booking waits on its
# batch's round trips and commit with CPU to spare, so bookings are also measured with
# enough clients to saturate the cores (pgbench's INSERT is saturated at 16 already; its
# baselines are run at both, below). The same free slots again: the first run's go first.
forget_bookings
run "booking (free slots), $SATURATED clients" booking.lua "$SATURATED"
run "appointment list page (SSR)" list_page.lua

# pgbench_run <name> <script> [--clients N] [pgbench options]: runs a pgbench script at the
# benchmark's concurrency (or N clients) and records it.
pgbench_run() {
  local name=$1 script=$2 out tps latency clients=$CONNECTIONS
  shift 2
  if [[ ${1:-} == --clients ]]; then clients=$2; shift 2; fi
  echo "==> pgbench: $name"
  # Sizes for benches/booking.sql: ids of a generated clinic start at 1. A failed run is
  # reported, not fatal.
  out=$("$pg_bin/pgbench" -n -h "$sock" -U postgres -c "$clients" -j "$THREADS" -T "$DURATION" \
    -D doctors="$DOCTORS" -D patients="$((PATIENTS - DOCTORS))" "$@" -f "$script" postgres 2>&1) || true
  printf '\n## pgbench: %s\n```\n%s\n```\n' "$name" "$out" >>"$results"
  echo "$out"
  tps=$(sed -n 's/^tps = \([0-9.]*\).*/\1/p' <<<"$out")
  latency=$(sed -n 's/^latency average = \(.*\)$/\1/p' <<<"$out")
  summary+=("| pgbench $name | avg $latency | | $tps | |")
}

# The baselines: a bare one-row INSERT per transaction (pgbench's default protocol), into a
# table of its own with one index, and into appointments itself (the row a booking adds, with
# its five indexes, two exclusion constraints and three foreign keys).
psql_ -c "DROP TABLE IF EXISTS bench_baseline" \
  -c "CREATE TABLE bench_baseline (id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY, doctor_id BIGINT NOT NULL, starts_at TIMESTAMPTZ NOT NULL, note TEXT)"
printf '%s\n' '\set doctor random(1, 2000)' \
  "INSERT INTO bench_baseline (doctor_id, starts_at, note) VALUES (:doctor, now(), 'baseline');" >"$BENCH_DIR/baseline.sql"
pgbench_run "one-row INSERT baseline" "$BENCH_DIR/baseline.sql"
pgbench_run "one-row INSERT baseline, $SATURATED clients" "$BENCH_DIR/baseline.sql" --clients "$SATURATED"
psql_ -c "DROP TABLE bench_baseline"
printf '%s\n' '\set doctor random(1, :doctors)' '\set patient random(1, :patients)' '\set slot random(0, 50000000)' \
  "INSERT INTO appointments (doctor_id, patient_id, starts_at, ends_at, reason, fee_cents, currency) VALUES (:doctor, :patient, TIMESTAMPTZ '2100-01-01 00:00+00' + :slot * INTERVAL '30 minutes', TIMESTAMPTZ '2100-01-01 00:30+00' + :slot * INTERVAL '30 minutes', 'pgbench', 10000, 'USD');" \
  >"$BENCH_DIR/baseline_appointment.sql"
pgbench_run "one-row INSERT into appointments" "$BENCH_DIR/baseline_appointment.sql"
pgbench_run "one-row INSERT into appointments, $SATURATED clients" "$BENCH_DIR/baseline_appointment.sql" --clients "$SATURATED"
psql_ -c "DELETE FROM appointments WHERE reason = 'pgbench'"

# The booking's own statements without the app (prepared, as the app runs them); its
# far-future appointments are removed (its audit entries stay: the trail is append-only).
pgbench_run "booking statements (benches/booking.sql)" benches/booking.sql -M prepared
psql_ -c "DELETE FROM appointments WHERE reason = 'pgbench'"

{
  printf '\n## Summary\n| what | p50 | p99 | requests/s | answers |\n|---|---|---|---|---|\n'
  printf '%s\n' "${summary[@]}"
} | tee -a "$results"
echo "Written to $results"
