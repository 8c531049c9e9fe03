#!/usr/bin/env bash
# The chart of a patient with a long record, rendered by the server (issue 14's scale target:
# p99 < 100 ms for a patient with 700+ encounters).
#   1. the release server in demo mode on a fresh embedded database of its own;
#   2. Dr. Grey writes ENCOUNTERS visit notes for Pat Patient through the API (each with two
#      coded diagnoses and a prescription), a nurse records 60 sets of vitals;
#   3. wrk, as the nurse (bearer token): the chart page (SSR, `/patients/{id}/chart`) and the
#      chart's JSON (`/api/patients/{id}/chart`), DURATION seconds each, with latency percentiles.
# Knobs: ENCOUNTERS (700), DURATION (20), CONNECTIONS (8), THREADS (2), BENCH_PORT (3301).
# Results: wrk's output on stdout.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/env.sh

ENCOUNTERS=${ENCOUNTERS:-700}
DURATION=${DURATION:-20}
CONNECTIONS=${CONNECTIONS:-8}
THREADS=${THREADS:-2}
PORT=${BENCH_PORT:-3301}
base="http://127.0.0.1:$PORT"

command -v wrk >/dev/null || scripts/setup.sh --bench
bin="$CARGO_TARGET_DIR/release/caduceus"
[[ -x $bin && -d target/site/pkg ]] || cargo leptos build --release --split --precompress

data=$(mktemp -d)
CADUCEUS_DATA_DIR=$data LEPTOS_SITE_ROOT=$PWD/target/site LEPTOS_SITE_ADDR=127.0.0.1:$PORT CADUCEUS_DEMO=1 \
  CADUCEUS_PUBLIC_URL=$base CADUCEUS_LOGIN_PER_IP_PER_MINUTE=1000 RUST_LOG=warn "$bin" serve >"$data/server.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null; rm -rf "$data"' EXIT
for _ in $(seq 1 120); do curl -sf "$base/health" >/dev/null && break; sleep 1; done

token() { curl -sf "$base/api/auth/login" -H 'content-type: application/json' \
  -d "{\"email\":\"$1@caduceus.test\",\"password\":\"caduceus-demo\"}" | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])'; }
doctor=$(token doctor)
nurse=$(token nurse)
patient_id=$(curl -sf "$base/api/appointments?status=completed" -H "authorization: Bearer $(token patient)" |
  python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["patient_id"])')

echo "Writing $ENCOUNTERS encounters and 60 vitals for patient $patient_id…"
python3 - "$base" "$doctor" "$nurse" "$patient_id" "$ENCOUNTERS" <<'PY'
import json, sys, urllib.request
from concurrent.futures import ThreadPoolExecutor
base, doctor, nurse, patient, count = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
codes = ["I10", "E11.9", "J06.9", "M54.5", "R51.9", "K21.9", "J45.909", "E78.5", "F41.1", "N39.0"]
def post(path, token, body):
    request = urllib.request.Request(base + path, json.dumps(body).encode(), {"content-type": "application/json", "authorization": "Bearer " + token})
    with urllib.request.urlopen(request) as response:
        assert response.status == 201, response.status
def note(i):
    post("/api/medical-records", doctor, {
        "patient_id": patient,
        "diagnoses": [{"code": codes[i % len(codes)]}, {"code": codes[(i * 7 + 3) % len(codes)]}],
        "treatment": f"Follow-up {i}: continue current plan, review in four weeks.",
        "notes": "Patient reports feeling better. " * 8,
        "prescriptions": [{"drug": "Metformin", "dose": "500 mg", "frequency": "twice a day", "duration_days": 30, "quantity": 60}],
    })
def vitals(i):
    post(f"/api/patients/{patient}/vitals", nurse, {"systolic": 110 + i % 30, "diastolic": 70 + i % 15, "pulse": 60 + i % 25, "weight_kg": 80 + (i % 10) / 2})
with ThreadPoolExecutor(8) as pool:
    list(pool.map(note, range(count)))
    list(pool.map(vitals, range(60)))
PY

for path in "/patients/$patient_id/chart" "/api/patients/$patient_id/chart"; do
  echo
  echo "== GET $path (as the nurse; ${DURATION}s, $CONNECTIONS connections)"
  wrk --latency -t "$THREADS" -c "$CONNECTIONS" -d "${DURATION}s" -H "Authorization: Bearer $nurse" "$base$path"
done
