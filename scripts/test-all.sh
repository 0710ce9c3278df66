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
# rustfmt/clippy are checked by `cargo xtask ci`; the wasm targets are needed by the build
# tests that run inside `cargo test` (lumen build would add them itself, but its
# --no-install tests expect them present).
for target in wasm32-unknown-unknown wasm32-wasip1 wasm32-wasip2; do
  if ! rustup target list --installed 2>/dev/null | grep -qx "$target"; then
    rustup target add "$target"
  fi
done
cargo --version

# What only apt installs: Node.js and npm (`cargo test` packs and runs the npm package,
# rust/lumen-cli/tests/build.rs and xtask/tests/dist.rs, so they are needed before it, not
# only for `cargo xtask test-wasm`), and Debian's Chromium for the browser tests (never a
# downloaded browser; CHROMIUM_PATH names another one).
APT=()
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  APT+=(nodejs npm)
fi
if [ ! -x "${CHROMIUM_PATH:-/usr/bin/chromium}" ]; then
  APT+=(chromium)
fi
if [ "${#APT[@]}" -gt 0 ]; then
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "apt-get is not available: install ${APT[*]} by hand" >&2
    exit 1
  fi
  if [ "$(id -u)" = 0 ]; then SUDO=(); else SUDO=(sudo); fi
  "${SUDO[@]}" apt-get update
  "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y "${APT[@]}"
fi
node --version

# fmt, clippy, cargo test, the wasm packages with the Node and Chromium tests (Wasmtime and
# the npm test dependencies are installed there), the fuzz smoke, the size budgets: see
# xtask/src/ci.rs.
exec cargo xtask ci
