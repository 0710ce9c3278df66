//! Lowering: the resolved, type-checked AST → a LIR [`Module`] of register bytecode.
//!
//! Lowering is untyped except for hints: the VM dispatches on run-time values (`Add` on
//! Int, Float or String, structural `Eq`, `GetField` by name), so mostly name resolution
//! matters here. From the checker's side table (`check::hints`), arithmetic and
//! comparisons on two proven Ints or Floats become `IntBinary` / `FloatBinary`, and a
//! field read of a proven record `GetFieldSlot`; the VM checks the values anyway.
//! Inside a function, locals (a scope stack in [`regs::FnCx`]) shadow the file's top-level
//! names ([`Program::lookup`]), which shadow the result constructors `ok`/`err`, `halt`,
//! the higher-order list functions (lowered to loops, see [`hof`]) and the VM builtins.
//!
//! Layout of the module: one exported function per cell (cells of the root file first, in
//! declaration order), then one function per lambda (`<lambda:LINE>`), then `<init>`, which
//! computes every `const` into its global slot. Record `where` constraints are checked
//! inline at each construction site, so a failure reports the position of the call.
//!
//! Sub-modules: [`regs`] (register allocator and per-function state), [`types`] (module
//! tables), [`expr`], [`stmt`], [`pattern`] (match compilation), [`call`] (calls, records,
//! variants, tools), [`hof`] (map/filter/... as loops), [`closure`] (lambdas and
//! captures), [`visit`] (AST walks).
//!
//! Nothing here panics on any AST: whatever cannot be lowered becomes an `E0999`
//! diagnostic located at the offending node.

mod call;
mod closure;
mod expr;
mod hof;
mod pattern;
mod regs;
mod stmt;
mod types;
mod visit;

pub(crate) use visit::names_in_expr;

#[cfg(test)]
mod tests;

use crate::ast;
use crate::check::hints::TypeHints;
use crate::diagnostic::{codes, Diagnostic};
use crate::resolve::{FileId, Program, Symbol};
use crate::span::Span;
use lumen_vm::builtins::Builtin;
use lumen_vm::lir::{EntryTypes, Function, Instr, Module, Pos, Reg, LIR_VERSION};
use regs::{FnCx, FnHead, LitKey};
use std::collections::HashMap;
use types::Tables;

/// Result of a lowering step: an unlocated diagnostic is located by the function that
/// was being lowered.
type R<T> = Result<T, Box<Diagnostic>>;

/// Largest number of literals hoisted into registers per function.
const MAX_HOISTED: usize = 24;

/// Lowers a resolved (and type-checked) program to a LIR module.
///
/// Returns every `E0999` diagnostic found when some construct cannot be lowered (a
/// program that passed the checker should never produce one).
pub fn lower(program: &Program) -> Result<Module, Vec<Diagnostic>> {
    let (_, sigs) = crate::check::check_with_signatures(program);
    lower_checked(program, &sigs)
}

/// [`lower`] with the checker's signatures at hand (they give typed tools their result
/// types).
pub(crate) fn lower_checked(
    program: &Program,
    sigs: &crate::check::Signatures,
) -> Result<Module, Vec<Diagnostic>> {
    let mut l = Lowerer::new(program, sigs);
    l.run();
    if l.diags.is_empty() {
        let entry_types = l.entry_types(sigs);
        let mut module = l.finish();
        module.entry_types = entry_types;
        Ok(module)
    } else {
        Err(l.diags)
    }
}

/// An internal-error diagnostic at `span` (located later).
fn fail<T>(span: Span, msg: impl Into<String>) -> R<T> {
    Err(Box::new(Diagnostic::error(codes::INTERNAL, msg, span)))
}

/// A size-limit diagnostic (E0104: the program does not fit the LIR format) at `span`.
fn too_large<T>(span: Span, msg: impl Into<String>) -> R<T> {
    Err(Box::new(Diagnostic::error(codes::TOO_LARGE, msg, span)))
}

/// The higher-order list functions that lowering turns into loops.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Hof {
    Map,
    Filter,
    Reduce,
    Any,
    All,
    Find,
    SortBy,
}

impl Hof {
    fn from_name(name: &str) -> Option<Hof> {
        Some(match name {
            "map" => Hof::Map,
            "filter" => Hof::Filter,
            "reduce" => Hof::Reduce,
            "any" => Hof::Any,
            "all" => Hof::All,
            "find" => Hof::Find,
            "sort_by" => Hof::SortBy,
            _ => return None,
        })
    }
}

/// What a name denotes at a point of a function.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum NameRef {
    Local(Reg),
    Top(Symbol),
    Ok,
    Err,
    Halt,
    Hof(Hof),
    Builtin(Builtin),
    Unknown,
}

/// Whole-program lowering state.
pub(super) struct Lowerer<'p> {
    prog: &'p Program,
    t: Tables,
    functions: Vec<Function>,
    /// (file, item) of a cell → its function index.
    cells: HashMap<(FileId, usize), u16>,
    /// (file, item) of a const → its global slot.
    globals: HashMap<(FileId, usize), u16>,
    diags: Vec<Diagnostic>,
    /// The binary operations the checker proved Int or Float (typed instructions).
    hints: TypeHints,
}

impl<'p> Lowerer<'p> {
    fn new(prog: &'p Program, sigs: &crate::check::Signatures) -> Lowerer<'p> {
        let (t, diags) = Tables::build(prog, sigs);
        Lowerer {
            prog,
            t,
            functions: Vec::new(),
            cells: HashMap::new(),
            globals: HashMap::new(),
            diags,
            hints: sigs.hints.clone(),
        }
    }

    /// The declared parameter types of the root file's cells (`Module::entry_types`), so
    /// a host converts JSON arguments to exactly those types. Cells of imported modules,
    /// and a cell with a parameter type nested deeper than the VM checks, are left out:
    /// their arguments convert by `Function::param_types`.
    fn entry_types(&self, sigs: &crate::check::Signatures) -> Vec<EntryTypes> {
        let mut out: Vec<EntryTypes> = sigs
            .cells
            .iter()
            .filter(|c| c.id.0 == 0)
            .filter_map(|c| {
                let func = *self.cells.get(&c.id)?;
                let params = c
                    .params
                    .iter()
                    .map(|(_, t, _)| self.t.param_type(t, sigs))
                    .collect::<Option<Vec<_>>>()?;
                Some(EntryTypes {
                    func: u32::from(func),
                    params,
                })
            })
            .collect();
        out.sort_by_key(|e| e.func);
        out
    }

    /// Locates an unlocated diagnostic in `file` (at `fallback` when it has no span).
    fn locate(&self, file: FileId, mut d: Diagnostic, fallback: Span) -> Diagnostic {
        if d.file.is_empty() {
            if d.span == Span::default() {
                d.span = fallback;
            }
            if let Some(src) = self.prog.files.get(file) {
                d.locate(&src.name, &src.text, &src.index);
            }
        }
        d
    }

    /// Lowers every cell, then the const initialiser.
    fn run(&mut self) {
        let prog = self.prog;
        // Reserve one function per cell so calls can refer to cells declared later.
        let mut cells = Vec::new();
        for (fid, file) in prog.files.iter().enumerate() {
            for (iid, item) in file.ast.items.iter().enumerate() {
                match item {
                    ast::Item::Cell(c) => {
                        let Ok(idx) = u16::try_from(self.functions.len()) else {
                            let d = Box::new(Diagnostic::error(
                                codes::TOO_LARGE,
                                "the program has more than 65535 cells",
                                c.name.span,
                            ));
                            let d = self.locate(fid, *d, c.span);
                            self.diags.push(d);
                            return;
                        };
                        self.functions.push(placeholder(&c.name.name, fid));
                        self.cells.insert((fid, iid), idx);
                        cells.push((fid, c, idx));
                    }
                    ast::Item::Const(c) => {
                        let Ok(idx) = u16::try_from(self.globals.len()) else {
                            let d = Box::new(Diagnostic::error(
                                codes::TOO_LARGE,
                                "the program has more than 65535 constants",
                                c.name.span,
                            ));
                            let d = self.locate(fid, *d, c.span);
                            self.diags.push(d);
                            return;
                        };
                        self.globals.insert((fid, iid), idx);
                    }
                    _ => {}
                }
            }
        }
        for (fid, c, idx) in cells {
            match self.lower_cell(fid, c) {
                Ok(func) => {
                    if let Some(slot) = self.functions.get_mut(idx as usize) {
                        *slot = func;
                    }
                }
                Err(d) => {
                    let d = self.locate(fid, *d, c.name.span);
                    self.diags.push(d);
                }
            }
        }
    }

    /// Assembles the module.
    fn finish(mut self) -> Module {
        let init = match self.lower_init() {
            Ok(init) => init,
            Err(d) => {
                let d = self.locate(0, *d, Span::default());
                self.diags.push(d);
                None
            }
        };
        Module {
            version: LIR_VERSION,
            files: self.prog.files.iter().map(|f| f.name.clone()).collect(),
            constants: self.t.constants,
            names: self.t.names,
            functions: self.functions,
            types: self.t.types,
            variants: self.t.variants,
            tools: self.t.tools,
            globals: self.globals.len() as u16,
            init,
            entry_types: Vec::new(),
        }
    }

    /// 1-based line and column of the start of `span` in `file` (0:0 when the file is
    /// unknown).
    fn pos_of(&self, file: FileId, span: Span) -> Pos {
        self.prog
            .files
            .get(file)
            .map(|f| f.pos_of(span))
            .unwrap_or_default()
    }

    /// Points the next instructions at the start of `span`; returns the previous position.
    fn enter(&self, f: &mut FnCx, span: Span) -> Pos {
        let old = f.pos;
        if !f.pos_locked {
            f.pos = self.pos_of(f.file, span);
        }
        old
    }

    /// The source text of `span` in `file`.
    fn text(&self, file: FileId, span: Span) -> &'p str {
        self.prog
            .files
            .get(file)
            .and_then(|f| f.text.get(span.start as usize..span.end as usize))
            .unwrap_or("")
    }

    /// The AST item at (file, item).
    fn item(&self, file: FileId, item: usize) -> Option<&'p ast::Item> {
        self.prog.files.get(file)?.ast.items.get(item)
    }

    /// What `name` denotes in the current function.
    fn resolve_name(&self, f: &FnCx, name: &str) -> NameRef {
        if let Some(r) = f.lookup(name) {
            return NameRef::Local(r);
        }
        if let Some(sym) = self.prog.lookup(f.file, name) {
            return NameRef::Top(sym);
        }
        match name {
            "ok" => NameRef::Ok,
            "err" => NameRef::Err,
            "halt" => NameRef::Halt,
            _ => {
                if let Some(h) = Hof::from_name(name) {
                    NameRef::Hof(h)
                } else if let Some(b) = Builtin::from_name(name) {
                    NameRef::Builtin(b)
                } else {
                    NameRef::Unknown
                }
            }
        }
    }

    /// The literal value of a `const` whose initialiser is a plain literal (inlined at use).
    fn const_literal(&self, file: FileId, item: usize) -> Option<&'p ast::Expr> {
        let Some(ast::Item::Const(c)) = self.item(file, item) else {
            return None;
        };
        lit_key(&c.value).map(|_| &c.value)
    }

    /// Adds a finished function; returns its index.
    fn push_function(&mut self, func: Function, span: Span) -> R<u16> {
        let Ok(idx) = u16::try_from(self.functions.len()) else {
            return fail(span, "the program has more than 65535 functions");
        };
        self.functions.push(func);
        Ok(idx)
    }

    /// Loads the literals used inside loops into registers once, at function entry.
    fn hoist_literals(&mut self, f: &mut FnCx, body: &ast::Block) -> R<()> {
        for e in visit::loop_literals(body) {
            let Some(key) = lit_key(&e) else { continue };
            if f.lits.contains_key(&key) || f.lits.len() >= MAX_HOISTED {
                continue;
            }
            let r = f.alloc()?;
            self.load_literal(f, &e, r)?;
            f.lits.insert(key, r);
        }
        Ok(())
    }

    /// Lowers a function body: the last expression statement is the return value.
    fn function_body(&mut self, f: &mut FnCx, body: &ast::Block) -> R<()> {
        let scope = f.push_scope();
        let n = body.stmts.len();
        for (i, s) in body.stmts.iter().enumerate() {
            if i + 1 == n {
                if let ast::StmtKind::Expr(e) = &s.kind {
                    let old = self.enter(f, s.span);
                    self.tail(f, e)?;
                    f.pos = old;
                    continue;
                }
            }
            self.stmt(f, s)?;
        }
        f.pop_scope(scope);
        Ok(())
    }

    /// Lowers one cell to a function.
    fn lower_cell(&mut self, file: FileId, c: &ast::CellDecl) -> R<Function> {
        let pos = self.pos_of(file, c.span);
        let mut f = FnCx::new(file, pos);
        for p in &c.params {
            let r = f.alloc()?;
            f.declare(&p.name.name, r);
        }
        self.hoist_literals(&mut f, &c.body)?;
        self.function_body(&mut f, &c.body)?;
        let Ok(arity) = u16::try_from(c.params.len()) else {
            return fail(c.name.span, "too many parameters");
        };
        Ok(f.into_function(FnHead {
            name: c.name.name.clone(),
            file: u16::try_from(file).unwrap_or(u16::MAX),
            arity,
            params: c.params.iter().map(|p| p.name.name.clone()).collect(),
            param_types: c
                .params
                .iter()
                .map(|p| {
                    p.ty.as_ref()
                        .map(|t| self.text(file, t.span()).to_string())
                        .unwrap_or_default()
                })
                .collect(),
            captures: 0,
            exported: true,
        }))
    }

    /// Builds `<init>`, which stores every const into its global slot.
    fn lower_init(&mut self) -> R<Option<u32>> {
        if self.globals.is_empty() {
            return Ok(None);
        }
        let mut f = FnCx::new(0, Pos::new(1, 1));
        for (file, item) in self.prog.const_order() {
            let Some(ast::Item::Const(c)) = self.item(file, item) else {
                continue;
            };
            let Some(&idx) = self.globals.get(&(file, item)) else {
                continue;
            };
            f.file = file;
            f.pos = self.pos_of(file, c.span);
            let mark = f.mark();
            let r = match self.expr(&mut f, &c.value, None) {
                Ok(r) => r,
                Err(d) => return Err(Box::new(self.locate(file, *d, c.span))),
            };
            f.emit(Instr::StoreGlobal { idx, src: r });
            f.free_to(mark);
        }
        f.emit(Instr::ReturnNull);
        let func = f.into_function(FnHead {
            name: "<init>".into(),
            file: 0,
            arity: 0,
            params: Vec::new(),
            param_types: Vec::new(),
            captures: 0,
            exported: false,
        });
        let idx = self.push_function(func, Span::default())?;
        Ok(Some(u32::from(idx)))
    }
}

/// A stand-in for a cell that has not been lowered yet.
fn placeholder(name: &str, file: FileId) -> Function {
    Function {
        name: name.to_string(),
        file: u16::try_from(file).unwrap_or(u16::MAX),
        arity: 0,
        params: Vec::new(),
        param_types: Vec::new(),
        captures: 0,
        num_regs: 0,
        exported: true,
        code: vec![Instr::ReturnNull],
        positions: vec![Pos::default()],
    }
}

/// The cache key of a literal expression (`None` for anything else).
fn lit_key(e: &ast::Expr) -> Option<LitKey> {
    Some(match &e.kind {
        ast::ExprKind::Int(v) => LitKey::Int(*v),
        ast::ExprKind::Float(v) => LitKey::Float(v.to_bits()),
        ast::ExprKind::Bool(b) => LitKey::Bool(*b),
        ast::ExprKind::Null => LitKey::Null,
        ast::ExprKind::Str(parts) => {
            let mut s = String::new();
            for p in parts {
                match p {
                    ast::StrPart::Text(t) => s.push_str(t),
                    ast::StrPart::Expr(_) => return None,
                }
            }
            LitKey::Str(s)
        }
        ast::ExprKind::Unary {
            op: ast::UnOp::Neg,
            expr,
        } => match expr.kind {
            ast::ExprKind::Int(v) => LitKey::Int(v.checked_neg()?),
            ast::ExprKind::Float(v) => LitKey::Float((-v).to_bits()),
            _ => return None,
        },
        _ => return None,
    })
}
