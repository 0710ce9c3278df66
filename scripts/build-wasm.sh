#!/usr/bin/env bash
# Builds the Lumen WebAssembly package (rust/lumen-wasm) for the three wasm-pack targets:
#   pkg-web/ (--target web), pkg-node/ (--target nodejs), pkg-bundler/ (--target bundler)
# at the repository root.
#
#   scripts/build-wasm.sh [--release] [--vm-only]
#
#   --release   the `wasm-release` cargo profile, then binaryen `-Oz` (cargo xtask wasm-opt)
#               on each package's lumen_wasm_bg.wasm; prints raw and gzip sizes
#   --vm-only   without the compiler (cargo feature `compiler` off): only binary LIR runs;
#               the folders are pkg-vm-web/, pkg-vm-node/, pkg-vm-bundler/
#
# Installs what is missing and skips what is there: the wasm32-unknown-unknown target,
# wasm-pack 0.15.1 and wasm-bindgen-cli 0.2.130 (wasm-pack must find wasm-bindgen on PATH; it
# cannot download binaries here). wasm-pack's own wasm-opt is disabled. Each folder is built
# in a temporary directory and renamed into place, so a failed build keeps the old folder.
# Respects CARGO_TARGET_DIR.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"

RELEASE=0
VM_ONLY=0
for arg in "$@"; do
  case "$arg" in
    --release) RELEASE=1 ;;
    --vm-only) VM_ONLY=1 ;;
    -h|--help) sed -n '2,18p' "$0"; exit 0 ;;
    *) echo "build-wasm.sh: unknown option $arg" >&2; exit 2 ;;
  esac
done

WASM_PACK_VERSION=0.15.1
WASM_BINDGEN_VERSION=0.2.130
export PATH="$HOME/.cargo/bin:$PATH"

step() { printf '\n==> %s\n' "$*"; }

step "toolchain"
if ! rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
  rustup target add wasm32-unknown-unknown
fi
if ! wasm-pack --version 2>/dev/null | grep -q " $WASM_PACK_VERSION\$"; then
  cargo install wasm-pack --version "$WASM_PACK_VERSION" --locked
fi
if ! wasm-bindgen --version 2>/dev/null | grep -q " $WASM_BINDGEN_VERSION\$"; then
  # The lock file of wasm-bindgen-cli may name dependency versions the registry mirror
  # lacks; fall back to a fresh resolution then.
  cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION" --locked ||
    cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION"
fi
wasm-pack --version
wasm-bindgen --version

PROFILE_ARGS=(--dev)
if [ "$RELEASE" = 1 ]; then
  PROFILE_ARGS=(--profile wasm-release)
fi
FEATURE_ARGS=()
PREFIX=pkg
if [ "$VM_ONLY" = 1 ]; then
  FEATURE_ARGS=(--no-default-features)
  PREFIX=pkg-vm
fi

gzip_size() { gzip -9 -c "$1" | wc -c | tr -d ' '; }

for pair in web:web nodejs:node bundler:bundler; do
  target="${pair%%:*}"
  dir="$PREFIX-${pair##*:}"
  tmp="$ROOT/$dir.tmp"   # matched by .gitignore's pkg-*/
  rm -rf "$tmp"
  step "wasm-pack $target -> $dir/"
  wasm-pack build rust/lumen-wasm --target "$target" --out-dir "$tmp" --out-name lumen_wasm \
    --no-opt "${PROFILE_ARGS[@]}" -- "${FEATURE_ARGS[@]}"
  rm -f "$tmp/.gitignore"
  wasm="$tmp/lumen_wasm_bg.wasm"
  if [ "$RELEASE" = 1 ]; then
    cargo xtask wasm-opt "$wasm" -Oz
  fi
  rm -rf "$ROOT/$dir.old"
  if [ -e "$ROOT/$dir" ]; then mv "$ROOT/$dir" "$ROOT/$dir.old"; fi
  mv "$tmp" "$ROOT/$dir"
  rm -rf "$ROOT/$dir.old"
  echo "$dir/lumen_wasm_bg.wasm: $(wc -c < "$ROOT/$dir/lumen_wasm_bg.wasm" | tr -d ' ') bytes raw, $(gzip_size "$ROOT/$dir/lumen_wasm_bg.wasm") bytes gzip"
done
