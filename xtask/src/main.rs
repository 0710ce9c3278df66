//! Project tooling: `cargo xtask <command>`.
//!
//! - `bench [--runs N] [--only fib,loop] [--json FILE]`: builds the release `lumen`, then runs
//!   the shared benchmark driver (`../shared/bench/run.py` when present, else the copy in
//!   `tests/bench/run.py`) and prints its table.
//! - `check-bench`: builds the release `lumen` and checks that every benchmark program prints
//!   the expected result from `tests/bench/expected/`.
//! - `wasm-opt FILE [-Oz|-Os|-O3|-O4]`: optimises a WebAssembly file in place with binaryen
//!   (the `wasm-opt` crate, feature `wasm-opt`: without it, the command re-runs itself with
//!   the feature on) and prints the raw and gzip sizes before and after.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("bench") => bench(&args[1..]),
        Some("check-bench") => check_bench(),
        Some("wasm-opt") => wasm_opt::command(&args[1..]),
        Some("wasm-opt-inner") => wasm_opt::inner(&args[1..]),
        _ => {
            eprintln!(
                "usage: cargo xtask <bench [--runs N] [--only a,b] [--json FILE] | check-bench | wasm-opt FILE [-Oz|-Os|-O3|-O4]>"
            );
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
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
        Some(d) => PathBuf::from(d),
        None => root().join("target"),
    }
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

/// Builds `target/release/lumen` and returns its path.
fn build_release_lumen() -> Result<PathBuf, String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string());
    run(Command::new(cargo).current_dir(root()).args([
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
    run(Command::new("python3")
        .arg(&script)
        .args(args)
        .env("LUMEN", &lumen)
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

mod wasm_opt;
