//! The program's world, resolved with wit-parser, and what the glue needs from it: for
//! each blob import and export, the core name wit-component expects and the core
//! signature the canonical ABI gives it (cross-checked against lumen-cabi's flattening).

use crate::Error;
use lumen_cabi::{flatten, ExportSig, ImportSig, ProgramBlob, MAX_FLAT_PARAMS};
use wasm_encoder::ValType;
use wit_parser::abi::{AbiVariant, WasmSignature, WasmType};
use wit_parser::{
    Function, LiftLowerAbi, ManglingAndAbi, Resolve, WasmExport, WasmExportKind, WasmImport,
    WorldId, WorldItem, WorldKey,
};

/// A core function signature.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Sig {
    pub params: Vec<ValType>,
    pub results: Vec<ValType>,
}

/// A WIT import the dispatcher calls.
#[derive(Debug, Clone)]
pub struct CoreImport {
    /// Core import module and field.
    pub module: String,
    pub field: String,
    /// Its core signature (a trailing `retptr` parameter when the result is in memory).
    pub sig: Sig,
    /// Whether the last parameter is the return pointer.
    pub retptr: bool,
}

/// A WIT export the glue defines.
#[derive(Debug, Clone)]
pub struct CoreExport {
    /// The core export name, and that of its post-return function.
    pub name: String,
    pub post: String,
    /// Its core signature.
    pub sig: Sig,
}

/// Everything the glue needs.
#[derive(Debug, Clone)]
pub struct Glue {
    /// Per blob import (index `k`): the core import, or `None` when the world does not
    /// import it (the generic `host.call` of a program without untyped tools).
    pub imports: Vec<Option<CoreImport>>,
    /// Per blob export, in order.
    pub exports: Vec<CoreExport>,
    /// The core export name of `wasi:cli/run`'s `run`, when the world exports it.
    pub run: Option<String>,
}

const LEGACY: ManglingAndAbi = ManglingAndAbi::Legacy(LiftLowerAbi::Sync);

fn val(t: WasmType) -> ValType {
    match t {
        WasmType::I32 | WasmType::Pointer | WasmType::Length => ValType::I32,
        WasmType::I64 | WasmType::PointerOrI64 => ValType::I64,
        WasmType::F32 => ValType::F32,
        WasmType::F64 => ValType::F64,
    }
}

fn core(sig: &WasmSignature) -> Sig {
    Sig {
        params: sig.params.iter().copied().map(val).collect(),
        results: sig.results.iter().copied().map(val).collect(),
    }
}

/// Parses `wit` and selects `world`.
pub fn resolve(wit: &str, world: &str) -> Result<(Resolve, WorldId), Error> {
    let mut resolve = Resolve::default();
    let pkg = resolve
        .push_str("app.wit", wit)
        .map_err(|e| Error::World(format!("{e:#}")))?;
    let id = resolve
        .select_world(&[pkg], Some(world))
        .map_err(|e| Error::World(format!("{e:#}")))?;
    Ok((resolve, id))
}

/// The name of the interface a world key stands for (`llm` for `import llm: interface
/// {..}`, `run` for `wasi:cli/run@0.2.0`).
fn key_name(resolve: &Resolve, key: &WorldKey) -> Option<String> {
    match key {
        WorldKey::Name(n) => Some(n.clone()),
        WorldKey::Interface(id) => resolve.interfaces[*id].name.clone(),
    }
}

/// The function `func` of the world item `item`, if it is an interface that has it.
fn interface_func<'a>(resolve: &'a Resolve, item: &WorldItem, func: &str) -> Option<&'a Function> {
    match item {
        WorldItem::Interface { id, .. } => resolve.interfaces[*id].functions.get(func),
        _ => None,
    }
}

/// Checks that lumen-cabi and wit-parser agree on how many flat values the parameters
/// and the result take (a disagreement is a bug in one of them).
fn agree(
    what: &str,
    params: &[lumen_cabi::Param],
    result: Option<&lumen_cabi::CType>,
    sig: &WasmSignature,
) -> Result<(), Error> {
    let flat: usize = params.iter().map(|p| flatten(&p.ty).len()).sum();
    let indirect = flat > MAX_FLAT_PARAMS;
    let result_flat = result.map_or(0, |t| flatten(t).len());
    if indirect != sig.indirect_params || (result_flat > 1) != sig.retptr {
        return Err(Error::Internal(format!(
            "the canonical ABI of `{what}` disagrees with wit-parser's (flat params {flat}, \
             result {result_flat}; wit-parser: indirect {}, retptr {})",
            sig.indirect_params, sig.retptr
        )));
    }
    if !indirect {
        let ours: Vec<ValType> = params
            .iter()
            .flat_map(|p| flatten(&p.ty))
            .map(|f| match f {
                lumen_cabi::Flat::I32 => ValType::I32,
                lumen_cabi::Flat::I64 => ValType::I64,
                lumen_cabi::Flat::F32 => ValType::F32,
                lumen_cabi::Flat::F64 => ValType::F64,
            })
            .collect();
        let theirs: Vec<ValType> = sig.params.iter().take(flat).copied().map(val).collect();
        if ours != theirs {
            return Err(Error::Internal(format!(
                "the flat parameters of `{what}` disagree with wit-parser's: {ours:?} vs {theirs:?}"
            )));
        }
    }
    Ok(())
}

fn import(resolve: &Resolve, world: WorldId, s: &ImportSig) -> Result<Option<CoreImport>, Error> {
    let w = &resolve.worlds[world];
    for (key, item) in &w.imports {
        if key_name(resolve, key).as_deref() != Some(s.wit_interface.as_str()) {
            continue;
        }
        let Some(func) = interface_func(resolve, item, &s.wit_func) else {
            continue;
        };
        let (module, field) = resolve.wasm_import_name(
            LEGACY,
            WasmImport::Func {
                interface: Some(key),
                func,
            },
        );
        let sig = resolve.wasm_signature(AbiVariant::GuestImport, func);
        agree(
            &format!("{}.{}", s.wit_interface, s.wit_func),
            &s.params,
            s.result.as_ref(),
            &sig,
        )?;
        return Ok(Some(CoreImport {
            module,
            field,
            retptr: sig.retptr,
            sig: core(&sig),
        }));
    }
    Ok(None)
}

fn export(resolve: &Resolve, world: WorldId, s: &ExportSig) -> Result<CoreExport, Error> {
    let w = &resolve.worlds[world];
    let func = w
        .exports
        .iter()
        .find_map(|(key, item)| match (key, item) {
            (WorldKey::Name(n), WorldItem::Function(f)) if *n == s.wit_name => Some(f),
            _ => None,
        })
        .ok_or_else(|| {
            Error::World(format!(
                "the world does not export the function `{}` (cell `{}`)",
                s.wit_name, s.cell
            ))
        })?;
    let sig = resolve.wasm_signature(AbiVariant::GuestExport, func);
    agree(&s.wit_name, &s.params, s.result.as_ref(), &sig)?;
    // Legacy names, unless the function's name is one the core module already exports
    // (`memory`): then the standard mangling (`cm32p2||memory`), which wit-component reads
    // side by side with legacy names.
    let legacy = resolve.wasm_export_name(
        LEGACY,
        WasmExport::Func {
            interface: None,
            func,
            kind: WasmExportKind::Normal,
        },
    );
    let mangling = if crate::glue::KEPT_EXPORTS.contains(&legacy.as_str()) {
        ManglingAndAbi::Standard32
    } else {
        LEGACY
    };
    let name = |kind| {
        resolve.wasm_export_name(
            mangling,
            WasmExport::Func {
                interface: None,
                func,
                kind,
            },
        )
    };
    Ok(CoreExport {
        name: name(WasmExportKind::Normal),
        post: name(WasmExportKind::PostReturn),
        sig: core(&sig),
    })
}

/// The core export name of `wasi:cli/run`'s `run`, when the world exports that interface.
fn run_export(resolve: &Resolve, world: WorldId) -> Result<Option<String>, Error> {
    let w = &resolve.worlds[world];
    for (key, item) in &w.exports {
        let WorldKey::Interface(id) = key else {
            continue;
        };
        let iface = &resolve.interfaces[*id];
        let is_cli = iface
            .package
            .map(|p| {
                let n = &resolve.packages[p].name;
                n.namespace == "wasi" && n.name == "cli"
            })
            .unwrap_or(false);
        if !is_cli || iface.name.as_deref() != Some("run") {
            continue;
        }
        let func = interface_func(resolve, item, "run")
            .ok_or_else(|| Error::World("`wasi:cli/run` has no function `run`".to_string()))?;
        let sig = core(&resolve.wasm_signature(AbiVariant::GuestExport, func));
        if sig.params.is_empty() && sig.results == [ValType::I32] {
            return Ok(Some(resolve.wasm_export_name(
                LEGACY,
                WasmExport::Func {
                    interface: Some(key),
                    func,
                    kind: WasmExportKind::Normal,
                },
            )));
        }
        return Err(Error::World(
            "`wasi:cli/run`'s `run` must be `func() -> result`".to_string(),
        ));
    }
    Ok(None)
}

/// Resolves every import and export of `blob` in the world.
pub fn glue(resolve: &Resolve, world: WorldId, blob: &ProgramBlob) -> Result<Glue, Error> {
    let imports = blob
        .imports
        .iter()
        .map(|s| import(resolve, world, s))
        .collect::<Result<Vec<_>, _>>()?;
    for (k, (s, i)) in blob.imports.iter().zip(&imports).enumerate() {
        if k > 0 && i.is_none() {
            return Err(Error::World(format!(
                "the world does not import `{}.{}` (tool `{}`)",
                s.wit_interface, s.wit_func, s.qualified
            )));
        }
    }
    let exports = blob
        .exports
        .iter()
        .map(|s| export(resolve, world, s))
        .collect::<Result<Vec<_>, _>>()?;
    let run = run_export(resolve, world)?;
    if run.is_some() != blob.cli_run {
        return Err(Error::World(format!(
            "the program {} `main` as `wasi:cli/run`, but the world {}",
            if blob.cli_run {
                "exports"
            } else {
                "does not export"
            },
            if run.is_some() {
                "exports it"
            } else {
                "does not"
            }
        )));
    }
    Ok(Glue {
        imports,
        exports,
        run,
    })
}
