//! The per-program glue, generated with wasm-encoder into the (embedded) runtime module:
//!
//! - the `lumen:glue` `call_import` import becomes a defined dispatcher: a `br_table` on
//!   `k` whose arm `k` loads the flat arguments from the 8-byte slots at `buf` (one
//!   pointer slot when they flatten to more than 16), calls the `k`-th WIT import (a new
//!   core import named as wit-component expects) and stores its one flat result at
//!   `retptr` as 8 bytes, or passes `retptr` as the last argument when the result is in
//!   memory; an import the world does not have traps;
//! - per export, a function with the WIT-flattened core signature, exported under the name
//!   wit-component expects, that stores its parameters into a `lumen_scratch` buffer, calls
//!   `lumen_export(idx, buf)` and loads the one flat result from the returned pointer; and
//!   its `cabi_post_*` function, which calls `lumen_post`;
//! - `lumen_run` is exported as `wasi:cli/run`'s `run` when the world has it;
//! - the runtime's own entry points (`lumen_*`) are no longer exported; `memory`,
//!   `cabi_realloc`, `cabi_export_realloc`, `cabi_import_realloc` and `_initialize` stay.
//!
//! Function indices: the new imports come after the old ones (the glue import removed), so
//! every defined function moves by `new imports - 1`; the new functions come last.

use crate::world::{Glue, Sig};
use crate::{one_line, Error};
use std::collections::HashMap;
use std::convert::Infallible;
use wasm_encoder::reencode::{self, Reencode};
use wasm_encoder::{Function, Instruction, MemArg, ValType};
use wasmparser::{Parser, Payload, TypeRef};

/// The runtime's glue import.
pub const GLUE_MODULE: &str = "lumen:glue";
/// `call_import(k: i32, buf: i32, retptr: i32)`.
pub const GLUE_CALL_IMPORT: &str = "call_import";

/// The runtime's exports the glue calls, with their core signatures.
const ENTRY_POINTS: [(&str, &[ValType], &[ValType]); 4] = [
    (
        "lumen_export",
        &[ValType::I32, ValType::I32],
        &[ValType::I32],
    ),
    ("lumen_scratch", &[ValType::I32], &[ValType::I32]),
    ("lumen_post", &[], &[]),
    ("lumen_run", &[], &[ValType::I32]),
];

/// Exports of the runtime that the component keeps.
pub(crate) const KEPT_EXPORTS: [&str; 5] = [
    "memory",
    "cabi_realloc",
    "cabi_export_realloc",
    "cabi_import_realloc",
    "_initialize",
];

fn corrupt(e: wasmparser::BinaryReaderError) -> Error {
    Error::CorruptRuntime(one_line(&e.to_string()))
}

fn val(t: wasmparser::ValType) -> Option<ValType> {
    Some(match t {
        wasmparser::ValType::I32 => ValType::I32,
        wasmparser::ValType::I64 => ValType::I64,
        wasmparser::ValType::F32 => ValType::F32,
        wasmparser::ValType::F64 => ValType::F64,
        _ => return None,
    })
}

/// What the rewrite needs to know about a runtime module.
#[derive(Debug, Clone)]
pub struct Scan {
    /// Number of function imports (the glue import included).
    func_imports: u32,
    /// Index of the glue import.
    glue: u32,
    /// Number of types.
    types: u32,
    /// Number of defined functions.
    defined: u32,
    /// Old function indices of the entry points, in [`ENTRY_POINTS`] order.
    entries: [u32; 4],
}

impl Scan {
    /// Validates `module` and checks it is a component runtime: the glue import and the
    /// entry points at their types, `memory` and `cabi_realloc` exported.
    pub fn of(module: &[u8]) -> Result<Scan, Error> {
        let types = wasmparser::Validator::new()
            .validate_all(module)
            .map_err(corrupt)?;
        if Parser::is_component(module) {
            return Err(Error::NotARuntime(
                "it is already a component; the runtime is a core module".to_string(),
            ));
        }
        let types = types.as_ref();
        let sig = |func: u32| -> Option<Sig> {
            let f = types[types.core_function_at(func)].unwrap_func();
            Some(Sig {
                params: f.params().iter().map(|t| val(*t)).collect::<Option<_>>()?,
                results: f.results().iter().map(|t| val(*t)).collect::<Option<_>>()?,
            })
        };
        let mut func_imports = 0u32;
        let mut glue = None;
        let mut type_count = 0u32;
        let mut exports: HashMap<String, (wasmparser::ExternalKind, u32)> = HashMap::new();
        for payload in Parser::new(0).parse_all(module) {
            match payload.map_err(corrupt)? {
                Payload::TypeSection(s) => {
                    for rg in s {
                        type_count += rg.map_err(corrupt)?.types().len() as u32;
                    }
                }
                Payload::ImportSection(s) => {
                    for import in s.into_imports() {
                        let import = import.map_err(corrupt)?;
                        let is_func = matches!(import.ty, TypeRef::Func(_) | TypeRef::FuncExact(_));
                        if import.module == GLUE_MODULE {
                            if !is_func || import.name != GLUE_CALL_IMPORT || glue.is_some() {
                                return Err(Error::NotARuntime(format!(
                                    "it imports `{GLUE_MODULE}` `{}` (only one function `{GLUE_CALL_IMPORT}`)",
                                    import.name
                                )));
                            }
                            glue = Some(func_imports);
                        }
                        if is_func {
                            func_imports += 1;
                        }
                    }
                }
                Payload::ExportSection(s) => {
                    for e in s {
                        let e = e.map_err(corrupt)?;
                        exports.insert(e.name.to_string(), (e.kind, e.index));
                    }
                }
                _ => {}
            }
        }
        let glue = glue.ok_or_else(|| {
            Error::NotARuntime(format!(
                "it does not import `{GLUE_MODULE}` `{GLUE_CALL_IMPORT}` (it is not built from \
                 lumen-component-runtime, or its glue is already generated)"
            ))
        })?;
        let three = Sig {
            params: vec![ValType::I32; 3],
            results: vec![],
        };
        if sig(glue) != Some(three) {
            return Err(Error::NotARuntime(format!(
                "`{GLUE_MODULE}` `{GLUE_CALL_IMPORT}` must have type (i32, i32, i32) -> ()"
            )));
        }
        let mut entries = [0u32; 4];
        for (slot, (name, params, results)) in entries.iter_mut().zip(ENTRY_POINTS) {
            let want = Sig {
                params: params.to_vec(),
                results: results.to_vec(),
            };
            match exports.get(name) {
                Some((wasmparser::ExternalKind::Func, i)) if sig(*i) == Some(want.clone()) => {
                    *slot = *i
                }
                _ => {
                    return Err(Error::NotARuntime(format!(
                        "it does not export the function `{name}` with type {:?} -> {:?}",
                        want.params, want.results
                    )))
                }
            }
        }
        if !matches!(
            exports.get("memory"),
            Some((wasmparser::ExternalKind::Memory, 0))
        ) || types.memory_count() == 0
            || types.memory_at(0).memory64
        {
            return Err(Error::NotARuntime(
                "it does not export a 32-bit memory 0 as `memory`".to_string(),
            ));
        }
        if !matches!(
            exports.get("cabi_realloc"),
            Some((wasmparser::ExternalKind::Func, _))
        ) {
            return Err(Error::NotARuntime(
                "it does not export `cabi_realloc`".to_string(),
            ));
        }
        let defined = types.function_count().saturating_sub(func_imports);
        Ok(Scan {
            func_imports,
            glue,
            types: type_count,
            defined,
            entries,
        })
    }
}

/// Generates the glue into `module`, a runtime [`Scan::of`] accepted (giving `scan`). The
/// output is not validated here (lumen-embed validates it after embedding the program).
pub fn generate(scan: Scan, module: &[u8], glue: &Glue) -> Result<Vec<u8>, Error> {
    let mut g = Generator::new(scan, glue);
    let mut out = wasm_encoder::Module::new();
    g.parse_core_module(&mut out, Parser::new(0), module)
        .map_err(|e| Error::Internal(one_line(&format!("{e:?}"))))?;
    Ok(out.finish())
}

/// The reencoder.
struct Generator<'a> {
    scan: Scan,
    glue: &'a Glue,
    /// New types, appended to the type section (index `scan.types + i`).
    new_types: Vec<Sig>,
    /// Per glue import `k` that the world has: its position among the new imports.
    import_slot: Vec<Option<u32>>,
    /// The new defined functions, in order: (type index, body).
    functions: Vec<(u32, Function)>,
    /// The exports to add: (name, new function index).
    exports: Vec<(String, u32)>,
}

impl<'a> Generator<'a> {
    fn new(scan: Scan, glue: &'a Glue) -> Generator<'a> {
        let mut g = Generator {
            scan,
            glue,
            new_types: Vec::new(),
            import_slot: Vec::new(),
            functions: Vec::new(),
            exports: Vec::new(),
        };
        let mut next = 0u32;
        for i in &glue.imports {
            g.import_slot.push(i.as_ref().map(|_| {
                next += 1;
                next - 1
            }));
        }
        for i in glue.imports.iter().flatten() {
            g.type_of(&i.sig);
        }
        g.plan_functions();
        g
    }

    fn new_imports(&self) -> u32 {
        self.import_slot.iter().flatten().count() as u32
    }

    /// The type index of `sig` among the new types.
    fn type_of(&mut self, sig: &Sig) -> u32 {
        let i = match self.new_types.iter().position(|s| s == sig) {
            Some(i) => i,
            None => {
                self.new_types.push(sig.clone());
                self.new_types.len() - 1
            }
        };
        self.scan.types + i as u32
    }

    /// Index of the first new defined function.
    fn first_new(&self) -> u32 {
        self.scan.func_imports - 1 + self.new_imports() + self.scan.defined
    }

    /// The new index of the old function `old`.
    fn renumber(&self, old: u32) -> u32 {
        let s = &self.scan;
        if old == s.glue {
            self.first_new()
        } else if old < s.func_imports {
            old - u32::from(old > s.glue)
        } else {
            old - 1 + self.new_imports()
        }
    }

    fn entry(&self, i: usize) -> u32 {
        self.renumber(self.scan.entries[i])
    }

    /// The dispatcher, the export wrappers and their post-return functions.
    fn plan_functions(&mut self) {
        let dispatcher = self.dispatcher();
        let ty = self.type_of(&Sig {
            params: vec![ValType::I32; 3],
            results: vec![],
        });
        self.functions.push((ty, dispatcher));
        let (export_fn, scratch, post) = (self.entry(0), self.entry(1), self.entry(2));
        let exports = self.glue.exports.clone();
        for (idx, e) in exports.iter().enumerate() {
            let ty = self.type_of(&e.sig);
            let index = self.first_new() + self.functions.len() as u32;
            self.functions
                .push((ty, wrapper(idx as u32, &e.sig, export_fn, scratch)));
            self.exports.push((e.name.clone(), index));
            let post_sig = Sig {
                params: e.sig.results.clone(),
                results: vec![],
            };
            let ty = self.type_of(&post_sig);
            let index = self.first_new() + self.functions.len() as u32;
            let mut f = Function::new([]);
            f.instruction(&Instruction::Call(post));
            f.instruction(&Instruction::End);
            self.functions.push((ty, f));
            self.exports.push((e.post.clone(), index));
        }
        if let Some(run) = &self.glue.run {
            self.exports.push((run.clone(), self.entry(3)));
        }
    }

    /// `call_import(k, buf, retptr)`: a `br_table` on `k` over one arm per glue import.
    fn dispatcher(&mut self) -> Function {
        let mut f = Function::new([]);
        let n = self.glue.imports.len() as u32;
        // Blocks: the outermost is the default (a trap), then one per arm, innermost
        // first: `br k` leaves block `k`, after which arm `k`'s code follows.
        for _ in 0..=n {
            f.instruction(&Instruction::Block(wasm_encoder::BlockType::Empty));
        }
        f.instruction(&Instruction::LocalGet(0));
        let targets: Vec<u32> = (0..n).collect();
        f.instruction(&Instruction::BrTable(targets.into(), n));
        let first_import = self.scan.func_imports - 1;
        for k in 0..n as usize {
            f.instruction(&Instruction::End);
            match (&self.glue.imports[k], self.import_slot[k]) {
                (Some(import), Some(slot)) => {
                    arm(&mut f, import, first_import + slot);
                    f.instruction(&Instruction::Return);
                }
                _ => {
                    f.instruction(&Instruction::Unreachable);
                }
            }
        }
        f.instruction(&Instruction::End);
        f.instruction(&Instruction::Unreachable);
        f.instruction(&Instruction::End);
        f
    }
}

fn mem(offset: u64, t: ValType) -> MemArg {
    let align = match t {
        ValType::I64 | ValType::F64 => 3,
        _ => 2,
    };
    MemArg {
        offset,
        align,
        memory_index: 0,
    }
}

/// Loads a value of type `t` from the slot at `offset` of the address on the stack.
fn load(f: &mut Function, t: ValType, offset: u64) {
    let m = mem(offset, t);
    f.instruction(&match t {
        ValType::I64 => Instruction::I64Load(m),
        ValType::F32 => Instruction::F32Load(m),
        ValType::F64 => Instruction::F64Load(m),
        _ => Instruction::I32Load(m),
    });
}

/// Turns the value of type `t` on the stack into its 8-byte slot bits (i32 and f32
/// zero-extended).
fn to_slot(f: &mut Function, t: ValType) {
    match t {
        ValType::I32 => {
            f.instruction(&Instruction::I64ExtendI32U);
        }
        ValType::F32 => {
            f.instruction(&Instruction::I32ReinterpretF32);
            f.instruction(&Instruction::I64ExtendI32U);
        }
        ValType::F64 => {
            f.instruction(&Instruction::I64ReinterpretF64);
        }
        _ => {}
    }
}

/// One dispatcher arm: locals 0 `k`, 1 `buf`, 2 `retptr`.
fn arm(f: &mut Function, import: &crate::world::CoreImport, func: u32) {
    let args = if import.retptr {
        &import.sig.params[..import.sig.params.len().saturating_sub(1)]
    } else {
        &import.sig.params[..]
    };
    let store_result = import.sig.results.first().copied();
    if store_result.is_some() {
        f.instruction(&Instruction::LocalGet(2));
    }
    for (i, t) in args.iter().enumerate() {
        f.instruction(&Instruction::LocalGet(1));
        load(f, *t, 8 * i as u64);
    }
    if import.retptr {
        f.instruction(&Instruction::LocalGet(2));
    }
    f.instruction(&Instruction::Call(func));
    if let Some(t) = store_result {
        to_slot(f, t);
        f.instruction(&Instruction::I64Store(mem(0, ValType::I64)));
    }
}

/// An export wrapper: stores its parameters into a scratch buffer, calls
/// `lumen_export(idx, buf)` and loads the one flat result from the returned pointer.
fn wrapper(idx: u32, sig: &Sig, export_fn: u32, scratch: u32) -> Function {
    let n = sig.params.len() as u32;
    let buf = n; // the one local after the parameters
    let mut f = Function::new([(1, ValType::I32)]);
    f.instruction(&Instruction::I32Const(n as i32));
    f.instruction(&Instruction::Call(scratch));
    f.instruction(&Instruction::LocalSet(buf));
    for (i, t) in sig.params.iter().enumerate() {
        f.instruction(&Instruction::LocalGet(buf));
        f.instruction(&Instruction::LocalGet(i as u32));
        to_slot(&mut f, *t);
        f.instruction(&Instruction::I64Store(mem(8 * i as u64, ValType::I64)));
    }
    f.instruction(&Instruction::I32Const(idx as i32));
    f.instruction(&Instruction::LocalGet(buf));
    f.instruction(&Instruction::Call(export_fn));
    match sig.results.first() {
        Some(t) => load(&mut f, *t, 0),
        None => {
            f.instruction(&Instruction::Drop);
        }
    }
    f.instruction(&Instruction::End);
    f
}

type RError = reencode::Error<Infallible>;

impl Reencode for Generator<'_> {
    type Error = Infallible;

    fn function_index(&mut self, func: u32) -> Result<u32, RError> {
        Ok(self.renumber(func))
    }

    fn parse_type_section(
        &mut self,
        types: &mut wasm_encoder::TypeSection,
        section: wasmparser::TypeSectionReader<'_>,
    ) -> Result<(), RError> {
        reencode::utils::parse_type_section(self, types, section)?;
        for s in &self.new_types {
            types
                .ty()
                .function(s.params.iter().copied(), s.results.iter().copied());
        }
        Ok(())
    }

    fn parse_import_section(
        &mut self,
        imports: &mut wasm_encoder::ImportSection,
        section: wasmparser::ImportSectionReader<'_>,
    ) -> Result<(), RError> {
        for import in section.into_imports() {
            let import = import?;
            if import.module == GLUE_MODULE {
                continue;
            }
            let ty = self.entity_type(import.ty)?;
            imports.import(import.module, import.name, ty);
        }
        let glue = self.glue;
        for i in glue.imports.iter().flatten() {
            let ty = self.type_of_existing(&i.sig);
            imports.import(&i.module, &i.field, wasm_encoder::EntityType::Function(ty));
        }
        Ok(())
    }

    fn parse_function_section(
        &mut self,
        functions: &mut wasm_encoder::FunctionSection,
        section: wasmparser::FunctionSectionReader<'_>,
    ) -> Result<(), RError> {
        reencode::utils::parse_function_section(self, functions, section)?;
        for (ty, _) in &self.functions {
            functions.function(*ty);
        }
        Ok(())
    }

    fn parse_code_section(
        &mut self,
        code: &mut wasm_encoder::CodeSection,
        section: wasmparser::CodeSectionReader<'_>,
    ) -> Result<(), RError> {
        reencode::utils::parse_code_section(self, code, section)?;
        for (_, f) in &self.functions {
            code.function(f);
        }
        Ok(())
    }

    fn parse_export_section(
        &mut self,
        exports: &mut wasm_encoder::ExportSection,
        section: wasmparser::ExportSectionReader<'_>,
    ) -> Result<(), RError> {
        for e in section {
            let e = e?;
            if !KEPT_EXPORTS.contains(&e.name) {
                continue;
            }
            let kind = self.export_kind(e.kind)?;
            let index = self.external_index(e.kind, e.index)?;
            exports.export(e.name, kind, index);
        }
        for (name, index) in &self.exports {
            exports.export(name, wasm_encoder::ExportKind::Func, *index);
        }
        Ok(())
    }

    fn parse_custom_section(
        &mut self,
        module: &mut wasm_encoder::Module,
        section: wasmparser::CustomSectionReader<'_>,
    ) -> Result<(), RError> {
        let name = section.name();
        if name == "name" || name.starts_with(".debug") || name.starts_with("component-type") {
            return Ok(());
        }
        reencode::utils::parse_custom_section(self, module, section)
    }
}

impl Generator<'_> {
    /// The type index of an import's signature: planned in [`Generator::new`]'s type list
    /// (every import signature is added there before the type section is written).
    fn type_of_existing(&self, sig: &Sig) -> u32 {
        let i = self
            .new_types
            .iter()
            .position(|s| s == sig)
            .unwrap_or_default();
        self.scan.types + i as u32
    }
}
