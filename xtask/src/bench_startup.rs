//! `cargo xtask bench-startup [--runs N] [--warmup W] [--only node|chromium] [--json FILE]
//! [--no-build]`: the start-up of the hello program (issue 13 point 6), from the `import` of a
//! package to the first result, in fresh Node.js processes and fresh headless Chromium
//! pages, for the one npm package `pkg/` and the hello PROGRAM package `pkg-startup/`.
//!
//! Unless `--no-build`, it builds `pkg/` (`lumen build --target wasm --release`, as
//! `cargo xtask wasm-packages --release` does; skipped when `LUMEN_PKG` names another) and
//! `pkg-startup/` (`lumen build --target wasm --release examples/hello.lm.md`; skipped when
//! `LUMEN_STARTUP_PKG` names another), with `LUMEN_BIN` or the dev `lumen`; then installs the
//! npm dependencies of `tests/wasm` (playwright-core) and runs `tests/bench/startup.mjs`,
//! which prints the table. A benchmark, not a test: it prints, it does not judge.

use crate::lumen_build::lumen_bin;
use crate::{root, test_wasm, wasm_packages, Failure};
use lumen_build_plan::WasmTarget;
use std::path::Path;
use std::process::Command;

/// The program measured: the one the README and `docs/BENCHMARKS.md` start with.
pub const PROGRAM: &str = "examples/hello.lm.md";

/// Where its program package is built (relative to the workspace root).
pub const PROGRAM_PKG: &str = "pkg-startup";

/// The benchmark script.
pub const SCRIPT: &str = "tests/bench/startup.mjs";

/// Parsed options.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    /// `--runs N`: fresh starts per host and package (default 10).
    pub runs: u32,
    /// `--warmup W`: untimed starts before them (default 1).
    pub warmup: u32,
    /// `--only node|chromium`.
    pub only: Option<String>,
    /// `--json FILE`: every sample, as JSON.
    pub json: Option<String>,
    /// Build the packages first (no `--no-build`).
    pub build: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            runs: 10,
            warmup: 1,
            only: None,
            json: None,
            build: true,
        }
    }
}

/// Parses the arguments after `bench-startup`.
pub fn parse_args(args: &[String]) -> Result<Options, Failure> {
    let mut o = Options::default();
    let mut it = args.iter();
    let number = |value: Option<&String>, flag: &str, min: u32| {
        value
            .and_then(|v| v.parse::<u32>().ok())
            .filter(|n| *n >= min)
            .ok_or_else(|| Failure::Usage(format!("bench-startup: {flag} needs a number ≥ {min}")))
    };
    while let Some(a) = it.next() {
        match a.as_str() {
            "--runs" => o.runs = number(it.next(), "--runs", 1)?,
            "--warmup" => o.warmup = number(it.next(), "--warmup", 0)?,
            "--only" => match it.next().map(String::as_str) {
                Some(host @ ("node" | "chromium")) => o.only = Some(host.to_string()),
                _ => {
                    return Err(Failure::Usage(
                        "bench-startup: --only takes node or chromium".into(),
                    ))
                }
            },
            "--json" => {
                let file = it
                    .next()
                    .ok_or_else(|| Failure::Usage("bench-startup: --json needs a file".into()))?;
                o.json = Some(file.clone());
            }
            "--no-build" => o.build = false,
            other => {
                return Err(Failure::Usage(format!(
                    "bench-startup: unknown argument `{other}`"
                )))
            }
        }
    }
    Ok(o)
}

/// The arguments of `node` that run the benchmark script with `o`.
pub fn node_args(o: &Options) -> Vec<String> {
    let mut args = vec![
        SCRIPT.to_string(),
        "--runs".into(),
        o.runs.to_string(),
        "--warmup".into(),
        o.warmup.to_string(),
    ];
    if let Some(host) = &o.only {
        args.extend(["--only".into(), host.clone()]);
    }
    if let Some(file) = &o.json {
        args.extend(["--json".into(), file.clone()]);
    }
    args
}

/// A non-empty environment variable is set.
fn is_set(name: &str) -> bool {
    std::env::var_os(name).is_some_and(|v| !v.is_empty())
}

/// `lumen build --target wasm --release PROGRAM --out-dir PROGRAM_PKG` from the root.
fn build_program(lumen: &Path) -> Result<(), String> {
    println!("\n==> lumen build --target wasm --release {PROGRAM} -> {PROGRAM_PKG}/");
    crate::lumen_build::clear_unmarked(Path::new(PROGRAM_PKG))?;
    crate::run(
        Command::new(lumen)
            .args(["build", "--target", "wasm", "--release", PROGRAM])
            .args(["--out-dir", PROGRAM_PKG])
            .current_dir(root()),
    )
}

/// Runs the benchmark with `o`.
pub fn run(o: &Options) -> Result<(), String> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    test_wasm::check_node(&path)?;
    if o.build && !(is_set("LUMEN_PKG") && is_set("LUMEN_STARTUP_PKG")) {
        let lumen = lumen_bin()?;
        if !is_set("LUMEN_PKG") {
            let dir = wasm_packages::out_dir(WasmTarget::Js, false);
            wasm_packages::build_one(&lumen, WasmTarget::Js, &dir, true, false)?;
        }
        if !is_set("LUMEN_STARTUP_PKG") {
            build_program(&lumen)?;
        }
    }
    println!("\n==> npm dependencies (tests/wasm)");
    test_wasm::ensure_node_modules(&path)?;
    println!("\n==> node {}", node_args(o).join(" "));
    let mut cmd = Command::new("node");
    cmd.args(node_args(o)).current_dir(root());
    if !is_set("LUMEN_STARTUP_PKG") {
        cmd.env("LUMEN_STARTUP_PKG", root().join(PROGRAM_PKG));
    }
    crate::run(&mut cmd)
}

/// Entry point of `cargo xtask bench-startup`.
pub fn command(args: &[String]) -> Result<(), Failure> {
    run(&parse_args(args)?).map_err(Failure::Failed)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(a: &[&str]) -> Vec<String> {
        a.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn issue13_point6_defaults_are_ten_fresh_starts_after_one_warm_up() {
        let o = parse_args(&[]).unwrap();
        assert_eq!(o, Options::default());
        assert_eq!((o.runs, o.warmup, o.build), (10, 1, true));
        assert_eq!(
            node_args(&o).join(" "),
            "tests/bench/startup.mjs --runs 10 --warmup 1"
        );
    }

    #[test]
    fn issue13_point6_options_reach_the_script() {
        let given = "--runs 3 --warmup 0 --only chromium --json s.json --no-build";
        let o = parse_args(&args(&given.split(' ').collect::<Vec<_>>())).unwrap();
        assert!(!o.build);
        assert_eq!(
            node_args(&o).join(" "),
            "tests/bench/startup.mjs --runs 3 --warmup 0 --only chromium --json s.json"
        );
    }

    #[test]
    fn issue13_point6_bad_arguments_are_usage_errors() {
        for bad in [
            &["--runs", "0"][..],
            &["--runs"],
            &["--warmup", "-1"],
            &["--only", "deno"],
            &["--json"],
            &["--fast"],
        ] {
            assert!(
                matches!(parse_args(&args(bad)), Err(Failure::Usage(_))),
                "{bad:?} was accepted"
            );
        }
    }

    #[test]
    fn issue13_point6_the_program_and_the_script_exist() {
        assert!(root().join(PROGRAM).is_file());
        assert!(root().join(SCRIPT).is_file());
        assert!(root().join("examples/hello.out").is_file());
    }
}
