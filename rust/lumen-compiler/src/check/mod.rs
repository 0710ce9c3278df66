//! The static type checker.
//!
//! [`check`] walks every file of a resolved [`Program`] and returns every type error and
//! warning, each located in its file. It never stops at the first error: an expression with
//! an error gets [`Type::Error`], which is compatible with everything, so one mistake gives
//! one diagnostic.
//!
//! Order of work: the declarations of every file are collected first (record fields,
//! variant payloads, cell signatures), so cells may be used before their definition and be
//! mutually recursive. Bodies are then checked item by item. A cell without a return type
//! gets it inferred from its body (the join of its `return` values and its final value; a
//! body without a value returns `Null`); when another cell needs that type before the body
//! was checked, the body is checked on demand. While a cell's own body is being inferred
//! (direct or mutual recursion), a call to it has the inference-hole type `_`
//! ([`Type::Unknown`]), which behaves like `Json`: compatible with everything.
//!
//! Submodules: [`types`] (type representation), [`env`] (local scopes), `expr`, `stmt`,
//! `builtins`, `pattern` (patterns and exhaustiveness), `narrow` (null narrowing) and `tool`
//! (typed tool declarations and their calls).

mod builtins;
pub mod env;
mod expr;
pub(crate) mod hints;
mod narrow;
mod pattern;
mod stmt;
mod tool;
pub mod types;

#[cfg(test)]
mod tests;

use crate::ast::{self, Item, TypeExpr};
use crate::diagnostic::{codes, Diagnostic};
use crate::resolve::{FileId, Program, Symbol};
use crate::span::Span;
use env::Env;
use std::collections::{HashMap, HashSet};
use types::{assignable, AdtKind, Type};

/// Checks the whole program and returns every error and warning, located.
pub fn check(program: &Program) -> Vec<Diagnostic> {
    check_with_signatures(program).0
}

/// Checks the whole program and also returns what the checker learned about its
/// declarations (for [`crate::interface`]).
pub(crate) fn check_with_signatures(program: &Program) -> (Vec<Diagnostic>, Signatures) {
    let mut c = Checker::new(program);
    c.collect();
    // Consts first, dependencies before dependents, so inferring one never recurses into
    // the next (a chain of consts defined by each other is as long as the program).
    for (file, item) in program.const_order() {
        c.file = file;
        c.const_type(file, item);
    }
    for file in 0..program.files.len() {
        c.file = file;
        let Some(f) = program.files.get(file) else {
            continue;
        };
        for (item, it) in f.ast.items.iter().enumerate() {
            match it {
                Item::Cell(_) => c.check_cell(file, item),
                Item::Record(r) => c.check_record(file, item, r),
                Item::Const(_) => {
                    c.const_type(file, item);
                }
                Item::Grant(g) => c.check_grant(g),
                Item::UseTool(t) => c.check_tool(file, item, t),
                Item::Enum(_) | Item::Import(_) => {}
            }
        }
    }
    let mut sigs = c.signatures();
    sigs.hints = std::mem::take(&mut c.hints);
    (c.diags, sigs)
}

/// A named slot's checked type and whether it has a default (parameters, record fields).
pub(crate) type SlotSig = (String, Type, bool);

/// A variant's name and its payload fields (named or positional) with their types.
pub(crate) type VariantSig = (String, Vec<(Option<String>, Type)>);

/// The checked types of a program's declarations, in file and item order.
#[derive(Debug, Clone, Default)]
pub(crate) struct Signatures {
    pub cells: Vec<CellSignature>,
    /// Each record: its declaration, name and fields.
    pub records: Vec<(DeclId, String, Vec<SlotSig>)>,
    /// Each enum: its declaration, name and variants.
    pub enums: Vec<(DeclId, String, Vec<VariantSig>)>,
    pub tools: Vec<ToolSignature>,
    /// The binary operations on two `Int`s or two `Float`s (lowering's typed instructions).
    pub hints: hints::TypeHints,
}

/// A cell's checked signature.
#[derive(Debug, Clone)]
pub(crate) struct CellSignature {
    pub id: DeclId,
    pub name: String,
    /// Name, type, and whether it has a default.
    pub params: Vec<(String, Type, bool)>,
    /// The declared or inferred return type (`Unknown` when inference gave up).
    pub ret: Type,
}

/// A declared tool's checked signature.
#[derive(Debug, Clone)]
pub(crate) struct ToolSignature {
    pub id: DeclId,
    pub qualified: String,
    pub alias: String,
    /// `None` for an untyped tool: name, type and whether it has a default.
    pub params: Option<Vec<(String, Type, bool)>>,
    /// `None` when no result type is declared (the result is `Json`).
    pub ret: Option<Type>,
}

/// A declaration is identified by its file and item index.
pub(crate) type DeclId = (FileId, usize);

/// A parameter or field slot that arguments bind to.
#[derive(Debug, Clone)]
struct Slot {
    name: Option<String>,
    ty: Type,
    required: bool,
}

/// A record's fields.
#[derive(Debug, Clone)]
struct RecordInfo {
    name: String,
    fields: Vec<Slot>,
    /// Index into `fields` by name (field access is O(1) in records of any width).
    by_name: HashMap<String, usize>,
}

/// One variant of an enum.
#[derive(Debug, Clone)]
struct VariantInfo {
    name: String,
    fields: Vec<Slot>,
}

/// An enum's variants.
#[derive(Debug, Clone)]
struct EnumInfo {
    name: String,
    variants: Vec<VariantInfo>,
}

/// The return type of a cell as known so far.
#[derive(Debug, Clone)]
enum Ret {
    Declared(Type),
    /// Omitted and not inferred yet.
    Pending,
    /// Omitted; the body is being checked right now.
    InProgress,
    Inferred(Type),
}

/// A cell's signature.
#[derive(Debug, Clone)]
struct CellSig {
    name: String,
    params: Vec<Slot>,
    ret: Ret,
}

/// A declared tool's signature (`None` parts: untyped).
#[derive(Debug, Clone)]
struct ToolInfo {
    params: Option<Vec<Slot>>,
    ret: Option<Type>,
}

/// A constant's type as known so far.
#[derive(Debug, Clone)]
enum ConstState {
    InProgress,
    Done(Type),
}

/// Per cell or lambda being checked.
#[derive(Debug, Clone)]
struct FnCtx {
    /// The declared return type; `None` while inferring it.
    ret: Option<Type>,
    /// Types of `return` values (and `?` error exits) seen while inferring.
    returns: Vec<Type>,
    /// Enclosing loops of this function: whether each has a `break`.
    loops: Vec<bool>,
    /// Scopes below this index belong to enclosing functions (captured, read-only).
    scope_base: usize,
}

/// How deep on-demand inference of return types may nest before giving up (`_`).
const MAX_INFER_DEPTH: usize = 48;

/// The checker state.
struct Checker<'p> {
    program: &'p Program,
    diags: Vec<Diagnostic>,
    /// The file whose code is being checked (names and types resolve in its scope).
    file: FileId,
    env: Env,
    fns: Vec<FnCtx>,
    records: HashMap<DeclId, RecordInfo>,
    enums: HashMap<DeclId, EnumInfo>,
    cells: HashMap<DeclId, CellSig>,
    tools: HashMap<DeclId, ToolInfo>,
    consts: HashMap<DeclId, ConstState>,
    checked: HashSet<DeclId>,
    infer_depth: usize,
    hints: hints::TypeHints,
}

impl<'p> Checker<'p> {
    fn new(program: &'p Program) -> Self {
        Checker {
            program,
            diags: Vec::new(),
            file: 0,
            env: Env::default(),
            fns: Vec::new(),
            records: HashMap::new(),
            enums: HashMap::new(),
            cells: HashMap::new(),
            tools: HashMap::new(),
            consts: HashMap::new(),
            checked: HashSet::new(),
            infer_depth: 0,
            hints: hints::TypeHints::default(),
        }
    }

    /// The payload fields of a variant (none when the variant is unknown).
    fn variant_fields(&self, file: FileId, item: usize, variant: usize) -> &[Slot] {
        self.enums
            .get(&(file, item))
            .and_then(|e| e.variants.get(variant))
            .map_or(&[], |v| v.fields.as_slice())
    }

    /// Reports an error located in the current file.
    fn err(&mut self, code: &'static str, msg: impl Into<String>, span: Span) {
        if let Some(f) = self.program.files.get(self.file) {
            self.diags.push(f.error(code, msg, span));
        } else {
            self.diags.push(Diagnostic::error(code, msg, span));
        }
    }

    /// Reports a warning located in the current file.
    fn warn(&mut self, code: &'static str, msg: impl Into<String>, span: Span) {
        if let Some(f) = self.program.files.get(self.file) {
            self.diags.push(f.warning(code, msg, span));
        }
    }

    /// Reports E0300 "`ctx`: expected X, found Y" unless `found` is assignable.
    fn require(&mut self, found: &Type, expected: &Type, ctx: &str, span: Span) -> bool {
        if assignable(found, expected) {
            return true;
        }
        let msg = if ctx.is_empty() {
            format!("expected {expected}, found {found}")
        } else {
            format!("{ctx}: expected {expected}, found {found}")
        };
        self.err(codes::TYPE_MISMATCH, msg, span);
        false
    }

    /// Looks a top-level name up in the current file.
    fn symbol(&self, name: &str) -> Option<Symbol> {
        self.program.lookup(self.file, name)
    }

    /// The AST item `id`.
    fn item(&self, id: DeclId) -> Option<&'p Item> {
        self.program.files.get(id.0)?.ast.items.get(id.1)
    }

    /// Every declaration's checked types, in file and item order.
    fn signatures(&self) -> Signatures {
        let mut out = Signatures::default();
        let slots = |fields: &[Slot]| -> Vec<(String, Type, bool)> {
            fields
                .iter()
                .map(|f| {
                    (
                        f.name.clone().unwrap_or_default(),
                        f.ty.clone(),
                        !f.required,
                    )
                })
                .collect()
        };
        for (file, f) in self.program.files.iter().enumerate() {
            for (item, it) in f.ast.items.iter().enumerate() {
                let id = (file, item);
                match it {
                    Item::Cell(_) => {
                        if let Some(sig) = self.cells.get(&id) {
                            let ret = match &sig.ret {
                                Ret::Declared(t) | Ret::Inferred(t) => t.clone(),
                                Ret::Pending | Ret::InProgress => Type::Unknown,
                            };
                            out.cells.push(CellSignature {
                                id,
                                name: sig.name.clone(),
                                params: slots(&sig.params),
                                ret,
                            });
                        }
                    }
                    Item::Record(_) => {
                        if let Some(r) = self.records.get(&id) {
                            out.records.push((id, r.name.clone(), slots(&r.fields)));
                        }
                    }
                    Item::Enum(_) => {
                        if let Some(e) = self.enums.get(&id) {
                            let variants = e
                                .variants
                                .iter()
                                .map(|v| {
                                    let fields =
                                        v.fields.iter().map(|f| (f.name.clone(), f.ty.clone()));
                                    (v.name.clone(), fields.collect())
                                })
                                .collect();
                            out.enums.push((id, e.name.clone(), variants));
                        }
                    }
                    Item::UseTool(t) => {
                        let info = self.tools.get(&id);
                        out.tools.push(ToolSignature {
                            id,
                            qualified: t.tool.clone(),
                            alias: t.alias.name.clone(),
                            params: info.and_then(|i| i.params.as_deref()).map(slots),
                            ret: info.and_then(|i| i.ret.clone()),
                        });
                    }
                    Item::Const(_) | Item::Grant(_) | Item::Import(_) => {}
                }
            }
        }
        out
    }

    // ----- declarations ------------------------------------------------------------------

    /// Collects record fields, variant payloads and cell signatures of every file.
    fn collect(&mut self) {
        let program = self.program;
        // Records and enums first: their names must be resolvable as types while
        // collecting anything (types refer to declarations by id, so order is free).
        for (file, f) in program.files.iter().enumerate() {
            self.file = file;
            for (item, it) in f.ast.items.iter().enumerate() {
                match it {
                    Item::Record(r) => {
                        let mut seen = HashSet::new();
                        let mut fields = Vec::new();
                        for fd in &r.fields {
                            if !seen.insert(fd.name.name.clone()) {
                                self.err(
                                    codes::DUPLICATE_DEFINITION,
                                    format!(
                                        "record `{}` has two fields named `{}`",
                                        r.name.name, fd.name.name
                                    ),
                                    fd.name.span,
                                );
                            }
                            let ty = self.resolve_type(&fd.ty);
                            fields.push(Slot {
                                name: Some(fd.name.name.clone()),
                                ty,
                                required: fd.default.is_none(),
                            });
                        }
                        let mut by_name = HashMap::new();
                        for (i, f) in fields.iter().enumerate() {
                            if let Some(n) = &f.name {
                                by_name.entry(n.clone()).or_insert(i);
                            }
                        }
                        self.records.insert(
                            (file, item),
                            RecordInfo {
                                name: r.name.name.clone(),
                                fields,
                                by_name,
                            },
                        );
                    }
                    Item::Enum(e) => {
                        let mut variants = Vec::new();
                        for v in &e.variants {
                            let mut seen = HashSet::new();
                            let mut fields = Vec::new();
                            for vf in &v.fields {
                                if let Some(n) = &vf.name {
                                    if !seen.insert(n.name.clone()) {
                                        self.err(
                                            codes::DUPLICATE_DEFINITION,
                                            format!(
                                                "variant `{}` has two fields named `{}`",
                                                v.name.name, n.name
                                            ),
                                            n.span,
                                        );
                                    }
                                }
                                let ty = self.resolve_type(&vf.ty);
                                fields.push(Slot {
                                    name: vf.name.as_ref().map(|n| n.name.clone()),
                                    ty,
                                    required: true,
                                });
                            }
                            variants.push(VariantInfo {
                                name: v.name.name.clone(),
                                fields,
                            });
                        }
                        self.enums.insert(
                            (file, item),
                            EnumInfo {
                                name: e.name.name.clone(),
                                variants,
                            },
                        );
                    }
                    _ => {}
                }
            }
        }
        for (file, f) in program.files.iter().enumerate() {
            self.file = file;
            for (item, it) in f.ast.items.iter().enumerate() {
                if let Item::UseTool(t) = it {
                    let info = match &t.sig {
                        None => ToolInfo {
                            params: None,
                            ret: None,
                        },
                        Some(sig) => ToolInfo {
                            params: Some(self.param_slots(&sig.params, true)),
                            ret: sig.ret.as_ref().map(|r| self.resolve_type(r)),
                        },
                    };
                    self.tools.insert((file, item), info);
                }
                if let Item::Cell(c) = it {
                    let params = self.param_slots(&c.params, true);
                    let ret = match &c.ret {
                        Some(t) => Ret::Declared(self.resolve_type(t)),
                        None => Ret::Pending,
                    };
                    self.cells.insert(
                        (file, item),
                        CellSig {
                            name: c.name.name.clone(),
                            params,
                            ret,
                        },
                    );
                }
            }
        }
    }

    /// Resolves parameter types, reporting duplicates (E0201) and, for cells, missing
    /// annotations (E0312).
    fn param_slots(&mut self, params: &[ast::Param], is_cell: bool) -> Vec<Slot> {
        let mut seen = HashSet::new();
        let mut out = Vec::new();
        for p in params {
            if !seen.insert(p.name.name.clone()) {
                self.err(
                    codes::DUPLICATE_DEFINITION,
                    format!("parameter `{}` is declared more than once", p.name.name),
                    p.name.span,
                );
            }
            let ty = match &p.ty {
                Some(t) => self.resolve_type(t),
                None => {
                    if is_cell {
                        self.err(
                            codes::MISSING_ANNOTATION,
                            format!("parameter `{}` needs a type annotation", p.name.name),
                            p.name.span,
                        );
                    }
                    Type::Error
                }
            };
            out.push(Slot {
                name: Some(p.name.name.clone()),
                ty,
                required: p.default.is_none(),
            });
        }
        out
    }

    /// Resolves a written type in the current file, reporting unknown types (E0202).
    fn resolve_type(&mut self, t: &TypeExpr) -> Type {
        match t {
            TypeExpr::Named { name, args, span } => {
                let arity = |n: usize| -> Option<usize> { Some(n) };
                let expected = match name.name.as_str() {
                    "Int" | "Float" | "Bool" | "String" | "Null" | "Json" => arity(0),
                    "list" => arity(1),
                    "map" | "result" => arity(2),
                    "tuple" => None,
                    _ => match self.symbol(&name.name) {
                        Some(Symbol::Record { .. } | Symbol::Enum { .. }) => arity(0),
                        _ => {
                            self.err(
                                codes::UNKNOWN_TYPE,
                                format!("unknown type `{}`", name.name),
                                name.span,
                            );
                            for a in args {
                                self.resolve_type(a);
                            }
                            return Type::Error;
                        }
                    },
                };
                if let Some(n) = expected {
                    if args.len() != n {
                        self.err(
                            codes::UNKNOWN_TYPE,
                            format!(
                                "type `{}` takes {n} type argument{}, found {}",
                                name.name,
                                if n == 1 { "" } else { "s" },
                                args.len()
                            ),
                            *span,
                        );
                        for a in args {
                            self.resolve_type(a);
                        }
                        return Type::Error;
                    }
                }
                let mut a: Vec<Type> = args.iter().map(|x| self.resolve_type(x)).collect();
                let mut take = || {
                    if a.is_empty() {
                        Type::Error
                    } else {
                        a.remove(0)
                    }
                };
                match name.name.as_str() {
                    "Int" => Type::Int,
                    "Float" => Type::Float,
                    "Bool" => Type::Bool,
                    "String" => Type::Str,
                    "Null" => Type::Null,
                    "Json" => Type::Json,
                    "list" => Type::list(take()),
                    "map" => {
                        let k = take();
                        let v = take();
                        if !matches!(k, Type::Str | Type::Int | Type::Json | Type::Error) {
                            self.err(
                                codes::TYPE_MISMATCH,
                                format!("map keys must be String or Int, found {k}"),
                                *span,
                            );
                        }
                        Type::map(k, v)
                    }
                    "result" => {
                        let t = take();
                        let e = take();
                        Type::result(t, e)
                    }
                    "tuple" => Type::Tuple(a),
                    n => match self.symbol(n) {
                        Some(Symbol::Record { file, item }) => Type::Adt {
                            kind: AdtKind::Record,
                            file,
                            item,
                            name: n.to_string(),
                        },
                        Some(Symbol::Enum { file, item }) => Type::Adt {
                            kind: AdtKind::Enum,
                            file,
                            item,
                            name: n.to_string(),
                        },
                        _ => Type::Error,
                    },
                }
            }
            TypeExpr::Tuple { items, .. } => {
                Type::Tuple(items.iter().map(|x| self.resolve_type(x)).collect())
            }
            TypeExpr::Fn { params, ret, .. } => {
                let ps = params.iter().map(|x| self.resolve_type(x)).collect();
                let r = self.resolve_type(ret);
                Type::func(ps, r)
            }
            TypeExpr::Union { items, .. } => {
                Type::union(items.iter().map(|x| self.resolve_type(x)).collect())
            }
            TypeExpr::Optional { inner, .. } => {
                let t = self.resolve_type(inner);
                Type::optional(t)
            }
        }
    }

    /// The type of a user declaration named by a symbol, for records and enums.
    fn adt_type(&self, sym: Symbol) -> Option<Type> {
        match sym {
            Symbol::Record { file, item } => Some(Type::Adt {
                kind: AdtKind::Record,
                file,
                item,
                name: self.records.get(&(file, item))?.name.clone(),
            }),
            Symbol::Enum { file, item } | Symbol::Variant { file, item, .. } => Some(Type::Adt {
                kind: AdtKind::Enum,
                file,
                item,
                name: self.enums.get(&(file, item))?.name.clone(),
            }),
            _ => None,
        }
    }

    // ----- bodies ------------------------------------------------------------------------

    /// Saves the per-body state and starts a fresh one in `file`.
    fn enter_body(&mut self, file: FileId) -> (FileId, Env, Vec<FnCtx>) {
        let saved = (
            self.file,
            std::mem::take(&mut self.env),
            std::mem::take(&mut self.fns),
        );
        self.file = file;
        saved
    }

    fn leave_body(&mut self, saved: (FileId, Env, Vec<FnCtx>)) {
        self.file = saved.0;
        self.env = saved.1;
        self.fns = saved.2;
    }

    /// Checks a cell's body once (and infers its return type when omitted).
    fn check_cell(&mut self, file: FileId, item: usize) {
        if !self.checked.insert((file, item)) {
            return;
        }
        let Some(Item::Cell(cell)) = self.item((file, item)) else {
            return;
        };
        let Some(sig) = self.cells.get(&(file, item)).cloned() else {
            return;
        };
        let saved = self.enter_body(file);
        let declared = match &sig.ret {
            Ret::Declared(t) => Some(t.clone()),
            _ => None,
        };
        if declared.is_none() {
            if let Some(s) = self.cells.get_mut(&(file, item)) {
                s.ret = Ret::InProgress;
            }
        }
        self.env.push();
        // Defaults are evaluated without the parameters in scope.
        for (p, slot) in cell.params.iter().zip(&sig.params) {
            if let Some(d) = &p.default {
                let t = self.expr(d, Some(&slot.ty));
                self.require(
                    &t,
                    &slot.ty,
                    &format!("default of parameter `{}`", p.name.name),
                    d.span,
                );
            }
        }
        for slot in &sig.params {
            if let Some(n) = &slot.name {
                self.env.bind(n, slot.ty.clone(), false);
            }
        }
        self.fns.push(FnCtx {
            ret: declared.clone(),
            returns: Vec::new(),
            loops: Vec::new(),
            scope_base: 0,
        });
        let body_ty = self.block(&cell.body, declared.as_ref());
        let ctx = self.fns.pop();
        self.env.pop();
        match declared {
            Some(ret) => {
                if body_ty != Type::Never && !assignable(&body_ty, &ret) {
                    let span = cell
                        .body
                        .stmts
                        .last()
                        .map(|s| s.span)
                        .unwrap_or(cell.name.span);
                    self.err(
                        codes::TYPE_MISMATCH,
                        format!(
                            "cell `{}` must return {ret}: expected {ret}, found {body_ty}",
                            cell.name.name
                        ),
                        span,
                    );
                }
            }
            None => {
                let mut t = body_ty;
                for r in ctx.map(|c| c.returns).unwrap_or_default() {
                    t = types::join(&t, &r);
                }
                if let Some(s) = self.cells.get_mut(&(file, item)) {
                    s.ret = Ret::Inferred(t);
                }
            }
        }
        self.leave_body(saved);
    }

    /// The return type of a cell, inferring it on demand.
    fn cell_ret(&mut self, id: DeclId) -> Type {
        match self.cells.get(&id).map(|s| s.ret.clone()) {
            Some(Ret::Declared(t) | Ret::Inferred(t)) => t,
            Some(Ret::InProgress) | None => Type::Unknown,
            Some(Ret::Pending) => {
                if self.infer_depth >= MAX_INFER_DEPTH {
                    return Type::Unknown;
                }
                self.infer_depth += 1;
                self.check_cell(id.0, id.1);
                self.infer_depth -= 1;
                match self.cells.get(&id).map(|s| s.ret.clone()) {
                    Some(Ret::Declared(t) | Ret::Inferred(t)) => t,
                    _ => Type::Unknown,
                }
            }
        }
    }

    /// The type of a constant (checking its value on first use).
    fn const_type(&mut self, file: FileId, item: usize) -> Type {
        match self.consts.get(&(file, item)) {
            Some(ConstState::Done(t)) => return t.clone(),
            Some(ConstState::InProgress) => return Type::Unknown,
            None => {}
        }
        let Some(Item::Const(c)) = self.item((file, item)) else {
            return Type::Error;
        };
        self.consts.insert((file, item), ConstState::InProgress);
        let saved = self.enter_body(file);
        let t = match &c.ty {
            Some(te) => {
                let ann = self.resolve_type(te);
                let v = self.expr(&c.value, Some(&ann));
                self.require(
                    &v,
                    &ann,
                    &format!("constant `{}`", c.name.name),
                    c.value.span,
                );
                ann
            }
            None => self.expr(&c.value, None),
        };
        self.leave_body(saved);
        self.consts
            .insert((file, item), ConstState::Done(t.clone()));
        t
    }

    /// Checks field defaults and `where` constraints of a record.
    fn check_record(&mut self, file: FileId, item: usize, r: &ast::RecordDecl) {
        let Some(info) = self.records.get(&(file, item)).cloned() else {
            return;
        };
        let saved = self.enter_body(file);
        for (fd, slot) in r.fields.iter().zip(&info.fields) {
            if let Some(d) = &fd.default {
                let t = self.expr(d, Some(&slot.ty));
                self.require(
                    &t,
                    &slot.ty,
                    &format!("default of field `{}`", fd.name.name),
                    d.span,
                );
            }
        }
        self.env.push();
        for slot in &info.fields {
            if let Some(n) = &slot.name {
                self.env.bind(n, slot.ty.clone(), false);
            }
        }
        for fd in &r.fields {
            if let Some(c) = &fd.constraint {
                let t = self.expr(c, Some(&Type::Bool));
                self.require(
                    &t,
                    &Type::Bool,
                    &format!("constraint on field `{}`", fd.name.name),
                    c.span,
                );
            }
        }
        self.env.pop();
        self.leave_body(saved);
    }

    /// Checks a `grant`: the alias is a tool and the value a literal of the right type.
    fn check_grant(&mut self, g: &ast::Grant) {
        match self.symbol(&g.alias.name) {
            Some(Symbol::Tool { .. }) => {}
            _ => self.err(
                codes::INVALID_GRANT,
                format!(
                    "`{}` is not a tool alias (declare it with `use tool ... as {}`)",
                    g.alias.name, g.alias.name
                ),
                g.alias.span,
            ),
        }
        let lit = literal_type(&g.value);
        let Some(t) = lit else {
            self.err(
                codes::INVALID_GRANT,
                "a grant value must be a literal",
                g.value.span,
            );
            return;
        };
        let want = match g.key.name.as_str() {
            "domain" | "path" => Some(Type::Str),
            "timeout_ms" | "max_calls" => Some(Type::Int),
            _ => None,
        };
        if let Some(w) = want {
            if t != w {
                self.err(
                    codes::INVALID_GRANT,
                    format!("grant `{}` needs a {w} literal, found {t}", g.key.name),
                    g.value.span,
                );
            }
        }
    }
}

/// The type of a literal expression (a string without interpolation, a number, possibly
/// negated, or a Bool), or `None` for anything else.
fn literal_type(e: &ast::Expr) -> Option<Type> {
    match &e.kind {
        ast::ExprKind::Int(_) => Some(Type::Int),
        ast::ExprKind::Float(_) => Some(Type::Float),
        ast::ExprKind::Bool(_) => Some(Type::Bool),
        ast::ExprKind::Str(parts) => parts
            .iter()
            .all(|p| matches!(p, ast::StrPart::Text(_)))
            .then_some(Type::Str),
        ast::ExprKind::Unary {
            op: ast::UnOp::Neg,
            expr,
        } => match expr.kind {
            ast::ExprKind::Int(_) => Some(Type::Int),
            ast::ExprKind::Float(_) => Some(Type::Float),
            _ => None,
        },
        _ => None,
    }
}
