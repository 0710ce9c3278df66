//! The toolchain check: finds (and, unless `--no-install`, installs) what a wasm build needs —
//! the rustup target, wasm-pack, and a wasm-bindgen-cli matching the crate's wasm-bindgen.
//!
//! Tools are looked up on `PATH` only. Installs use `cargo install --locked` (no prebuilt
//! binaries are downloaded) and the installed binary is then used by its full path in
//! `$CARGO_HOME/bin`, so a PATH without that folder still works after an install.

use super::process::{first_line, run_streaming};
use std::path::{Path, PathBuf};
use std::process::Command;

/// The wasm-pack version we install when none is present.
pub const WASM_PACK_VERSION: &str = "0.15.1";

/// Tools found or installed, with their versions.
#[derive(Debug, Clone, Default)]
pub struct Tools {
    /// `cargo`.
    pub cargo: PathBuf,
    /// `rustc` version (`1.95.0`).
    pub rustc: String,
    /// wasm-pack, when the target needs it.
    pub wasm_pack: Option<(PathBuf, String)>,
    /// wasm-bindgen-cli, when the target needs it.
    pub wasm_bindgen: Option<(PathBuf, String)>,
}

/// What the check may do and how it reports.
pub struct Check<'a> {
    /// Install missing tools (false: `--no-install`).
    pub install: bool,
    /// The rustup target the build compiles to.
    pub rust_target: &'a str,
    /// Whether wasm-pack and wasm-bindgen are needed (not for WASI).
    pub needs_wasm_pack: bool,
    /// The wasm-bindgen version the crate resolved to.
    pub wasm_bindgen_version: Option<&'a str>,
    /// Prints a notice to the user (installs are announced even without `--verbose`).
    pub notice: &'a (dyn Fn(&str) + Sync),
    /// Prints a tool's output line with `--verbose`.
    pub echo: &'a (dyn Fn(&str) + Sync),
}

/// A toolchain problem: exit status 2 when it needs the user (missing with `--no-install`),
/// 1 when an install failed.
#[derive(Debug)]
pub struct ToolError {
    /// The message.
    pub message: String,
    /// The tail of a failed install's output.
    pub output: Vec<String>,
    /// Whether the user must act (usage-like, exit 2).
    pub needs_user: bool,
}

impl ToolError {
    fn user(message: String) -> ToolError {
        ToolError {
            message,
            output: Vec::new(),
            needs_user: true,
        }
    }
}

/// `cargo`: `$CARGO` when set (cargo sets it for its subprocesses), else `cargo` on PATH.
pub fn cargo_path() -> PathBuf {
    std::env::var_os("CARGO")
        .map(PathBuf::from)
        .filter(|p| p.is_file())
        .or_else(|| find_on_path("cargo"))
        .unwrap_or_else(|| PathBuf::from("cargo"))
}

/// `name` in a folder of `PATH`, if it is there and is a file.
pub fn find_on_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|p| p.is_file())
}

/// The folder `cargo install` writes binaries to.
fn cargo_bin_dir() -> Option<PathBuf> {
    if let Some(home) = std::env::var_os("CARGO_HOME") {
        return Some(PathBuf::from(home).join("bin"));
    }
    std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo").join("bin"))
}

/// The version in a `--version` line such as `wasm-pack 0.15.1` or `rustc 1.95.0 (...)`.
pub fn version_of(line: &str) -> Option<String> {
    line.split_whitespace()
        .nth(1)
        .map(|v| v.trim_start_matches('v').to_string())
        .filter(|v| v.chars().next().is_some_and(|c| c.is_ascii_digit()))
}

/// Runs the check.
pub fn check(c: &Check) -> Result<Tools, ToolError> {
    let cargo = cargo_path();
    let rustc_line = find_on_path("rustc")
        .and_then(|r| first_line(&r, &["--version"]))
        .or_else(|| first_line(Path::new("rustc"), &["--version"]))
        .ok_or_else(|| {
            ToolError::user("rustc is not installed (install Rust with rustup)".to_string())
        })?;
    let rustc = version_of(&rustc_line).unwrap_or(rustc_line);
    ensure_target(c)?;
    let mut tools = Tools {
        cargo: cargo.clone(),
        rustc,
        ..Tools::default()
    };
    if c.needs_wasm_pack {
        tools.wasm_pack = Some(ensure_tool(
            c,
            &cargo,
            "wasm-pack",
            "wasm-pack",
            Wanted::AtLeast(WASM_PACK_MIN),
            WASM_PACK_VERSION,
        )?);
        let bindgen_version = c.wasm_bindgen_version.ok_or_else(|| {
            ToolError::user("lumen-wasm does not depend on wasm-bindgen".to_string())
        })?;
        tools.wasm_bindgen = Some(ensure_tool(
            c,
            &cargo,
            "wasm-bindgen",
            "wasm-bindgen-cli",
            Wanted::Exactly(bindgen_version),
            bindgen_version,
        )?);
    }
    Ok(tools)
}

/// Adds the rustup target when it is missing.
fn ensure_target(c: &Check) -> Result<(), ToolError> {
    let Some(rustup) = find_on_path("rustup") else {
        // Without rustup we cannot list targets; cargo reports a missing one itself.
        return Ok(());
    };
    let listed = Command::new(&rustup)
        .args(["target", "list", "--installed"])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
        .unwrap_or_default();
    if listed.lines().any(|l| l.trim() == c.rust_target) {
        return Ok(());
    }
    let command = format!("rustup target add {}", c.rust_target);
    if !c.install {
        return Err(ToolError::user(format!(
            "the Rust target {} is not installed; install it with: {command}",
            c.rust_target
        )));
    }
    (c.notice)(&format!(
        "adding the Rust target {}: {command}",
        c.rust_target
    ));
    let done = run_streaming(
        Command::new(&rustup).args(["target", "add", c.rust_target]),
        c.echo,
    )
    .map_err(ToolError::user)?;
    if done.success {
        Ok(())
    } else {
        Err(ToolError {
            message: format!("`{command}` failed ({})", done.status),
            output: done.tail,
            needs_user: false,
        })
    }
}

/// Which versions of a tool are acceptable.
#[derive(Debug, Clone, Copy)]
enum Wanted<'a> {
    /// Exactly this version (wasm-bindgen-cli must match the wasm-bindgen crate).
    Exactly(&'a str),
    /// This version or newer.
    AtLeast(&'a str),
}

/// The oldest wasm-pack whose `build` has `--no-opt` and `--profile`.
pub const WASM_PACK_MIN: &str = "0.13.0";

/// `a >= b` for dotted numeric versions (`0.15.1`); a non-numeric part counts as 0.
pub fn version_at_least(a: &str, b: &str) -> bool {
    let parts = |v: &str| -> Vec<u64> {
        v.split(['.', '-', '+'])
            .take(3)
            .map(|p| p.parse().unwrap_or(0))
            .collect()
    };
    parts(a) >= parts(b)
}

/// Finds `binary` on PATH in an acceptable version, or installs crate `krate` version
/// `install_version` with `cargo install --locked`.
fn ensure_tool(
    c: &Check,
    cargo: &Path,
    binary: &str,
    krate: &str,
    wanted: Wanted,
    install_version: &str,
) -> Result<(PathBuf, String), ToolError> {
    let found = find_on_path(binary).and_then(|p| {
        let v = first_line(&p, &["--version"]).and_then(|l| version_of(&l))?;
        Some((p, v))
    });
    let problem = match (&found, wanted) {
        (Some((p, v)), Wanted::Exactly(want)) if v != want => format!(
            "{binary} {v} at {} does not match the wasm-bindgen {want} the crate uses",
            p.display()
        ),
        (Some((p, v)), Wanted::AtLeast(min)) if !version_at_least(v, min) => format!(
            "{binary} {v} at {} is older than {min}, the oldest that works",
            p.display()
        ),
        (Some(f), _) => return Ok(f.clone()),
        (None, _) => format!("{binary} is not installed"),
    };
    let command = format!("cargo install {krate} --version {install_version} --locked");
    if !c.install {
        return Err(ToolError::user(format!(
            "{problem}; install it with: {command}"
        )));
    }
    (c.notice)(&format!(
        "{problem}: installing it with `{command}` (a few minutes, once)"
    ));
    let attempt = |locked: bool| {
        let mut cmd = Command::new(cargo);
        cmd.args(["install", krate, "--version", install_version]);
        if locked {
            cmd.arg("--locked");
        }
        run_streaming(&mut cmd, c.echo)
    };
    let mut done = attempt(true).map_err(ToolError::user)?;
    if !done.success {
        // A lock file may pin a version the registry mirror lacks: resolve afresh.
        (c.notice)(&format!("`{command}` failed; retrying without --locked"));
        done = attempt(false).map_err(ToolError::user)?;
    }
    if !done.success {
        return Err(ToolError {
            message: format!("`{command}` failed ({})", done.status),
            output: done.tail,
            needs_user: false,
        });
    }
    let path = cargo_bin_dir()
        .map(|d| d.join(binary))
        .filter(|p| p.is_file())
        .or_else(|| find_on_path(binary))
        .ok_or_else(|| {
            ToolError::user(format!(
                "installed {krate}, but cannot find the `{binary}` binary"
            ))
        })?;
    let version = first_line(&path, &["--version"])
        .and_then(|l| version_of(&l))
        .unwrap_or_else(|| install_version.to_string());
    Ok((path, version))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_from_version_lines() {
        assert_eq!(version_of("wasm-pack 0.15.1").as_deref(), Some("0.15.1"));
        assert_eq!(
            version_of("rustc 1.95.0 (59807616e 2026-04-14)").as_deref(),
            Some("1.95.0")
        );
        assert_eq!(
            version_of("wasm-bindgen v0.2.130").as_deref(),
            Some("0.2.130")
        );
        assert_eq!(version_of("garbage"), None);
        assert_eq!(version_of("tool beta"), None);
    }

    #[test]
    fn version_comparison() {
        assert!(version_at_least("0.15.1", WASM_PACK_MIN));
        assert!(version_at_least("0.13.0", "0.13.0"));
        assert!(version_at_least("1.0.0", "0.13.0"));
        assert!(!version_at_least("0.12.1", "0.13.0"));
        assert!(!version_at_least("0.9.10", "0.13.0"));
        assert!(version_at_least("0.13.0-beta", "0.13.0"));
    }
}
