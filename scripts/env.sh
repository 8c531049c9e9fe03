# Shared settings for the project scripts. Source it: `. scripts/env.sh`.
# Tools and build output live outside the clone so that every clone (and CI) reuses them.
export CADUCEUS_CACHE="${CADUCEUS_CACHE:-$HOME/.cache/caduceus}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$CADUCEUS_CACHE/target}"
export CADUCEUS_TOOLS="$CADUCEUS_CACHE/tools"
# Our wasm-opt (binaryen >= 116) must come before any older one on PATH (Debian's 108 breaks
# hydration of release builds).
export PATH="$CADUCEUS_TOOLS/node_modules/.bin:$HOME/.cargo/bin:$PATH"
# Pinned tool versions (see TOOLCHAIN facts in the README).
CARGO_LEPTOS_VERSION=0.3.10
WASM_BINDGEN_VERSION=0.2.130
BINARYEN_NPM_VERSION=132.0.0
# The x-ray tests' DICOM files come from pydicom's wheel (PyPI).
PYDICOM_VERSION=3.0.2
