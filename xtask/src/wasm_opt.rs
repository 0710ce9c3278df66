//! `cargo xtask wasm-opt FILE [-Oz|-Os|-O3|-O4]`: binaryen's optimiser on a WebAssembly file,
//! in place (written to a temporary file, then renamed over FILE).
//!
//! The optimiser comes from the `wasm-opt` crate (binaryen compiled from C++), behind this
//! crate's `wasm-opt` feature so that ordinary workspace builds stay fast. Without the
//! feature the command re-runs itself through `cargo run --features wasm-opt`.
//!
//! The enabled wasm features are the ones rustc's `wasm32-unknown-unknown` target emits by
//! default (sign extension, mutable globals, saturating float-to-int, bulk memory,
//! multi-value, reference types), so the optimiser never introduces anything newer.

use std::path::Path;
use std::process::Command;

/// Parses the arguments and optimises the file.
pub fn command(args: &[String]) -> Result<(), String> {
    let mut file = None;
    let mut level = "-Oz".to_string();
    for a in args {
        match a.as_str() {
            "-Oz" | "-Os" | "-O3" | "-O4" | "-O2" | "-O1" => level = a.clone(),
            other if other.starts_with('-') => return Err(format!("unknown option `{other}`")),
            other => file = Some(other.to_string()),
        }
    }
    let file = file.ok_or("usage: cargo xtask wasm-opt FILE [-Oz|-Os|-O3|-O4]")?;
    let before = sizes(Path::new(&file))?;
    optimize(&file, &level)?;
    let after = sizes(Path::new(&file))?;
    println!(
        "wasm-opt {level} {file}: {} -> {} bytes raw, {} -> {} bytes gzip",
        before.0, after.0, before.1, after.1
    );
    Ok(())
}

/// Raw and gzip (level 9) sizes of a file; gzip is the system `gzip -9` reading the file
/// itself (no compression crate needed, and no pipe to deadlock on).
pub fn sizes(path: &Path) -> Result<(usize, usize), String> {
    let raw = std::fs::metadata(path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?
        .len() as usize;
    let input =
        std::fs::File::open(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let out = Command::new("gzip")
        .args(["-9", "-c"])
        .stdin(input)
        .output()
        .map_err(|e| format!("cannot run gzip: {e}"))?;
    Ok((raw, out.stdout.len()))
}

#[cfg(feature = "wasm-opt")]
fn optimize(file: &str, level: &str) -> Result<(), String> {
    use wasm_opt::{Feature, OptimizationOptions};
    let mut options = match level {
        "-Oz" => OptimizationOptions::new_optimize_for_size_aggressively(),
        "-Os" => OptimizationOptions::new_optimize_for_size(),
        "-O1" => OptimizationOptions::new_opt_level_1(),
        "-O2" => OptimizationOptions::new_opt_level_2(),
        "-O4" => OptimizationOptions::new_opt_level_4(),
        _ => OptimizationOptions::new_opt_level_3(),
    };
    for feature in [
        Feature::SignExt,
        Feature::MutableGlobals,
        Feature::TruncSat,
        Feature::BulkMemory,
        Feature::Multivalue,
        Feature::ReferenceTypes,
    ] {
        options.enable_feature(feature);
    }
    // No inlining beyond binaryen's trivial "always" size: LLVM has made the inlining
    // decisions already, and the VM keeps its cold paths out of the interpreter loop on
    // purpose. Binaryen's one-caller and flexible inlining put them back, which made V8's
    // optimised interpreter loop 1.6x slower (fib: 0.205 s against 0.126 s) for no gzip gain.
    options.one_caller_inline_max_size(0);
    options.flexible_inline_max_size(0);
    let tmp = format!("{file}.opt.tmp");
    options
        .run(file, &tmp)
        .map_err(|e| format!("wasm-opt failed on {file}: {e}"))?;
    std::fs::rename(&tmp, file).map_err(|e| format!("cannot replace {file}: {e}"))
}

/// Without the feature: re-run this command through cargo with the feature on.
#[cfg(not(feature = "wasm-opt"))]
fn optimize(file: &str, level: &str) -> Result<(), String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string());
    let status = Command::new(cargo)
        .current_dir(super::root())
        .args([
            "run",
            "--quiet",
            "-p",
            "xtask",
            "--features",
            "wasm-opt",
            "--",
        ])
        .args(["wasm-opt-inner", file, level])
        .status()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!(
            "wasm-opt (with the wasm-opt feature) failed: {status}"
        ))
    }
}

/// The command as run by the re-invocation: optimise only, the caller reports the sizes.
#[cfg(feature = "wasm-opt")]
pub fn inner(args: &[String]) -> Result<(), String> {
    match args {
        [file, level] => optimize(file, level),
        _ => Err("usage: wasm-opt-inner FILE LEVEL".to_string()),
    }
}

/// Without the feature there is nothing to re-run into.
#[cfg(not(feature = "wasm-opt"))]
pub fn inner(_args: &[String]) -> Result<(), String> {
    Err("wasm-opt-inner needs the `wasm-opt` feature".to_string())
}
