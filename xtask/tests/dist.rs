//! `cargo xtask dist` end to end with a FAKE `lumen` (a shell script given through
//! `LUMEN_BIN` that writes a tiny npm package) and the real `npm pack`. Skipped, saying so,
//! when npm is not installed (scripts/test-all.sh installs Node.js before `cargo test`).
#![cfg(unix)]

use assert_cmd::Command;
use predicates::prelude::*;
use sha2::{Digest, Sha256};
use std::os::unix::fs::PermissionsExt;

/// Writes `package.json` (name `lumen-wasm`, `lumen-wasm-vm` with `--vm-only`), a .wasm and
/// a JS file into `--out-dir`.
const FAKE: &str = r#"#!/bin/sh
out=""; target=""; name="lumen-wasm"
while [ $# -gt 0 ]; do
  case "$1" in
    --out-dir) out="$2"; shift ;;
    --wasm-target) target="$2"; shift ;;
    --vm-only) name="lumen-wasm-vm" ;;
  esac
  shift
done
mkdir -p "$out"
printf '{"name":"%s","version":"0.1.0","files":["lumen_wasm_bg.wasm","index.js"]}\n' "$name" > "$out/package.json"
printf '\0asm\1\0\0\0' > "$out/lumen_wasm_bg.wasm"
echo "export const target = '$target';" > "$out/index.js"
printf '{"status":"built","target":"%s","out_dir":"%s","package":"%s","version":"0.1.0","wasm":{"path":"lumen_wasm_bg.wasm","bytes":8}}\n' "$target" "$out" "$name"
"#;

fn npm_available() -> bool {
    std::process::Command::new("npm")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

#[test]
fn dist_packs_the_full_and_the_vm_only_package_and_writes_sha256sums() {
    assert!(
        npm_available(),
        "npm is not installed: this test needs Node.js and npm (scripts/test-all.sh installs them)"
    );
    let dir = tempfile::tempdir().unwrap();
    let lumen = dir.path().join("fake-lumen");
    std::fs::write(&lumen, FAKE).unwrap();
    std::fs::set_permissions(&lumen, std::fs::Permissions::from_mode(0o755)).unwrap();
    let target = dir.path().join("target");
    let dist = target.join("dist");
    std::fs::create_dir_all(&dist).unwrap();
    std::fs::write(dist.join("lumen-wasm-0.0.9.tgz"), b"old").unwrap();

    Command::new(env!("CARGO_BIN_EXE_xtask"))
        .arg("dist")
        .env("LUMEN_BIN", &lumen)
        .env("CARGO_TARGET_DIR", &target)
        .assert()
        .success()
        .stdout(predicate::str::contains("removed stale"))
        .stdout(predicate::str::contains("lumen-wasm-vm-0.1.0.tgz"))
        .stdout(predicate::str::contains("SHA256SUMS"));

    let mut names: Vec<String> = std::fs::read_dir(&dist)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "SHA256SUMS",
            "lumen-wasm-0.1.0.tgz",
            "lumen-wasm-vm-0.1.0.tgz",
            "pkg-js",
            "pkg-js-vm",
        ]
    );
    let sums = std::fs::read_to_string(dist.join("SHA256SUMS")).unwrap();
    let listed: Vec<&str> = sums
        .lines()
        .map(|l| {
            let (hex, name) = l.split_once("  ").unwrap();
            assert_eq!(hex.len(), 64, "{l}");
            let bytes = std::fs::read(dist.join(name)).unwrap();
            let digest: String = Sha256::digest(&bytes)
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect();
            assert_eq!(hex, digest, "{name}");
            name
        })
        .collect();
    assert_eq!(listed, ["lumen-wasm-0.1.0.tgz", "lumen-wasm-vm-0.1.0.tgz"]);
}
