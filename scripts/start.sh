#!/usr/bin/env bash
# Quick start: installs what is missing, builds, and runs Caduceus with demo data on its own
# embedded PostgreSQL at http://127.0.0.1:3000 (data in ./.caduceus). Ctrl-C stops both.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/env.sh
scripts/setup.sh
# Plain http on localhost: the session cookie can't require HTTPS here (see README).
export CADUCEUS_DEMO="${CADUCEUS_DEMO:-1}"
export CADUCEUS_INSECURE_COOKIES="${CADUCEUS_INSECURE_COOKIES:-1}"
# Each page's code in its own WASM chunk, and every file precompressed (see README).
exec cargo leptos serve --release --split --precompress
