//! binaryen's optimiser, in-process through the `wasm-opt` crate.

use lumen_build_plan::{Optimize, Profile};
use std::path::Path;
use wasm_opt::{Feature, OptimizationOptions, Pass};

/// Optimises `input` into `output` as the plan's step says (`-Oz` or `-O3`) and validates
/// the result. Without `keep_names` the names and producers sections are dropped; with it
/// they stay, but DWARF (the standard library's, in a release build) is still dropped: binaryen
/// skips most passes on a module whose DWARF it keeps, and a build with names must hold the
/// same code as one without (`cargo xtask wasm-size --why` maps the named copy).
pub fn optimize(input: &Path, output: &Path, step: Optimize) -> Result<(), String> {
    let debug_info = step.keep_names;
    let mut options = match step.level {
        Profile::Size => OptimizationOptions::new_optimize_for_size_aggressively(),
        Profile::Speed => OptimizationOptions::new_opt_level_3(),
    };
    enable_rustc_features(&mut options);
    // LLVM has made the inlining decisions, and the VM keeps its cold paths out of the
    // interpreter loop on purpose; binaryen's one-caller and flexible inlining put them back
    // and made V8's optimised loop 1.6x slower for no gzip gain (docs/WASM_DEPLOYMENT.md).
    options.one_caller_inline_max_size(0);
    options.flexible_inline_max_size(0);
    options.debug_info(debug_info);
    if debug_info {
        options.add_pass(Pass::StripDwarf);
    } else {
        options.add_pass(Pass::StripDebug);
        options.add_pass(Pass::StripProducers);
    }
    options
        .run(input, output)
        .map_err(|e| format!("wasm-opt failed on {}: {e}", input.display()))?;
    validate(output)
}

/// Checks that `path` is a WebAssembly binary binaryen accepts.
fn validate(path: &Path) -> Result<(), String> {
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    if bytes.get(..4) != Some(b"\0asm") {
        return Err(format!("{} is not a WebAssembly binary", path.display()));
    }
    // Reading the module back with validation on (the default) rejects an invalid one.
    let scratch = path.with_extension("validate.wasm");
    let mut options = OptimizationOptions::new_opt_level_0();
    enable_rustc_features(&mut options);
    let result = options
        .run(path, &scratch)
        .map_err(|e| format!("the optimised module does not validate: {e}"));
    let _ = std::fs::remove_file(&scratch);
    result
}

/// The features rustc's wasm32 targets emit by default, so binaryen accepts the module and
/// never introduces anything an engine running the unoptimised module would lack.
fn enable_rustc_features(options: &mut OptimizationOptions) {
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
}
