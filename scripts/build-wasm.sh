#!/usr/bin/env bash
# Builds the Lumen WebAssembly npm package (rust/lumen-wasm), one package for every
# JavaScript host, into pkg/ at the repository root, with `lumen build --target wasm
# --wasm-target js` (the dev build of lumen-cli).
#
#   scripts/build-wasm.sh [--release] [--vm-only]
#
#   --release   optimised: cargo profile `wasm-release`, then binaryen -Oz inside lumen build
#   --vm-only   without the compiler: only binary LIR runs; the folder is pkg-vm/
#
# `lumen build` installs what is missing (the wasm32 target, wasm-pack, a matching
# wasm-bindgen-cli, all from crates.io), builds in a temporary directory and swaps the folder
# into place, and skips a folder that is up to date. Respects CARGO_TARGET_DIR.
set -euo pipefail
cd "$(dirname "$0")/.."

ARGS=()
DIR=pkg
for arg in "$@"; do
  case "$arg" in
    --release) ARGS+=(--release) ;;
    --vm-only) ARGS+=(--vm-only); DIR=pkg-vm ;;
    -h|--help) sed -n '2,14p' "$0"; exit 0 ;;
    *) echo "build-wasm.sh: unknown option $arg" >&2; exit 2 ;;
  esac
done

# The same selection `cargo test --workspace` builds, so features unify the same way and
# nothing (binaryen's C++ above all) is compiled a second time.
cargo build --quiet --workspace --all-targets
LUMEN="$(cargo metadata --format-version 1 --no-deps |
  node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).target_directory))')/debug/lumen"

printf '\n==> lumen build --wasm-target js -> %s/\n' "$DIR"
"$LUMEN" build --target wasm --wasm-target js --out-dir "$DIR" "${ARGS[@]}"
