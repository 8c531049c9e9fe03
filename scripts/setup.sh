#!/usr/bin/env bash
# Installs whatever is missing to build, run and test Caduceus on Debian/Ubuntu with Rust.
# Idempotent: each step is skipped when its tool is already there.
#   scripts/setup.sh          build + run prerequisites
#   scripts/setup.sh --test   also what the test suite needs (Chromium, Playwright, schemathesis)
#   scripts/setup.sh --bench  also what benches/run.sh needs (wrk)
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/env.sh

want_test=false
want_bench=false
[[ "${1:-}" == "--test" ]] && want_test=true
[[ "${1:-}" == "--bench" ]] && want_bench=true

step() { printf '\033[1;34m==> %s\033[0m\n' "$*"; }
sudo_if_needed() { if [[ $(id -u) -eq 0 ]]; then "$@"; else sudo "$@"; fi; }

apt_packages=()
have_postgres() { compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || command -v initdb >/dev/null; }
have_postgres || apt_packages+=(postgresql)
command -v npm >/dev/null || apt_packages+=(nodejs npm)
command -v cc >/dev/null || apt_packages+=(build-essential)
$want_test && { command -v chromium >/dev/null || apt_packages+=(chromium); }
$want_test && { python3 -c 'import ensurepip' 2>/dev/null || apt_packages+=(python3-venv); }
$want_bench && { command -v wrk >/dev/null || apt_packages+=(wrk); }
if ((${#apt_packages[@]})); then
  step "Installing Debian packages: ${apt_packages[*]}"
  sudo_if_needed apt-get update -qq
  sudo_if_needed env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${apt_packages[@]}"
fi
# The Debian package starts a system cluster we don't use; Caduceus runs its own.

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  step "Adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

if [[ "$(cargo leptos --version 2>/dev/null)" != *"$CARGO_LEPTOS_VERSION"* ]]; then
  step "Installing cargo-leptos $CARGO_LEPTOS_VERSION (about 15 minutes, once)"
  cargo install cargo-leptos --version "$CARGO_LEPTOS_VERSION" --locked --features no_downloads
fi

if [[ "$(wasm-bindgen --version 2>/dev/null)" != *"$WASM_BINDGEN_VERSION"* ]]; then
  step "Installing wasm-bindgen-cli $WASM_BINDGEN_VERSION"
  # Not --locked: its lock file names a crate version the registry no longer serves.
  cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION"
fi

if [[ ! -x "$CADUCEUS_TOOLS/node_modules/.bin/wasm-opt" ]]; then
  step "Installing wasm-opt (binaryen $BINARYEN_NPM_VERSION from npm)"
  mkdir -p "$CADUCEUS_TOOLS"
  npm install --prefix "$CADUCEUS_TOOLS" --no-audit --no-fund --silent "binaryen@$BINARYEN_NPM_VERSION"
fi

if $want_test && [[ ! -d end2end/node_modules/@playwright/test ]]; then
  step "Installing Playwright (using Debian's Chromium; no browser download)"
  (cd end2end && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --silent)
fi
if $want_test && [[ "$("$CADUCEUS_TOOLS/venv/bin/schemathesis" --version 2>/dev/null)" != *"$(sed -n 's/^schemathesis==//p' scripts/requirements-fuzz.txt)"* ]]; then
  step "Installing schemathesis (PyPI) for the API fuzzing run"
  python3 -m venv "$CADUCEUS_TOOLS/venv"
  "$CADUCEUS_TOOLS/venv/bin/pip" install --quiet --disable-pip-version-check -r scripts/requirements-fuzz.txt
fi
dicom_files="$CADUCEUS_TOOLS/dicom"
if $want_test && [[ ! -f "$dicom_files/.pydicom-$PYDICOM_VERSION" ]]; then
  step "Fetching pydicom $PYDICOM_VERSION's DICOM test files (PyPI) for the x-ray tests"
  wheel_dir=$(mktemp -d)
  python3 -m pip download --quiet --disable-pip-version-check --no-deps --dest "$wheel_dir" "pydicom==$PYDICOM_VERSION"
  rm -rf "$dicom_files"
  mkdir -p "$dicom_files"
  python3 - "$wheel_dir" "$dicom_files" <<'PY'
import glob, os, sys, zipfile
wheel = glob.glob(os.path.join(sys.argv[1], "pydicom-*.whl"))[0]
wanted = ["CT_small.dcm", "MR_small.dcm", "MR_small_RLE.dcm", "SC_rgb_jpeg_dcmtk.dcm", "JPEG2000.dcm", "JPEG-lossy.dcm"]
with zipfile.ZipFile(wheel) as archive:
    for name in wanted:
        with open(os.path.join(sys.argv[2], name), "wb") as out:
            out.write(archive.read("pydicom/data/test_files/" + name))
PY
  rm -rf "$wheel_dir"
  touch "$dicom_files/.pydicom-$PYDICOM_VERSION"
fi
step "Tools ready"
