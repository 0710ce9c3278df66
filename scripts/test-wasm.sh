#!/usr/bin/env bash
# Tests the WebAssembly packages: builds the npm package pkg/ and the WASI
# command module pkg-wasi/lumen.wasm, installs Wasmtime 48.0.8 (cargo install) and the test
# dependencies (playwright-core, vite, webpack, esbuild, workerd, deno, publint, attw, typescript from
# tests/wasm/package-lock.json; the browser is Debian's chromium, never downloaded),
# then runs the Node.js tests (tests/wasm/node/), the browser tests (tests/wasm/browser/) and
# the host tests of the packed package (tests/wasm/hosts/) with `node --test`. Works on a fresh Debian/Ubuntu machine; installs only what is missing,
# so running it twice does the work once.
#
# Usage: bash scripts/test-wasm.sh [--release] [--no-build] [--node-only]
#   --release    build the packages in release mode (passed to build-wasm.sh)
#   --no-build   use the packages already in pkg-*/ (fails when they are missing)
#   --node-only  skip the browser tests (no chromium needed)
# Environment: CHROMIUM_PATH (default /usr/bin/chromium); LUMEN_BIN, a native `lumen` to
# compare `compile()` with `lumen emit` (default: built here with cargo); LUMEN_PKG, another
# build to test in place of pkg/ (with --no-build);
# LUMEN_WASI, another WASI `lumen.wasm` in place of pkg-wasi/lumen.wasm.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n==> %s\n' "$*"; }

BUILD_ARGS=()
BUILD=1
BROWSER=1
for arg in "$@"; do
  case "$arg" in
    --release) BUILD_ARGS+=(--release) ;;
    --no-build) BUILD=0 ;;
    --node-only) BROWSER=0 ;;
    *) echo "unknown argument: $arg (see the header of $0)" >&2; exit 2 ;;
  esac
done

# Runs a command as root: directly when we are root, else through sudo.
as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi
}

APT_UPDATED=0
apt_install() {
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "apt-get is not available: install $* by hand" >&2
    exit 1
  fi
  if [ "$APT_UPDATED" = 0 ]; then
    as_root apt-get update
    APT_UPDATED=1
  fi
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y "$@"
}

step "node.js"
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  apt_install nodejs npm
fi
NODE_MAJOR="$(node -p 'process.versions.node.split(".")[0]')"
if [ "$NODE_MAJOR" -lt 20 ]; then
  echo "node $(node --version) is too old: the tests need Node.js 20 or newer" >&2
  exit 1
fi
node --version

if [ "$BUILD" = 1 ]; then
  step "packages (scripts/build-wasm.sh ${BUILD_ARGS[*]:-})"
  bash scripts/build-wasm.sh "${BUILD_ARGS[@]}"
fi
step "wasmtime (the WASI tests run lumen.wasm in it)"
WASMTIME_VERSION=48.0.8
export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"
if ! wasmtime --version 2>/dev/null | grep -q "$WASMTIME_VERSION"; then
  # Built from crates.io (about 8 minutes on 2 cores, once): no prebuilt binary is fetched.
  cargo install wasmtime-cli --version "$WASMTIME_VERSION" --locked
fi
wasmtime --version

# The dev `lumen`, built once, into DEV_LUMEN. The selection is the one `cargo test
# --workspace` builds: the same feature unification, so nothing (binaryen's C++ above all)
# is compiled again.
DEV_LUMEN=""
dev_lumen() {
  if [ -z "$DEV_LUMEN" ]; then
    cargo build --workspace --all-targets --quiet || return 1
    DEV_LUMEN="$(cargo metadata --format-version 1 --no-deps \
      | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).target_directory))')/debug/lumen" || return 1
  fi
}

if [ "$BUILD" = 1 ] && [ -z "${LUMEN_WASI:-}" ]; then
  step "WASI command module (lumen build --wasm-target wasi -> pkg-wasi/lumen.wasm)"
  dev_lumen
  "$DEV_LUMEN" build --target wasm --wasm-target wasi --out-dir pkg-wasi "${BUILD_ARGS[@]}"
  step "WASI component with wasi:http (--wasm-target wasi-http -> pkg-wasi-http/lumen.wasm)"
  "$DEV_LUMEN" build --target wasm --wasm-target wasi-http --out-dir pkg-wasi-http "${BUILD_ARGS[@]}"
fi
if [ "$BUILD" = 1 ] && [ -z "${LUMEN_PROGRAM_PKG:-}" ]; then
  step "program package (lumen build --target wasm tests/wasm/types/app.lm.md -> pkg-program/)"
  dev_lumen
  "$DEV_LUMEN" build --target wasm tests/wasm/types/app.lm.md --out-dir pkg-program "${BUILD_ARGS[@]}"
fi
if [ ! -f "${LUMEN_PKG:-pkg}/index.js" ]; then
  echo "${LUMEN_PKG:-pkg}/index.js is missing: run bash scripts/build-wasm.sh" >&2
  exit 1
fi

step "npm dependencies (tests/wasm)"
# node_modules is current when it was installed from exactly this lockfile.
LOCK_SUM="$(sha256sum tests/wasm/package-lock.json tests/wasm/package.json | sha256sum | cut -d' ' -f1)"
STAMP=tests/wasm/node_modules/.lumen-lock-sum
if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$LOCK_SUM" ] && [ -d tests/wasm/node_modules/playwright-core ]; then
  echo "node_modules is up to date"
else
  # playwright-core never downloads a browser by itself; the variable makes that explicit.
  (cd tests/wasm && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund)
  echo "$LOCK_SUM" > "$STAMP"
fi

if [ "$BROWSER" = 1 ]; then
  step "chromium"
  CHROMIUM_PATH="${CHROMIUM_PATH:-/usr/bin/chromium}"
  if [ ! -x "$CHROMIUM_PATH" ]; then
    apt_install chromium
  fi
  export CHROMIUM_PATH
  "$CHROMIUM_PATH" --version 2>/dev/null || true
fi

if [ -z "${LUMEN_BIN:-}" ] && command -v cargo >/dev/null 2>&1; then
  step "native lumen (to compare compile() with lumen emit)"
  if dev_lumen && [ -x "$DEV_LUMEN" ]; then
    export LUMEN_BIN="$DEV_LUMEN"
    echo "LUMEN_BIN=$LUMEN_BIN"
  else
    echo "warning: cargo build of lumen failed; the lumen emit comparison is skipped" >&2
  fi
fi

step "tests"
TEST_DIRS=(tests/wasm/node/ tests/wasm/hosts/node.test.mjs tests/wasm/hosts/lint.test.mjs
  tests/wasm/hosts/workerd.test.mjs tests/wasm/hosts/deno.test.mjs
  tests/wasm/hosts/program_node.test.mjs tests/wasm/hosts/program_lint.test.mjs
  tests/wasm/hosts/program_workerd.test.mjs tests/wasm/hosts/program_deno.test.mjs)
if [ "$BROWSER" = 1 ]; then
  TEST_DIRS+=(tests/wasm/browser/ tests/wasm/hosts/browser.test.mjs tests/wasm/hosts/program_browser.test.mjs)
fi
node --test "${TEST_DIRS[@]}"
