//! Snapshot tests of what people see when a program is wrong: every program in
//! `tests/diagnostics/` (one per diagnostic family: parse, names, types, arity, grants,
//! tools, long lines, tabs, multi-byte text, markdown, warnings, many errors, run-time
//! errors, errors with no location) is run as a user would run it, and its standard error
//! must equal `NAME.stderr` byte for byte (no colours: standard error is a pipe here).
//!
//! - `check_*.lm[.md]` runs `lumen check NAME`; the plain text of its diagnostics, rendered
//!   by `lumen_compiler::render` as the JavaScript package renders them, must also be in
//!   the snapshot, so the two hosts are seen to agree;
//! - `run_*.lm[.md]` / `run_*.lmb` runs `lumen run NAME [-- ARGS]` (`NAME.args`: the
//!   arguments, whitespace-separated).
//!
//! `BLESS=1 cargo test -p lumen-cli --test diagnostics` rewrites the snapshots that differ
//! (and writes missing ones).

#[path = "support/bless.rs"]
mod bless;

use assert_cmd::Command;
use std::path::{Path, PathBuf};

/// `tests/diagnostics/`.
fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/diagnostics")
}

/// `NAME` of a snapshot program, or `None` for other files.
fn stem(file: &str) -> Option<&str> {
    [".lm.md", ".lm", ".lmb"]
        .iter()
        .find_map(|ext| file.strip_suffix(ext))
        .filter(|s| s.starts_with("check_") || s.starts_with("run_"))
}

/// The standard error of the program `file` run as its prefix says.
fn stderr_of(file: &str) -> Result<String, String> {
    let name = stem(file).ok_or_else(|| format!("{file} is not a snapshot program"))?;
    let mut cmd = Command::cargo_bin("lumen").map_err(|e| format!("no lumen binary: {e}"))?;
    cmd.current_dir(dir()).env_remove("NO_COLOR");
    if name.starts_with("check_") {
        cmd.arg("check").arg(file);
    } else {
        cmd.arg("run").arg(file);
        if let Ok(args) = std::fs::read_to_string(dir().join(format!("{name}.args"))) {
            cmd.arg("--").args(args.split_whitespace());
        }
    }
    let output = cmd.output().map_err(|e| format!("cannot run lumen: {e}"))?;
    if !matches!(output.status.code(), Some(0 | 1)) {
        return Err(format!("exit status {:?}", output.status.code()));
    }
    Ok(String::from_utf8_lossy(&output.stderr).into_owned())
}

/// A loader for programs without imports.
struct NoImports;

impl lumen_compiler::ModuleLoader for NoImports {
    fn load(&self, _: &str, path: &[String]) -> Result<(String, Vec<u8>), String> {
        Err(format!("no module `{}` here", path.join(".")))
    }
}

/// The diagnostics of `file` as the JavaScript package renders them (plain, by
/// `lumen_compiler::render`), without W0001 (which tools a host has differs by host).
fn package_text(file: &str) -> Result<String, String> {
    let bytes = std::fs::read(dir().join(file)).map_err(|e| format!("{file}: {e}"))?;
    let diags: Vec<_> = lumen_compiler::check(file, &bytes, &NoImports, &Default::default())
        .into_iter()
        .filter(|d| d.code != "W0001")
        .collect();
    let mut out = String::new();
    lumen_compiler::render::render_diagnostics(&mut out, &diags, lumen_report::Painter::PLAIN);
    Ok(out)
}

/// Checks (or, with `bless`, rewrites) the snapshot of `file`.
fn check_snapshot(file: &str, bless: bool) -> Result<(), String> {
    let name = stem(file).ok_or_else(|| format!("{file} is not a snapshot program"))?;
    let stderr = stderr_of(file)?;
    let path = dir().join(format!("{name}.stderr"));
    let expected = std::fs::read_to_string(&path).ok();
    if expected.as_deref() != Some(stderr.as_str()) {
        if !bless {
            return Err(format!(
                "standard error differs from {name}.stderr\n--- expected\n{}--- actual\n{stderr}---",
                expected.as_deref().unwrap_or("(no snapshot)\n")
            ));
        }
        bless::write(&path, Some(&stderr))?;
        eprintln!("blessed {name}.stderr");
    }
    if name.starts_with("check_") {
        let package = package_text(file)?;
        if !stderr.starts_with(&package) {
            return Err(format!(
                "the package's rendering differs from the CLI's\n--- package\n{package}--- CLI\n{stderr}---"
            ));
        }
    }
    Ok(())
}

#[test]
fn diagnostic_snapshots() {
    let bless = bless::blessing();
    let mut files: Vec<String> = std::fs::read_dir(dir())
        .expect("tests/diagnostics")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|f| stem(f).is_some())
        .collect();
    files.sort();
    assert!(files.len() >= 15, "only {} snapshot programs", files.len());
    let failures: Vec<String> = files
        .iter()
        .filter_map(|f| {
            check_snapshot(f, bless)
                .err()
                .map(|e| format!("=== {f}\n{e}"))
        })
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {} diagnostic snapshots failed\n{}\n\n{}",
        failures.len(),
        files.len(),
        bless::hint("diagnostics"),
        failures.join("\n\n")
    );
}

#[test]
fn every_snapshot_has_its_program() {
    for entry in std::fs::read_dir(dir())
        .expect("tests/diagnostics")
        .flatten()
    {
        let file = entry.file_name().to_string_lossy().into_owned();
        let Some(name) = file
            .strip_suffix(".stderr")
            .or_else(|| file.strip_suffix(".args"))
        else {
            continue;
        };
        let has_program = [".lm", ".lm.md", ".lmb"]
            .iter()
            .any(|ext| dir().join(format!("{name}{ext}")).exists());
        assert!(has_program, "{file} has no program");
    }
}

#[test]
fn a_wrong_snapshot_is_reported_with_the_bless_hint() {
    // The comparison itself: a snapshot that does not match is an error naming both texts.
    assert_eq!(stem("check_x.lm.md"), Some("check_x"));
    assert_eq!(stem("run_y.lmb"), Some("run_y"));
    assert_eq!(stem("other.lm"), None);
    assert!(check_snapshot("other.lm", false).is_err());
    assert!(
        bless::hint("diagnostics").contains("BLESS=1 cargo test -p lumen-cli --test diagnostics")
    );
}
