//! Match compilation: `match` as sequential arm tests, and the pattern tests shared with
//! `let` and `for` destructuring.
//!
//! A pattern test reads the value in a source register, writes the bound names into
//! registers allocated beforehand (so every alternative of an or-pattern binds the same
//! registers), and adds to `fails` the jumps taken when the value does not match.
//! Irrefutable contexts (`let`, `for`) skip the shape checks the checker guarantees.

use super::regs::{FnCx, Target, UNPATCHED};
use super::{fail, Lowerer, R};
use crate::ast::{self, Expr, ExprKind, MatchArm, Pattern, PatternArg, PatternKind};
use crate::resolve::Symbol;
use lumen_vm::builtins::Builtin;
use lumen_vm::lir::{self, FailKind, Instr, Reg, TypeTag};

/// The register bound to `name`, if the pattern binds it.
fn bind_reg(binds: &[(String, Reg)], name: &str) -> Option<Reg> {
    binds.iter().find(|(n, _)| n == name).map(|(_, r)| *r)
}

impl Lowerer<'_> {
    /// `match scrutinee ... end`; the taken arm's value goes to `target`.
    pub(super) fn match_expr(
        &mut self,
        f: &mut FnCx,
        scrutinee: &Expr,
        arms: &[MatchArm],
        target: Target,
    ) -> R<()> {
        let mark = f.mark();
        let s = self.expr(f, scrutinee, None)?;
        let mut ends = Vec::new();
        let mut falls_through = true;
        for (i, arm) in arms.iter().enumerate() {
            let old = self.enter(f, arm.span);
            let scope = f.push_scope();
            let binds = self.bind_regs(f, &arm.pattern)?;
            let mut fails = Vec::new();
            self.pattern(f, &arm.pattern, s, &binds, true, &mut fails)?;
            for (n, r) in &binds {
                f.declare(n, *r);
            }
            if let Some(g) = &arm.guard {
                fails.extend(self.cond_jump(f, g, false)?);
            }
            self.block(f, &arm.body, target)?;
            f.pop_scope(scope);
            let last = i + 1 == arms.len();
            if (!last || !fails.is_empty())
                && !super::expr::ends_block(&arm.body)
                && target != Target::Return
            {
                ends.push(f.jump_fwd());
            }
            f.patch_here(&fails);
            if last {
                falls_through = !fails.is_empty();
            }
            f.pos = old;
        }
        if falls_through {
            self.fail_with(
                f,
                FailKind::NoMatch,
                "no match arm matches the value",
                scrutinee.span,
            )?;
        }
        f.patch_here(&ends);
        f.free_to(mark);
        Ok(())
    }

    /// Tests `p` against the value in `src`; see the module docs.
    pub(super) fn pattern(
        &mut self,
        f: &mut FnCx,
        p: &Pattern,
        src: Reg,
        binds: &[(String, Reg)],
        refutable: bool,
        fails: &mut Vec<usize>,
    ) -> R<()> {
        let mark = f.mark();
        match &p.kind {
            PatternKind::Wildcard => {}
            PatternKind::Bind(n) => {
                if let Some(r) = bind_reg(binds, n) {
                    if r != src {
                        f.emit(Instr::Move { dst: r, src });
                    }
                }
            }
            PatternKind::Literal(e) => {
                if matches!(e.kind, ExprKind::Null) {
                    fails.push(f.emit(Instr::JumpIfNotNull {
                        src,
                        target: UNPATCHED,
                    }));
                } else {
                    let lit = self.expr(f, e, None)?;
                    let c = f.alloc()?;
                    fail_unless(f, lir::BinOp::Eq, (c, src, lit), fails);
                }
            }
            PatternKind::Range {
                start,
                end,
                inclusive,
            } => {
                let c = f.alloc()?;
                let lo = self.expr(f, start, None)?;
                fail_unless(f, lir::BinOp::Ge, (c, src, lo), fails);
                let hi = self.expr(f, end, None)?;
                let below = if *inclusive {
                    lir::BinOp::Le
                } else {
                    lir::BinOp::Lt
                };
                fail_unless(f, below, (c, src, hi), fails);
            }
            PatternKind::Variant { name, args } => {
                self.variant_pattern(f, p, name, args, src, binds, refutable, fails)?
            }
            PatternKind::Tuple(items) => {
                if refutable {
                    self.shape_check(f, src, TypeTag::Tuple, fails)?;
                }
                for (i, item) in items.iter().enumerate() {
                    let Ok(slot) = u16::try_from(i) else {
                        return fail(item.span, "tuple pattern is too long");
                    };
                    self.sub_pattern(f, item, binds, refutable, fails, |dst| Instr::GetSlot {
                        dst,
                        obj: src,
                        slot,
                    })?;
                }
            }
            PatternKind::List { items, rest } => {
                self.list_pattern(f, items, rest.as_ref(), src, binds, refutable, fails)?
            }
            PatternKind::Or(alts) => {
                if alts.is_empty() {
                    fails.push(f.jump_fwd());
                }
                let mut oks = Vec::new();
                for (i, alt) in alts.iter().enumerate() {
                    if i + 1 == alts.len() {
                        self.pattern(f, alt, src, binds, refutable, fails)?;
                    } else {
                        let mut local = Vec::new();
                        self.pattern(f, alt, src, binds, refutable, &mut local)?;
                        oks.push(f.jump_fwd());
                        f.patch_here(&local);
                    }
                }
                f.patch_here(&oks);
            }
        }
        f.free_to(mark);
        Ok(())
    }

    /// Fails unless the value in `src` has the built-in type `tag`.
    fn shape_check(
        &mut self,
        f: &mut FnCx,
        src: Reg,
        tag: TypeTag,
        fails: &mut Vec<usize>,
    ) -> R<()> {
        let c = f.alloc()?;
        f.emit(Instr::IsType { dst: c, src, tag });
        fail_if_false(f, c, fails);
        Ok(())
    }

    /// Extracts a part of the value with `get` (given the destination register) and tests
    /// the sub-pattern against it; bindings receive the part directly.
    fn sub_pattern(
        &mut self,
        f: &mut FnCx,
        p: &Pattern,
        binds: &[(String, Reg)],
        refutable: bool,
        fails: &mut Vec<usize>,
        get: impl Fn(Reg) -> Instr,
    ) -> R<()> {
        match &p.kind {
            PatternKind::Wildcard => Ok(()),
            PatternKind::Bind(n) => {
                if let Some(r) = bind_reg(binds, n) {
                    f.emit(get(r));
                }
                Ok(())
            }
            _ => {
                let mark = f.mark();
                let t = f.alloc()?;
                f.emit(get(t));
                self.pattern(f, p, t, binds, refutable, fails)?;
                f.free_to(mark);
                Ok(())
            }
        }
    }

    /// `Name`, `Name(p, q)`, `Name(field: p)`, `ok(p)`, `err(p)` (and record patterns).
    #[allow(clippy::too_many_arguments)]
    fn variant_pattern(
        &mut self,
        f: &mut FnCx,
        p: &Pattern,
        name: &ast::Ident,
        args: &[PatternArg],
        src: Reg,
        binds: &[(String, Reg)],
        refutable: bool,
        fails: &mut Vec<usize>,
    ) -> R<()> {
        let sym = self.prog.lookup(f.file, &name.name);
        if sym.is_none() && (name.name == "ok" || name.name == "err") {
            if refutable {
                self.shape_check(f, src, TypeTag::Result, fails)?;
            }
            let c = f.alloc()?;
            f.emit(Instr::IsOk { dst: c, src });
            fails.push(f.emit(if name.name == "ok" {
                Instr::JumpIfFalse {
                    cond: c,
                    target: UNPATCHED,
                }
            } else {
                Instr::JumpIfTrue {
                    cond: c,
                    target: UNPATCHED,
                }
            }));
            return match args {
                [] => Ok(()),
                [a] => self.sub_pattern(f, &a.pattern, binds, refutable, fails, |dst| {
                    Instr::Unwrap { dst, src }
                }),
                _ => fail(p.span, format!("`{}` takes one sub-pattern", name.name)),
            };
        }
        // Slot names of the variant (or record) in declaration order.
        let (test, slots): (Instr, Vec<Option<String>>) = match sym {
            Some(Symbol::Variant {
                file,
                item,
                variant,
            }) => {
                let Some(&id) = self.t.variant_ids.get(&(file, item, variant)) else {
                    return fail(name.span, format!("unknown variant `{}`", name.name));
                };
                let fields = match self.item(file, item) {
                    Some(ast::Item::Enum(e)) => e
                        .variants
                        .get(variant)
                        .map(|v| {
                            v.fields
                                .iter()
                                .map(|x| x.name.as_ref().map(|n| n.name.clone()))
                                .collect()
                        })
                        .unwrap_or_default(),
                    _ => Vec::new(),
                };
                let c = f.alloc()?;
                (
                    Instr::IsVariant {
                        dst: c,
                        src,
                        variant: id,
                    },
                    fields,
                )
            }
            Some(Symbol::Record { file, item }) => {
                let Some(&id) = self.t.type_ids.get(&(file, item)) else {
                    return fail(name.span, format!("unknown record `{}`", name.name));
                };
                let fields = match self.item(file, item) {
                    Some(ast::Item::Record(r)) => {
                        r.fields.iter().map(|x| Some(x.name.name.clone())).collect()
                    }
                    _ => Vec::new(),
                };
                let c = f.alloc()?;
                (
                    Instr::IsUserType {
                        dst: c,
                        src,
                        ty: id,
                    },
                    fields,
                )
            }
            _ => return fail(name.span, format!("`{}` is not a variant", name.name)),
        };
        let cond = match test {
            Instr::IsVariant { dst, .. } | Instr::IsUserType { dst, .. } => dst,
            _ => return fail(name.span, "internal: bad variant test"),
        };
        f.emit(test);
        fail_if_false(f, cond, fails);
        for (i, a) in args.iter().enumerate() {
            let slot = match &a.name {
                Some(n) => match slots
                    .iter()
                    .position(|s| s.as_deref() == Some(n.name.as_str()))
                {
                    Some(s) => s,
                    None => {
                        return fail(
                            n.span,
                            format!("`{}` has no field named `{}`", name.name, n.name),
                        )
                    }
                },
                None => i,
            };
            if slot >= slots.len() {
                return fail(
                    a.pattern.span,
                    format!("too many sub-patterns for `{}`", name.name),
                );
            }
            let Ok(slot) = u16::try_from(slot) else {
                return fail(a.pattern.span, "pattern is too long");
            };
            self.sub_pattern(f, &a.pattern, binds, refutable, fails, |dst| {
                Instr::GetSlot {
                    dst,
                    obj: src,
                    slot,
                }
            })?;
        }
        Ok(())
    }

    /// `[p, q]` and `[p, ...rest]`.
    #[allow(clippy::too_many_arguments)]
    fn list_pattern(
        &mut self,
        f: &mut FnCx,
        items: &[Pattern],
        rest: Option<&Option<ast::Ident>>,
        src: Reg,
        binds: &[(String, Reg)],
        refutable: bool,
        fails: &mut Vec<usize>,
    ) -> R<()> {
        let Ok(count) = i32::try_from(items.len()) else {
            return fail(crate::span::Span::default(), "list pattern is too long");
        };
        if refutable {
            self.shape_check(f, src, TypeTag::List, fails)?;
        }
        let n = f.alloc()?;
        f.emit(Instr::Len { dst: n, src });
        let k = f.alloc()?;
        f.emit(Instr::LoadInt {
            dst: k,
            value: count,
        });
        let length_ok = if rest.is_some() {
            lir::BinOp::Ge
        } else {
            lir::BinOp::Eq
        };
        fail_unless(f, length_ok, (n, n, k), fails);
        for (i, item) in items.iter().enumerate() {
            if matches!(item.kind, PatternKind::Wildcard) {
                continue;
            }
            let mark = f.mark();
            let idx = f.alloc()?;
            f.emit(Instr::LoadInt {
                dst: idx,
                value: i as i32,
            });
            self.sub_pattern(f, item, binds, refutable, fails, |dst| Instr::GetIndex {
                dst,
                obj: src,
                idx,
            })?;
            f.free_to(mark);
        }
        if let Some(Some(id)) = rest {
            if let Some(r) = bind_reg(binds, &id.name) {
                let mark = f.mark();
                let w = f.alloc_n(2)?;
                f.emit(Instr::Move { dst: w, src });
                f.emit(Instr::LoadInt {
                    dst: w + 1,
                    value: count,
                });
                f.emit(Instr::CallBuiltin {
                    dst: r,
                    builtin: Builtin::Drop as u16,
                    args: w,
                    argc: 2,
                });
                f.free_to(mark);
            }
        }
        Ok(())
    }
}

/// Records in `fails` a jump taken when `cond` is false.
fn fail_if_false(f: &mut FnCx, cond: Reg, fails: &mut Vec<usize>) {
    fails.push(f.emit(Instr::JumpIfFalse {
        cond,
        target: UNPATCHED,
    }));
}

/// Emits `c = a op b` for `(c, a, b)`, then fails (see [`fail_if_false`]) when `c` is false.
fn fail_unless(f: &mut FnCx, op: lir::BinOp, (c, a, b): (Reg, Reg, Reg), fails: &mut Vec<usize>) {
    f.emit(Instr::Binary { op, dst: c, a, b });
    fail_if_false(f, c, fails);
}
