//! Expressions: literals, names, collections, operators, field access and indexing,
//! `is` tests, postfix `?`, value-producing `if`/`when`, comprehensions, and conditions
//! compiled straight into jumps.
//!
//! `expr(e, dst)` leaves the value in `dst` when given; with `None` it returns any
//! register holding the value: a local's own register (no copy), a hoisted literal, or a
//! fresh temporary. Operand temporaries are released before the result register is
//! allocated, so `a + b * c` needs no more registers than its depth.

use super::regs::{FnCx, Target, UNPATCHED};
use super::{fail, lit_key, visit, Lowerer, NameRef, R};
use crate::ast::{self, BinOp, Block, Expr, ExprKind, StrPart, TypeExpr, UnOp};
use crate::check::hints::Scalar;
use crate::diagnostic::{codes, Diagnostic};
use crate::resolve::Symbol;
use crate::span::Span;
use lumen_vm::builtins::Builtin;
use lumen_vm::lir::{self, FailKind, Instr, Reg, TypeTag};

/// How deeply expressions may nest (a long `a + b + c + ...` chain nests once per operator).
pub(super) const MAX_NESTING: usize = 256;

/// One run-time test of an `is` type.
#[derive(Debug, Clone, Copy)]
enum TypeTest {
    Tag(TypeTag),
    User(u16),
    Variant(u16),
    Always,
}

/// `dst` when given, else a fresh register.
pub(super) fn dest(f: &mut FnCx, dst: Option<Reg>) -> R<Reg> {
    match dst {
        Some(r) => Ok(r),
        None => f.alloc(),
    }
}

/// The LIR operator of an arithmetic/comparison AST operator.
fn lir_op(op: BinOp) -> Option<lir::BinOp> {
    Some(match op {
        BinOp::Add => lir::BinOp::Add,
        BinOp::Sub => lir::BinOp::Sub,
        BinOp::Mul => lir::BinOp::Mul,
        BinOp::Div => lir::BinOp::Div,
        BinOp::IntDiv => lir::BinOp::IntDiv,
        BinOp::Mod => lir::BinOp::Mod,
        BinOp::Pow => lir::BinOp::Pow,
        BinOp::Concat => lir::BinOp::Concat,
        BinOp::Eq => lir::BinOp::Eq,
        BinOp::Ne => lir::BinOp::Ne,
        BinOp::Lt => lir::BinOp::Lt,
        BinOp::Le => lir::BinOp::Le,
        BinOp::Gt => lir::BinOp::Gt,
        BinOp::Ge => lir::BinOp::Ge,
        BinOp::In => lir::BinOp::In,
        BinOp::And | BinOp::Or | BinOp::Coalesce | BinOp::Range | BinOp::RangeInclusive => {
            return None
        }
    })
}

/// Public wrapper so other lowering modules can map operators.
pub(super) fn binop(op: BinOp, span: Span) -> R<lir::BinOp> {
    match lir_op(op) {
        Some(o) => Ok(o),
        None => fail(
            span,
            format!("operator {op:?} is not an arithmetic operator"),
        ),
    }
}

/// Whether lowering `e` into a register writes that register only with its last
/// instruction (so `x = e` may target `x` directly even when `e` reads `x`).
pub(super) fn writes_last(e: &Expr) -> bool {
    match &e.kind {
        ExprKind::Binary { op, .. } => !matches!(op, BinOp::And | BinOp::Or | BinOp::Coalesce),
        ExprKind::Field { optional, .. } => !optional,
        ExprKind::Str(parts) => parts.iter().all(|p| matches!(p, StrPart::Text(_))),
        ExprKind::If { .. }
        | ExprKind::Match { .. }
        | ExprKind::When { .. }
        | ExprKind::Comprehension { .. } => false,
        _ => true,
    }
}

/// Whether the statements of a block end in a jump away (the code after is unreachable).
pub(super) fn ends_block(b: &Block) -> bool {
    matches!(
        b.stmts.last().map(|s| &s.kind),
        Some(ast::StmtKind::Return(_) | ast::StmtKind::Break | ast::StmtKind::Continue)
    )
}

impl Lowerer<'_> {
    /// Lowers `e`; its value ends in `dst` when given, else in the returned register.
    pub(super) fn expr(&mut self, f: &mut FnCx, e: &Expr, dst: Option<Reg>) -> R<Reg> {
        if f.depth >= MAX_NESTING {
            // Only reachable through inlined code (record field defaults that construct
            // records, each with defaults of their own): the parser bounds written nesting.
            return Err(Box::new(Diagnostic::error(
                codes::TOO_DEEP,
                "this expression nests too deeply to compile (record defaults that build \
                 records with defaults of their own count too); split it up",
                e.span,
            )));
        }
        f.depth += 1;
        let old = self.enter(f, e.span);
        let r = self.expr_inner(f, e, dst);
        f.pos = old;
        f.depth -= 1;
        r
    }

    /// One method per kind with locals: this function is on the stack once per nesting
    /// level of the tree, so its frame stays small.
    fn expr_inner(&mut self, f: &mut FnCx, e: &Expr, dst: Option<Reg>) -> R<Reg> {
        match &e.kind {
            ExprKind::Int(_) | ExprKind::Float(_) | ExprKind::Bool(_) | ExprKind::Null => {
                self.literal(f, e, dst)
            }
            ExprKind::Str(parts) => {
                if lit_key(e).is_some() {
                    self.literal(f, e, dst)
                } else {
                    self.interpolation(f, parts, dst)
                }
            }
            ExprKind::Name(n) => self.name(f, n, e.span, dst),
            ExprKind::List(items) => self.sequence(f, items, dst, e.span, Seq::List),
            ExprKind::Tuple(items) => self.sequence(f, items, dst, e.span, Seq::Tuple),
            ExprKind::Map(pairs) => self.map_literal(f, pairs, dst, e.span),
            ExprKind::Call { callee, args } => self.call(f, callee, args, e.span, dst, None),
            ExprKind::Field {
                target,
                name,
                optional,
            } => self.field(f, target, name, *optional, dst),
            ExprKind::Index { target, index } => self.index(f, target, index, dst),
            ExprKind::Unary { op, expr } => {
                if *op == UnOp::Neg && lit_key(e).is_some() {
                    return self.literal(f, e, dst);
                }
                self.unary(f, *op, expr, dst)
            }
            ExprKind::Binary { op, lhs, rhs } => self.binary(f, *op, lhs, rhs, e.span, dst),
            ExprKind::Is { expr, ty } => self.is_test(f, expr, ty, dst),
            ExprKind::Try(inner) => self.try_expr(f, inner, dst),
            ExprKind::If { .. } | ExprKind::Match { .. } | ExprKind::When { .. } => {
                self.branching_value(f, e, dst)
            }
            ExprKind::Lambda { params, body, .. } => self.lambda(f, params, body, e.span, dst),
            ExprKind::Comprehension {
                expr,
                pattern,
                iter,
                filter,
            } => self.comprehension(f, expr, pattern, iter, filter.as_deref(), dst),
        }
    }

    /// `target.name` / `target?.name`
    fn field(
        &mut self,
        f: &mut FnCx,
        target: &Expr,
        name: &crate::ast::Ident,
        optional: bool,
        dst: Option<Reg>,
    ) -> R<Reg> {
        let name_id = self.t.name(&name.name, name.span)?;
        if optional {
            let d = dest(f, dst)?;
            self.expr(f, target, Some(d))?;
            let j = f.emit(Instr::JumpIfNull {
                src: d,
                target: UNPATCHED,
            });
            f.emit(Instr::GetField {
                dst: d,
                obj: d,
                name: name_id,
            });
            f.patch_here(&[j]);
            Ok(d)
        } else {
            let mark = f.mark();
            let obj = self.expr(f, target, None)?;
            f.free_to(mark);
            let d = dest(f, dst)?;
            f.emit(match self.hints.field_slot(f.file, name.span) {
                Some(slot) => Instr::GetFieldSlot {
                    dst: d,
                    obj,
                    name: name_id,
                    slot,
                },
                None => Instr::GetField {
                    dst: d,
                    obj,
                    name: name_id,
                },
            });
            Ok(d)
        }
    }

    /// `target[index]`
    fn index(&mut self, f: &mut FnCx, target: &Expr, index: &Expr, dst: Option<Reg>) -> R<Reg> {
        let mark = f.mark();
        let obj = self.expr(f, target, None)?;
        let idx = self.expr(f, index, None)?;
        f.free_to(mark);
        let d = dest(f, dst)?;
        f.emit(Instr::GetIndex { dst: d, obj, idx });
        Ok(d)
    }

    /// `-e`, `not e`
    fn unary(&mut self, f: &mut FnCx, op: UnOp, inner: &Expr, dst: Option<Reg>) -> R<Reg> {
        let mark = f.mark();
        let src = self.expr(f, inner, None)?;
        f.free_to(mark);
        let d = dest(f, dst)?;
        f.emit(match op {
            UnOp::Neg => Instr::Neg { dst: d, src },
            UnOp::Not => Instr::Not { dst: d, src },
        });
        Ok(d)
    }

    /// Postfix `e?`: returns the `err` from the cell, else unwraps the `ok`.
    fn try_expr(&mut self, f: &mut FnCx, inner: &Expr, dst: Option<Reg>) -> R<Reg> {
        let mark = f.mark();
        let t = f.alloc()?;
        self.expr(f, inner, Some(t))?;
        let c = f.alloc()?;
        f.emit(Instr::IsOk { dst: c, src: t });
        let j = f.emit(Instr::JumpIfTrue {
            cond: c,
            target: UNPATCHED,
        });
        f.emit(Instr::Return { src: t });
        f.patch_here(&[j]);
        f.free_to(mark);
        let d = dest(f, dst)?;
        f.emit(Instr::Unwrap { dst: d, src: t });
        Ok(d)
    }

    /// The value of an `if`, `match` or `when`.
    fn branching_value(&mut self, f: &mut FnCx, e: &Expr, dst: Option<Reg>) -> R<Reg> {
        let d = dest(f, dst)?;
        self.branching(f, e, Target::Reg(d))?;
        Ok(d)
    }

    /// `[expr for pattern in iter if filter]`
    fn comprehension(
        &mut self,
        f: &mut FnCx,
        expr: &Expr,
        pattern: &crate::ast::Pattern,
        iter: &Expr,
        filter: Option<&Expr>,
        dst: Option<Reg>,
    ) -> R<Reg> {
        let out = f.alloc()?;
        f.emit(Instr::MakeList {
            dst: out,
            start: out,
            count: 0,
        });
        self.for_loop(
            f,
            pattern,
            iter,
            filter,
            super::stmt::ForBody::Push { expr, out },
        )?;
        match dst {
            Some(d) => {
                f.emit(Instr::Take { dst: d, src: out });
                Ok(d)
            }
            None => Ok(out),
        }
    }

    /// Lowers an expression whose value is not used.
    pub(super) fn effect(&mut self, f: &mut FnCx, e: &Expr) -> R<()> {
        let old = self.enter(f, e.span);
        let mark = f.mark();
        if !self.branching(f, e, Target::Discard)? {
            match &e.kind {
                ExprKind::Int(_)
                | ExprKind::Float(_)
                | ExprKind::Bool(_)
                | ExprKind::Null
                | ExprKind::Lambda { .. } => {}
                ExprKind::Name(n) if matches!(self.resolve_name(f, n), NameRef::Local(_)) => {}
                _ => {
                    self.expr_inner(f, e, None)?;
                }
            }
        }
        f.free_to(mark);
        f.pos = old;
        Ok(())
    }

    /// Lowers an `if`, `match` or `when` towards `target` (each branch delivers its own
    /// value) and returns `true`; for any other expression emits nothing and returns
    /// `false`.
    pub(super) fn branching(&mut self, f: &mut FnCx, e: &Expr, target: Target) -> R<bool> {
        match &e.kind {
            ExprKind::If {
                branches,
                else_block,
            } => self.if_chain(f, branches, else_block.as_ref(), target)?,
            ExprKind::Match { scrutinee, arms } => self.match_expr(f, scrutinee, arms, target)?,
            ExprKind::When { arms } => self.when_expr(f, arms, target)?,
            _ => return Ok(false),
        }
        Ok(true)
    }

    /// Emits the load of a literal expression into `dst`.
    pub(super) fn load_literal(&mut self, f: &mut FnCx, e: &Expr, dst: Reg) -> R<()> {
        let instr = match lit_key(e) {
            Some(super::LitKey::Int(v)) => match i32::try_from(v) {
                Ok(value) => Instr::LoadInt { dst, value },
                Err(_) => Instr::LoadConst {
                    dst,
                    idx: self.t.int(v, e.span)?,
                },
            },
            Some(super::LitKey::Float(bits)) => Instr::LoadConst {
                dst,
                idx: self.t.float(f64::from_bits(bits), e.span)?,
            },
            Some(super::LitKey::Str(s)) => Instr::LoadConst {
                dst,
                idx: self.t.string(&s, e.span)?,
            },
            Some(super::LitKey::Bool(value)) => Instr::LoadBool { dst, value },
            Some(super::LitKey::Null) => Instr::LoadNull { dst },
            None => return fail(e.span, "expected a literal"),
        };
        f.emit(instr);
        Ok(())
    }

    /// A literal: the hoisted register when one exists and any register will do.
    fn literal(&mut self, f: &mut FnCx, e: &Expr, dst: Option<Reg>) -> R<Reg> {
        if dst.is_none() {
            if let Some(&r) = lit_key(e).and_then(|k| f.lits.get(&k)) {
                return Ok(r);
            }
        }
        let d = dest(f, dst)?;
        self.load_literal(f, e, d)?;
        Ok(d)
    }

    /// Loads a string constant into `dst`.
    pub(super) fn load_str(&mut self, f: &mut FnCx, s: &str, dst: Reg, span: Span) -> R<()> {
        let idx = self.t.string(s, span)?;
        f.emit(Instr::LoadConst { dst, idx });
        Ok(())
    }

    /// Emits `Fail { kind }` with a constant message.
    pub(super) fn fail_with(
        &mut self,
        f: &mut FnCx,
        kind: FailKind,
        msg: &str,
        span: Span,
    ) -> R<()> {
        let mark = f.mark();
        let r = f.alloc()?;
        self.load_str(f, msg, r, span)?;
        f.emit(Instr::Fail { kind, msg: r });
        f.free_to(mark);
        Ok(())
    }

    /// A name used as a value.
    fn name(&mut self, f: &mut FnCx, n: &str, span: Span, dst: Option<Reg>) -> R<Reg> {
        match self.resolve_name(f, n) {
            NameRef::Local(r) => match dst {
                Some(d) if d != r => {
                    f.emit(Instr::Move { dst: d, src: r });
                    Ok(d)
                }
                _ => Ok(r),
            },
            NameRef::Top(Symbol::Const { file, item }) => {
                if let Some(lit) = self.const_literal(file, item) {
                    return self.literal(f, lit, dst);
                }
                let Some(&idx) = self.globals.get(&(file, item)) else {
                    return fail(span, format!("constant `{n}` has no global slot"));
                };
                let d = dest(f, dst)?;
                f.emit(Instr::LoadGlobal { dst: d, idx });
                Ok(d)
            }
            NameRef::Top(Symbol::Cell { file, item }) => {
                let Some(&func) = self.cells.get(&(file, item)) else {
                    return fail(span, format!("cell `{n}` was not lowered"));
                };
                let d = dest(f, dst)?;
                f.emit(Instr::LoadFunc {
                    dst: d,
                    func: u32::from(func),
                });
                Ok(d)
            }
            NameRef::Top(Symbol::Variant {
                file,
                item,
                variant,
            }) => {
                let Some(&id) = self.t.variant_ids.get(&(file, item, variant)) else {
                    return fail(span, format!("variant `{n}` is unknown"));
                };
                let payload = match self.item(file, item) {
                    Some(ast::Item::Enum(en)) => en
                        .variants
                        .get(variant)
                        .map(|v| v.fields.len())
                        .unwrap_or(0),
                    _ => 0,
                };
                if payload > 0 {
                    return fail(span, format!("variant `{n}` needs its payload: `{n}(...)`"));
                }
                let d = dest(f, dst)?;
                f.emit(Instr::MakeVariant {
                    dst: d,
                    variant: id,
                    start: 0,
                });
                Ok(d)
            }
            NameRef::Top(_) => fail(span, format!("`{n}` is not a value")),
            NameRef::Builtin(_) | NameRef::Hof(_) | NameRef::Halt => fail(
                span,
                format!("builtin `{n}` is not a value; wrap it in a lambda"),
            ),
            NameRef::Ok | NameRef::Err => fail(span, format!("`{n}` must be called: `{n}(value)`")),
            NameRef::Unknown => fail(span, format!("unknown name `{n}`")),
        }
    }

    /// A list or tuple literal: items in consecutive registers.
    fn sequence(
        &mut self,
        f: &mut FnCx,
        items: &[Expr],
        dst: Option<Reg>,
        span: Span,
        kind: Seq,
    ) -> R<Reg> {
        let Ok(count) = u16::try_from(items.len()) else {
            return fail(span, "too many items in one literal");
        };
        let mark = f.mark();
        let start = f.alloc_n(items.len())?;
        for (i, x) in items.iter().enumerate() {
            let m = f.mark();
            self.expr(f, x, Some(start + i as Reg))?;
            f.free_to(m);
        }
        f.free_to(mark);
        let d = dest(f, dst)?;
        let start = if count == 0 { d } else { start };
        f.emit(match kind {
            Seq::List => Instr::MakeList {
                dst: d,
                start,
                count,
            },
            Seq::Tuple => Instr::MakeTuple {
                dst: d,
                start,
                count,
            },
        });
        Ok(d)
    }

    /// A map literal: key/value pairs in consecutive registers.
    fn map_literal(
        &mut self,
        f: &mut FnCx,
        pairs: &[(Expr, Expr)],
        dst: Option<Reg>,
        span: Span,
    ) -> R<Reg> {
        let Ok(count) = u16::try_from(pairs.len()) else {
            return fail(span, "too many entries in one map literal");
        };
        let mark = f.mark();
        let start = f.alloc_n(pairs.len() * 2)?;
        for (i, (k, v)) in pairs.iter().enumerate() {
            let m = f.mark();
            self.expr(f, k, Some(start + 2 * i as Reg))?;
            self.expr(f, v, Some(start + 2 * i as Reg + 1))?;
            f.free_to(m);
        }
        f.free_to(mark);
        let d = dest(f, dst)?;
        let start = if count == 0 { d } else { start };
        f.emit(Instr::MakeMap {
            dst: d,
            start,
            count,
        });
        Ok(d)
    }

    /// An interpolated string: each part converted with `to_string` and appended in place.
    fn interpolation(&mut self, f: &mut FnCx, parts: &[StrPart], dst: Option<Reg>) -> R<Reg> {
        let d = dest(f, dst)?;
        let mut first = true;
        for p in parts {
            let mark = f.mark();
            match p {
                StrPart::Text(s) => {
                    if s.is_empty() {
                        continue;
                    }
                    if first {
                        self.load_str(f, s, d, Span::default())?;
                    } else {
                        let t = f.alloc()?;
                        self.load_str(f, s, t, Span::default())?;
                        f.emit(Instr::Binary {
                            op: lir::BinOp::Add,
                            dst: d,
                            a: d,
                            b: t,
                        });
                    }
                }
                StrPart::Expr(x) => {
                    let w = f.alloc()?;
                    self.expr(f, x, Some(w))?;
                    let is_str = matches!(x.kind, ExprKind::Str(_));
                    if first {
                        if is_str {
                            f.emit(Instr::Move { dst: d, src: w });
                        } else {
                            f.emit(Instr::CallBuiltin {
                                dst: d,
                                builtin: Builtin::ToString as u16,
                                args: w,
                                argc: 1,
                            });
                        }
                    } else {
                        if !is_str {
                            f.emit(Instr::CallBuiltin {
                                dst: w,
                                builtin: Builtin::ToString as u16,
                                args: w,
                                argc: 1,
                            });
                        }
                        f.emit(Instr::Binary {
                            op: lir::BinOp::Add,
                            dst: d,
                            a: d,
                            b: w,
                        });
                    }
                }
            }
            f.free_to(mark);
            first = false;
        }
        if first {
            self.load_str(f, "", d, Span::default())?;
        }
        Ok(d)
    }

    /// Binary operators, with short-circuit `and`/`or`/`??`, ranges as lists, and
    /// `x + k` as `AddImm`.
    fn binary(
        &mut self,
        f: &mut FnCx,
        op: BinOp,
        lhs: &Expr,
        rhs: &Expr,
        span: Span,
        dst: Option<Reg>,
    ) -> R<Reg> {
        match op {
            BinOp::And | BinOp::Or | BinOp::Coalesce => {
                let d = dest(f, dst)?;
                self.expr(f, lhs, Some(d))?;
                let j = f.emit(match op {
                    BinOp::And => Instr::JumpIfFalse {
                        cond: d,
                        target: UNPATCHED,
                    },
                    BinOp::Or => Instr::JumpIfTrue {
                        cond: d,
                        target: UNPATCHED,
                    },
                    _ => Instr::JumpIfNotNull {
                        src: d,
                        target: UNPATCHED,
                    },
                });
                let mark = f.mark();
                self.expr(f, rhs, Some(d))?;
                f.free_to(mark);
                f.patch_here(&[j]);
                Ok(d)
            }
            BinOp::Range | BinOp::RangeInclusive => {
                let mark = f.mark();
                let w = f.alloc_n(2)?;
                self.expr(f, lhs, Some(w))?;
                self.expr(f, rhs, Some(w + 1))?;
                if op == BinOp::RangeInclusive {
                    f.emit(Instr::AddImm {
                        dst: w + 1,
                        a: w + 1,
                        imm: 1,
                    });
                }
                f.free_to(mark);
                let d = dst.unwrap_or(w);
                f.emit(Instr::CallBuiltin {
                    dst: d,
                    builtin: Builtin::Range as u16,
                    args: w,
                    argc: 2,
                });
                if dst.is_none() {
                    f.alloc()?;
                }
                Ok(d)
            }
            _ => {
                let mark = f.mark();
                if let Some(imm) = visit::add_imm(op, rhs) {
                    let a = self.expr(f, lhs, None)?;
                    f.free_to(mark);
                    let d = dest(f, dst)?;
                    f.emit(Instr::AddImm { dst: d, a, imm });
                    return Ok(d);
                }
                if op == BinOp::Add {
                    if let Some(imm) = visit::add_imm(op, lhs) {
                        let a = self.expr(f, rhs, None)?;
                        f.free_to(mark);
                        let d = dest(f, dst)?;
                        f.emit(Instr::AddImm { dst: d, a, imm });
                        return Ok(d);
                    }
                }
                let lop = binop(op, span)?;
                let a = self.expr(f, lhs, None)?;
                let b = self.expr(f, rhs, None)?;
                f.free_to(mark);
                let d = dest(f, dst)?;
                f.emit(self.binary_instr(f, Some(span), lop, d, a, b));
                Ok(d)
            }
        }
    }

    /// `dst = a op b`: `IntBinary` or `FloatBinary` when the checker proved both operands
    /// of the binary expression at `span` Int or Float and `op` is arithmetic or a
    /// comparison, else the generic `Binary`.
    pub(super) fn binary_instr(
        &self,
        f: &FnCx,
        span: Option<Span>,
        op: lir::BinOp,
        dst: Reg,
        a: Reg,
        b: Reg,
    ) -> Instr {
        use lir::BinOp as B;
        let numeric = !matches!(op, B::Concat | B::In | B::Pow);
        match span.and_then(|s| self.hints.scalar(f.file, s)) {
            Some(Scalar::Int) if numeric => Instr::IntBinary { op, dst, a, b },
            Some(Scalar::Float) if numeric => Instr::FloatBinary { op, dst, a, b },
            _ => Instr::Binary { op, dst, a, b },
        }
    }

    /// The run-time tests that make up an `is` type.
    fn type_tests(&self, f: &FnCx, ty: &TypeExpr, out: &mut Vec<TypeTest>) -> R<()> {
        match ty {
            TypeExpr::Named { name, .. } => {
                let test = match name.name.as_str() {
                    "Int" => TypeTest::Tag(TypeTag::Int),
                    "Float" => TypeTest::Tag(TypeTag::Float),
                    "Bool" => TypeTest::Tag(TypeTag::Bool),
                    "String" => TypeTest::Tag(TypeTag::String),
                    "Null" => TypeTest::Tag(TypeTag::Null),
                    "list" | "List" => TypeTest::Tag(TypeTag::List),
                    "map" | "Map" => TypeTest::Tag(TypeTag::Map),
                    "tuple" | "Tuple" => TypeTest::Tag(TypeTag::Tuple),
                    "result" | "Result" => TypeTest::Tag(TypeTag::Result),
                    "Json" | "Any" => TypeTest::Always,
                    other => match self.prog.lookup(f.file, other) {
                        Some(Symbol::Record { file, item } | Symbol::Enum { file, item }) => {
                            match self.t.type_ids.get(&(file, item)) {
                                Some(&id) => TypeTest::User(id),
                                None => return fail(name.span, format!("unknown type `{other}`")),
                            }
                        }
                        Some(Symbol::Variant {
                            file,
                            item,
                            variant,
                        }) => match self.t.variant_ids.get(&(file, item, variant)) {
                            Some(&id) => TypeTest::Variant(id),
                            None => return fail(name.span, format!("unknown variant `{other}`")),
                        },
                        _ => return fail(name.span, format!("unknown type `{other}`")),
                    },
                };
                out.push(test);
            }
            TypeExpr::Tuple { .. } => out.push(TypeTest::Tag(TypeTag::Tuple)),
            TypeExpr::Fn { .. } => out.push(TypeTest::Tag(TypeTag::Function)),
            TypeExpr::Union { items, .. } => {
                for t in items {
                    self.type_tests(f, t, out)?;
                }
            }
            TypeExpr::Optional { inner, .. } => {
                self.type_tests(f, inner, out)?;
                out.push(TypeTest::Tag(TypeTag::Null));
            }
        }
        Ok(())
    }

    /// `expr is Type`.
    fn is_test(&mut self, f: &mut FnCx, x: &Expr, ty: &TypeExpr, dst: Option<Reg>) -> R<Reg> {
        let mut tests = Vec::new();
        self.type_tests(f, ty, &mut tests)?;
        let emit_test = |f: &mut FnCx, t: TypeTest, dst: Reg, src: Reg| {
            f.emit(match t {
                TypeTest::Tag(tag) => Instr::IsType { dst, src, tag },
                TypeTest::User(ty) => Instr::IsUserType { dst, src, ty },
                TypeTest::Variant(variant) => Instr::IsVariant { dst, src, variant },
                TypeTest::Always => Instr::LoadBool { dst, value: true },
            });
        };
        if let [single] = tests.as_slice() {
            let mark = f.mark();
            let src = self.expr(f, x, None)?;
            f.free_to(mark);
            let d = dest(f, dst)?;
            emit_test(f, *single, d, src);
            return Ok(d);
        }
        let d = dest(f, dst)?;
        let mark = f.mark();
        let src = self.expr(f, x, None)?;
        let t = f.alloc()?;
        let mut yes = Vec::new();
        for test in tests {
            emit_test(f, test, t, src);
            yes.push(f.emit(Instr::JumpIfTrue {
                cond: t,
                target: UNPATCHED,
            }));
        }
        f.emit(Instr::LoadBool {
            dst: d,
            value: false,
        });
        let end = f.jump_fwd();
        f.patch_here(&yes);
        f.emit(Instr::LoadBool {
            dst: d,
            value: true,
        });
        f.patch_here(&[end]);
        f.free_to(mark);
        Ok(d)
    }

    /// Compiles a condition into jumps: returns the jumps taken when `e` is `when`;
    /// otherwise execution falls through.
    pub(super) fn cond_jump(&mut self, f: &mut FnCx, e: &Expr, when: bool) -> R<Vec<usize>> {
        let old = self.enter(f, e.span);
        let r = self.cond_inner(f, e, when);
        f.pos = old;
        r
    }

    fn cond_inner(&mut self, f: &mut FnCx, e: &Expr, when: bool) -> R<Vec<usize>> {
        match &e.kind {
            ExprKind::Bool(b) => Ok(if *b == when {
                vec![f.jump_fwd()]
            } else {
                Vec::new()
            }),
            ExprKind::Unary {
                op: UnOp::Not,
                expr,
            } => self.cond_jump(f, expr, !when),
            ExprKind::Binary {
                op: op @ (BinOp::And | BinOp::Or),
                lhs,
                rhs,
            } => {
                // `and` jumps on false as soon as one side is false; `or` on true.
                let short = *op == BinOp::Or;
                if when == short {
                    let mut a = self.cond_jump(f, lhs, when)?;
                    a.extend(self.cond_jump(f, rhs, when)?);
                    Ok(a)
                } else {
                    let skip = self.cond_jump(f, lhs, short)?;
                    let out = self.cond_jump(f, rhs, when)?;
                    f.patch_here(&skip);
                    Ok(out)
                }
            }
            ExprKind::Binary {
                op: op @ (BinOp::Eq | BinOp::Ne),
                lhs,
                rhs,
            } if matches!(rhs.kind, ExprKind::Null) || matches!(lhs.kind, ExprKind::Null) => {
                let other = if matches!(rhs.kind, ExprKind::Null) {
                    lhs
                } else {
                    rhs
                };
                let mark = f.mark();
                let src = self.expr(f, other, None)?;
                f.free_to(mark);
                // Jump when (value is null) == (op is Eq) matches `when`.
                let on_null = (*op == BinOp::Eq) == when;
                Ok(vec![f.emit(if on_null {
                    Instr::JumpIfNull {
                        src,
                        target: UNPATCHED,
                    }
                } else {
                    Instr::JumpIfNotNull {
                        src,
                        target: UNPATCHED,
                    }
                })])
            }
            _ => {
                let mark = f.mark();
                let cond = self.expr(f, e, None)?;
                f.free_to(mark);
                Ok(vec![f.emit(if when {
                    Instr::JumpIfTrue {
                        cond,
                        target: UNPATCHED,
                    }
                } else {
                    Instr::JumpIfFalse {
                        cond,
                        target: UNPATCHED,
                    }
                })])
            }
        }
    }

    /// `if`/`else if`/`else`; the taken block's value goes to `target` (null when no
    /// branch is taken and there is no `else`).
    pub(super) fn if_chain(
        &mut self,
        f: &mut FnCx,
        branches: &[(Expr, Block)],
        else_block: Option<&Block>,
        target: Target,
    ) -> R<()> {
        let mut ends = Vec::new();
        let n = branches.len();
        for (i, (cond, body)) in branches.iter().enumerate() {
            let fails = self.cond_jump(f, cond, false)?;
            self.block(f, body, target)?;
            let last = i + 1 == n;
            let more = !last || else_block.is_some() || matches!(target, Target::Reg(_));
            if more && !ends_block(body) && target != Target::Return {
                ends.push(f.jump_fwd());
            }
            f.patch_here(&fails);
        }
        match else_block {
            Some(b) => self.block(f, b, target)?,
            None => null_value(f, target),
        }
        f.patch_here(&ends);
        Ok(())
    }

    /// `when` arms: the first true condition's block (or `_`); null when none holds.
    pub(super) fn when_expr(
        &mut self,
        f: &mut FnCx,
        arms: &[ast::WhenArm],
        target: Target,
    ) -> R<()> {
        let mut ends = Vec::new();
        let mut has_default = false;
        for arm in arms {
            match &arm.cond {
                None => {
                    self.block(f, &arm.body, target)?;
                    has_default = true;
                    break;
                }
                Some(c) => {
                    let fails = self.cond_jump(f, c, false)?;
                    self.block(f, &arm.body, target)?;
                    if !ends_block(&arm.body) && target != Target::Return {
                        ends.push(f.jump_fwd());
                    }
                    f.patch_here(&fails);
                }
            }
        }
        if !has_default {
            null_value(f, target);
        }
        f.patch_here(&ends);
        Ok(())
    }

    /// `halt(msg)`: stops the program with the message.
    pub(super) fn halt(&mut self, f: &mut FnCx, args: &[ast::Arg], span: Span) -> R<()> {
        let [arg] = args else {
            return fail(span, "halt takes one argument");
        };
        let mark = f.mark();
        let msg = self.expr(f, &arg.value, None)?;
        f.emit(Instr::Fail {
            kind: FailKind::Halt,
            msg,
        });
        f.free_to(mark);
        Ok(())
    }
}

/// The value `null` for `target` (when no branch was taken).
pub(super) fn null_value(f: &mut FnCx, target: Target) {
    match target {
        Target::Reg(d) => {
            f.emit(Instr::LoadNull { dst: d });
        }
        Target::Return => {
            f.emit(Instr::ReturnNull);
        }
        Target::Discard => {}
    }
}

/// Which sequence instruction builds a literal.
#[derive(Debug, Clone, Copy)]
enum Seq {
    List,
    Tuple,
}
