//! binaryen's optimiser, in-process through the `wasm-opt` crate. binaryen reads core
//! modules only: a component (`wasm32-wasip2`) is optimised one core module at a time, the
//! component's other sections copied as they are.

use lumen_build_plan::{Optimize, Profile};
use std::ops::Range;
use std::path::Path;
use wasm_encoder::Encode;
use wasm_opt::{Feature, OptimizationOptions, Pass};

/// The id of a core module section in a component.
const CORE_MODULE_SECTION: u8 = 1;

/// Optimises `input` (a core module or a component) into `output` as the plan's step says
/// (`-Oz` or `-O3`) and validates the result.
pub fn optimize(input: &Path, output: &Path, step: Optimize) -> Result<(), String> {
    let bytes =
        std::fs::read(input).map_err(|e| format!("cannot read {}: {e}", input.display()))?;
    if wasmparser::Parser::is_component(&bytes) {
        optimize_component(&bytes, output, step)
    } else {
        optimize_module(input, output, step)
    }
}

/// Optimises one core module. Without `keep_names` the names and producers sections are
/// dropped; with it (`--keep-names`) they stay, but DWARF (the standard library's, in a
/// release build) is still dropped: binaryen copies DWARF through its passes unchanged, so it
/// would describe the code before them, and a build with names must hold the same code as
/// one without (`cargo xtask wasm-size --why` maps the named copy). A `--debug-info` build,
/// whose DWARF is the point, does not come here (its plan has no binaryen step).
fn optimize_module(input: &Path, output: &Path, step: Optimize) -> Result<(), String> {
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

/// Optimises every top-level core module of the component `bytes` (scratch files next to
/// `output`), keeps its other sections byte for byte, and validates the result.
fn optimize_component(bytes: &[u8], output: &Path, step: Optimize) -> Result<(), String> {
    let mut out = bytes.get(..8).unwrap_or_default().to_vec();
    for (i, (id, range)) in sections(bytes)?.into_iter().enumerate() {
        let contents = &bytes[range];
        let optimized;
        let contents = if id == CORE_MODULE_SECTION {
            let module_in = output.with_extension(format!("module{i}.wasm"));
            let module_out = output.with_extension(format!("module{i}.opt.wasm"));
            std::fs::write(&module_in, contents)
                .map_err(|e| format!("cannot write {}: {e}", module_in.display()))?;
            let result = optimize_module(&module_in, &module_out, step)
                .and_then(|()| std::fs::read(&module_out).map_err(|e| e.to_string()));
            let _ = std::fs::remove_file(&module_in);
            let _ = std::fs::remove_file(&module_out);
            optimized = result.map_err(|e| format!("core module {i} of the component: {e}"))?;
            &optimized[..]
        } else {
            contents
        };
        // The id, then the contents with their LEB128 length (wasm-encoder's `[u8]` encoding).
        out.push(id);
        contents.encode(&mut out);
    }
    wasmparser::Validator::new()
        .validate_all(&out)
        .map_err(|e| format!("the optimised component does not validate: {e}"))?;
    std::fs::write(output, &out).map_err(|e| format!("cannot write {}: {e}", output.display()))
}

/// The top-level sections of a module or component: id and contents, in order (read with
/// wasmparser's reader: a size that runs past the end is an error).
fn sections(bytes: &[u8]) -> Result<Vec<(u8, Range<usize>)>, String> {
    if bytes.len() < 8 || !bytes.starts_with(b"\0asm") {
        return Err("not a WebAssembly binary".to_string());
    }
    let mut reader = wasmparser::BinaryReader::new(&bytes[8..], 8);
    let mut out = Vec::new();
    while !reader.eof() {
        let truncated = |_| format!("section {} runs past the end of the file", out.len());
        let id = reader.read_u8().map_err(truncated)?;
        let size = reader.read_var_u32().map_err(truncated)? as usize;
        let start = reader.original_position();
        reader.read_bytes(size).map_err(truncated)?;
        out.push((id, start..start + size));
    }
    Ok(out)
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

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_encoder::{
        CodeSection, Component, ExportKind, ExportSection, Function, FunctionSection, Instruction,
        Module, ModuleSection, TypeSection,
    };

    /// A core module exporting `f` (returns 7) with an unused function of 200 `nop`s and
    /// `drop`s that binaryen removes.
    fn module() -> Module {
        let mut types = TypeSection::new();
        types.ty().function([], [wasm_encoder::ValType::I32]);
        let mut functions = FunctionSection::new();
        functions.function(0);
        functions.function(0);
        let mut exports = ExportSection::new();
        exports.export("f", ExportKind::Func, 0);
        let mut code = CodeSection::new();
        let mut f = Function::new([]);
        f.instruction(&Instruction::I32Const(7))
            .instruction(&Instruction::End);
        code.function(&f);
        let mut dead = Function::new([]);
        for i in 0..200 {
            dead.instruction(&Instruction::I32Const(i))
                .instruction(&Instruction::Drop);
        }
        dead.instruction(&Instruction::I32Const(1))
            .instruction(&Instruction::End);
        code.function(&dead);
        let mut m = Module::new();
        m.section(&types)
            .section(&functions)
            .section(&exports)
            .section(&code);
        m
    }

    fn step() -> Optimize {
        Optimize {
            level: Profile::Size,
            keep_names: false,
        }
    }

    #[test]
    fn sections_and_sizes_round_trip() {
        let bytes = module().finish();
        let parts = sections(&bytes).unwrap();
        assert_eq!(parts.len(), 4);
        assert_eq!(
            parts.iter().map(|(id, _)| *id).collect::<Vec<_>>(),
            [1, 3, 7, 10]
        );
        let mut again = bytes[..8].to_vec();
        for (id, range) in parts {
            again.push(id);
            bytes[range].encode(&mut again);
        }
        assert_eq!(again, bytes);
        // A size running past the end, an unterminated size, a truncated header.
        assert!(sections(b"\0asm\x01\0\0\0\x01\x80\x80").is_err());
        assert!(sections(b"\0asm\x01\0\0\0\x01\x05ab").is_err());
        assert!(sections(b"nope").is_err());
    }

    #[test]
    fn a_component_has_its_core_modules_optimised() {
        let inner = module();
        let mut component = Component::new();
        component.section(&ModuleSection(&inner));
        let bytes = component.finish();
        let dir = tempfile::tempdir().unwrap();
        let input = dir.path().join("in.wasm");
        let output = dir.path().join("out.wasm");
        std::fs::write(&input, &bytes).unwrap();
        optimize(&input, &output, step()).unwrap();
        let out = std::fs::read(&output).unwrap();
        assert!(wasmparser::Parser::is_component(&out));
        assert!(
            out.len() + 300 < bytes.len(),
            "the dead function is gone: {} -> {}",
            bytes.len(),
            out.len()
        );
        // The optimised module still exports `f`; no scratch files are left.
        let (_, module) = sections(&out).unwrap().remove(0);
        let exports: Vec<String> = wasmparser::Parser::new(0)
            .parse_all(&out[module])
            .filter_map(|p| match p.unwrap() {
                wasmparser::Payload::ExportSection(r) => Some(
                    r.into_iter()
                        .map(|e| e.unwrap().name.to_string())
                        .collect::<Vec<_>>(),
                ),
                _ => None,
            })
            .flatten()
            .collect();
        assert_eq!(exports, ["f"]);
        let mut left: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        left.sort();
        assert_eq!(left, ["in.wasm", "out.wasm"]);
    }

    #[test]
    fn a_plain_module_is_optimised_too() {
        let bytes = module().finish();
        let dir = tempfile::tempdir().unwrap();
        let input = dir.path().join("in.wasm");
        let output = dir.path().join("out.wasm");
        std::fs::write(&input, &bytes).unwrap();
        optimize(&input, &output, step()).unwrap();
        let out = std::fs::read(&output).unwrap();
        assert!(
            out.len() + 300 < bytes.len(),
            "{} -> {}",
            bytes.len(),
            out.len()
        );
    }
}
