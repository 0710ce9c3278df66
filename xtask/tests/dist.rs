//! `cargo xtask dist` end to end with a FAKE `lumen` (a shell script given through
//! `LUMEN_BIN` that writes a tiny npm package) and the real `npm pack`. Skipped, saying so,
//! when npm is not installed (scripts/test-all.sh installs Node.js before `cargo test`).
#![cfg(unix)]

use assert_cmd::Command;
use predicates::prelude::*;
use sha2::{Digest, Sha256};
use std::os::unix::fs::PermissionsExt;

/// Writes `package.json` (name `lumen-wasm-<target>`), a .wasm and a JS file into `--out-dir`.
const FAKE: &str = r#"#!/bin/sh
out=""; target=""
while [ $# -gt 0 ]; do
  case "$1" in
    --out-dir) out="$2"; shift ;;
    --wasm-target) target="$2"; shift ;;
  esac
  shift
done
mkdir -p "$out"
printf '{"name":"lumen-wasm-%s","version":"0.1.0","files":["lumen_wasm_bg.wasm","lumen_wasm.js"]}\n' "$target" > "$out/package.json"
printf '\0asm\1\0\0\0' > "$out/lumen_wasm_bg.wasm"
echo "export const target = '$target';" > "$out/lumen_wasm.js"
printf '{"status":"built","target":"%s","out_dir":"%s","package":"lumen-wasm-%s","version":"0.1.0","wasm":{"path":"lumen_wasm_bg.wasm","bytes":8}}\n' "$target" "$out" "$target"
"#;

fn npm_available() -> bool {
    std::process::Command::new("npm")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

#[test]
fn dist_packs_three_tarballs_and_writes_sha256sums() {
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
    std::fs::write(dist.join("lumen-wasm-web-0.0.9.tgz"), b"old").unwrap();

    Command::new(env!("CARGO_BIN_EXE_xtask"))
        .arg("dist")
        .env("LUMEN_BIN", &lumen)
        .env("CARGO_TARGET_DIR", &target)
        .assert()
        .success()
        .stdout(predicate::str::contains("removed stale"))
        .stdout(predicate::str::contains("lumen-wasm-bundler-0.1.0.tgz"))
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
            "lumen-wasm-bundler-0.1.0.tgz",
            "lumen-wasm-nodejs-0.1.0.tgz",
            "lumen-wasm-web-0.1.0.tgz",
            "pkg-bundler",
            "pkg-nodejs",
            "pkg-web",
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
    assert_eq!(
        listed,
        [
            "lumen-wasm-bundler-0.1.0.tgz",
            "lumen-wasm-nodejs-0.1.0.tgz",
            "lumen-wasm-web-0.1.0.tgz"
        ]
    );
}
