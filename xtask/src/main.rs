//! Project tooling: `cargo xtask <command>`.
//!
//! - `bench [--runs N] [--only fib,loop] [--json FILE]`: builds the release `lumen`, then runs
//!   the shared benchmark driver (`../shared/bench/run.py` when present, else the copy in
//!   `tests/bench/run.py`) and prints its table; lumen-wasm is the package in `pkg/` (build
//!   it with `cargo xtask wasm-packages --release`) unless `LUMEN_PKG_NODE` names another.
//! - `bench-build [--runs N] [--release] [--program FILE:js|wasi ...]`: the time of a
//!   program-only rebuild (runtime cached, program changed) and the program's sizes
//!   ([`bench_build`], `docs/BENCHMARKS.md`).
//! - `bench-startup [--runs N] [--warmup W] [--only node|chromium] [--json FILE] [--no-build]`:
//!   the hello program's start-up, `import` to first result, in fresh Node.js processes and
//!   Chromium pages for `pkg/` and its program package ([`bench_startup`]).
//! - `check-bench`: builds the release `lumen` and checks that every benchmark program prints
//!   the expected result from `tests/bench/expected/`.
//! - `wasm-size [--check] [--record] [--why] [--target T ...] [--budgets FILE]`: release-builds
//!   every artifact listed in `wasm-size.toml` through `lumen build --message-format json` and
//!   prints raw, gzip and brotli sizes against the gzip budgets and the last recorded sizes
//!   ([`wasm_size`]); `--why` adds where each artifact's bytes are ([`wasm_why`]).
//! - `dist`: builds the npm packages `lumen-wasm` and `lumen-wasm-vm`, packs them with
//!   `npm pack` into `<target dir>/dist/` and writes `SHA256SUMS` ([`dist`]).
//! - `wasm-packages [--release] [--vm-only]`: the one JavaScript package `pkg/` (or
//!   `pkg-vm/`) at the workspace root ([`wasm_packages`]).
//! - `test-wasm [--release] [--no-build] [--node-only]`: those packages and the WASI builds,
//!   Wasmtime and the npm test dependencies, then the Node.js, Chromium and host tests
//!   ([`test_wasm`]).
//! - `fuzz [--time S] [--seed N] [--jobs J] [--corpus DIR] | --differential K [--pkg DIR] |
//!   --repro FILE`: the stable-Rust fuzzer `lumen-fuzz` ([`fuzz`], `docs/FUZZING.md`).
//! - `ci`: everything CI runs, in order, stopping at the first failure ([`ci`]).
//!
//! `lumen build` is the `LUMEN_BIN` binary when that variable is set, else the dev `lumen`
//! built here with cargo (binaryen runs inside it: `lumen build --release`). Exit codes: 0 success, 1 a command failed (or a check did), 2 usage.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

mod bench_build;
mod bench_startup;
mod budgets;
mod ci;
mod compress;
mod cpu;
mod dist;
mod fuzz;
mod lumen_build;
mod test_wasm;
mod wasm_map;
mod wasm_packages;
mod wasm_size;
mod wasm_why;

const USAGE: &str = "usage: cargo xtask <command>
  bench [--runs N] [--only a,b] [--json FILE]
  check-bench
  bench-build [--runs N] [--release] [--program FILE:js|wasi ...]
  bench-startup [--runs N] [--warmup W] [--only node|chromium] [--json FILE] [--no-build]
  wasm-size [--check] [--record] [--why] [--target js|wasi|wasi-http|all|NAME ...] [--budgets FILE]
  dist
  wasm-packages [--release] [--vm-only]
  test-wasm [--release] [--no-build] [--node-only]
  fuzz [--time S] [--seed N] [--jobs J] [--corpus DIR] [--max-execs N] [--no-minimize]
  fuzz --differential K [--seed N] [--pkg DIR]
  fuzz --repro FILE
  ci";

/// Why a command did not succeed: a usage error (exit status 2) or a failure (exit status 1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// Bad arguments: printed with the usage text.
    Usage(String),
    /// The command ran and failed (a build, a test, a budget check).
    Failed(String),
}

impl From<String> for Failure {
    fn from(message: String) -> Self {
        Failure::Failed(message)
    }
}

impl From<&str> for Failure {
    fn from(message: &str) -> Self {
        Failure::Failed(message.to_string())
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let rest = args.get(1..).unwrap_or(&[]);
    let result = match args.first().map(String::as_str) {
        Some("bench") => bench(rest).map_err(Failure::from),
        Some("check-bench") => check_bench().map_err(Failure::from),
        Some("wasm-size") => wasm_size::command(rest),
        Some("dist") => dist::command(rest),
        Some("bench-build") => bench_build::command(rest),
        Some("bench-startup") => bench_startup::command(rest),
        Some("wasm-packages") => wasm_packages::command(rest),
        Some("test-wasm") => test_wasm::command(rest),
        Some("fuzz") => fuzz::command(rest),
        Some("ci") => ci::command(rest),
        Some(other) => Err(Failure::Usage(format!("unknown command `{other}`"))),
        None => Err(Failure::Usage("no command given".to_string())),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Usage(e)) => {
            eprintln!("xtask: {e}\n{USAGE}");
            ExitCode::from(2)
        }
        Err(Failure::Failed(e)) => {
            eprintln!("xtask: {e}");
            ExitCode::FAILURE
        }
    }
}

/// The workspace root (the parent of this crate's manifest directory).
fn root() -> PathBuf {
    let here = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    here.parent().map(Path::to_path_buf).unwrap_or(here)
}

/// The cargo target directory in use (respects `CARGO_TARGET_DIR`).
fn target_dir() -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(d) if !d.is_empty() => {
            let d = PathBuf::from(d);
            if d.is_absolute() {
                d
            } else {
                root().join(d)
            }
        }
        _ => root().join("target"),
    }
}

/// The cargo executable: `$CARGO` (set when running under `cargo xtask`), else `cargo`.
fn cargo() -> String {
    std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string())
}

fn run(cmd: &mut Command) -> Result<(), String> {
    let status = cmd
        .status()
        .map_err(|e| format!("cannot start {cmd:?}: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{cmd:?} failed with {status}"))
    }
}

/// The dev `lumen`, built once per xtask process ([`build_dev_lumen`]).
fn dev_lumen() -> Result<PathBuf, String> {
    static BUILT: std::sync::OnceLock<Result<PathBuf, String>> = std::sync::OnceLock::new();
    BUILT.get_or_init(build_dev_lumen).clone()
}

/// The `lumen` that drives wasm builds: the dev build (already compiled by `cargo test`;
/// its work is spent in cargo, wasm-pack and binaryen, whose C++ is optimised even in dev).
fn build_dev_lumen() -> Result<PathBuf, String> {
    // The selection `cargo test --workspace` builds: the same feature unification, so
    // nothing (binaryen's C++ above all) is compiled a second time.
    run(Command::new(cargo()).current_dir(root()).args([
        "build",
        "--quiet",
        "--workspace",
        "--all-targets",
    ]))?;
    let exe = target_dir()
        .join("debug")
        .join(format!("lumen{}", std::env::consts::EXE_SUFFIX));
    if exe.exists() {
        Ok(exe)
    } else {
        Err(format!("cargo build did not produce {}", exe.display()))
    }
}

/// Builds `<target dir>/release/lumen` and returns its path.
fn build_release_lumen() -> Result<PathBuf, String> {
    run(Command::new(cargo()).current_dir(root()).args([
        "build",
        "--release",
        "--quiet",
        "-p",
        "lumen-cli",
    ]))?;
    let exe = target_dir()
        .join("release")
        .join(format!("lumen{}", std::env::consts::EXE_SUFFIX));
    if exe.exists() {
        Ok(exe)
    } else {
        Err(format!("release build did not produce {}", exe.display()))
    }
}

fn bench(args: &[String]) -> Result<(), String> {
    let lumen = build_release_lumen()?;
    let shared = root().join("../shared/bench/run.py");
    let script = if shared.exists() {
        shared
    } else {
        root().join("tests/bench/run.py")
    };
    println!("benchmark driver: {}", script.display());
    // The driver's lumen-wasm column needs a Node.js package: the one npm package `pkg/`
    // (`cargo xtask wasm-packages --release`) unless LUMEN_PKG_NODE names another.
    let pkg = std::env::var_os("LUMEN_PKG_NODE").unwrap_or_else(|| root().join("pkg").into());
    run(Command::new("python3")
        .arg(&script)
        .args(args)
        .env("LUMEN", &lumen)
        .env("LUMEN_PKG_NODE", pkg)
        .current_dir(root()))
}

fn check_bench() -> Result<(), String> {
    let lumen = build_release_lumen()?;
    let dir = root().join("tests/bench");
    let mut failures = Vec::new();
    let mut names: Vec<PathBuf> = std::fs::read_dir(dir.join("programs"))
        .map_err(|e| format!("cannot list benchmark programs: {e}"))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "lm"))
        .collect();
    names.sort();
    for program in &names {
        let stem = program.file_stem().and_then(|s| s.to_str()).unwrap_or("?");
        let expected = std::fs::read_to_string(dir.join("expected").join(format!("{stem}.out")))
            .map_err(|e| format!("no expected output for {stem}: {e}"))?;
        let t0 = std::time::Instant::now();
        let out = Command::new(&lumen)
            .arg("run")
            .arg(program)
            .output()
            .map_err(|e| format!("cannot run lumen: {e}"))?;
        let secs = t0.elapsed().as_secs_f64();
        let got = String::from_utf8_lossy(&out.stdout);
        let ok = out.status.success() && got.trim_end() == expected.trim_end();
        println!(
            "{stem:<10} {:>8.3}s  {}",
            secs,
            if ok { "ok" } else { "WRONG" }
        );
        if !ok {
            failures.push(format!(
                "{stem}: expected {:?}, got {:?} (stderr: {})",
                expected.trim_end(),
                got.trim_end(),
                String::from_utf8_lossy(&out.stderr).trim_end()
            ));
        }
    }
    if failures.is_empty() {
        Ok(())
    } else {
        Err(failures.join("\n"))
    }
}
