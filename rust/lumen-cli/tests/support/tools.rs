//! What the build tests share: the workspace manifest, the `lumen` binary under test and
//! Wasmtime (included with `#[path = "support/tools.rs"] mod tools;`).

use assert_cmd::Command;
use std::path::{Path, PathBuf};

/// The workspace's `Cargo.toml`.
pub fn manifest() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../Cargo.toml")
}

/// The `lumen` binary of this build.
pub fn lumen() -> Command {
    Command::cargo_bin("lumen").expect("the lumen binary")
}

/// Wasmtime: on PATH or in `$CARGO_HOME/bin` (`~/.cargo/bin`).
pub fn wasmtime() -> PathBuf {
    let path = std::env::var_os("PATH").unwrap_or_default();
    let cargo_home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")));
    std::env::split_paths(&path)
        .chain(cargo_home.map(|h| h.join("bin")))
        .map(|d| d.join("wasmtime"))
        .find(|p| p.is_file())
        .expect("wasmtime is not installed: cargo xtask test-wasm installs it")
}
