#!/usr/bin/env bash
# Runs every test of the project on a fresh machine. Installs what it needs, skips what is
# already there. CI calls exactly this script (see .ci/run and README.md).
set -euo pipefail
cd "$(dirname "$0")/.."

# Build output is cached between runs only through this directory, which we create. One
# directory per checkout path: cargo decides freshness by mtime, so two clones sharing one
# target dir could run binaries built from the other clone's (older-looking) sources.
checkout_key="$(pwd -P | sha1sum | cut -c1-12)"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/lumen-target/$checkout_key}"
mkdir -p "$CARGO_TARGET_DIR"

step() { printf '\n==> %s\n' "$*"; }

step "toolchain"
for component in rustfmt clippy; do
  if ! rustup component list --installed 2>/dev/null | grep -q "^$component"; then
    rustup component add "$component"
  fi
done
cargo --version

step "format"
cargo fmt --all -- --check

step "clippy"
cargo clippy --workspace --all-targets --quiet -- -D warnings

step "tests"
cargo test --workspace 2>&1 | tee "$CARGO_TARGET_DIR/test-output.txt"

step "webassembly: Node.js and Chromium tests"
# Builds pkg-node/pkg-web/pkg-bundler (installing wasm-pack, wasm-bindgen-cli, npm packages and
# Debian chromium when missing) and runs every conformance program and the API tests in Node,
# and both example pages in headless Chromium.
bash scripts/test-wasm.sh
