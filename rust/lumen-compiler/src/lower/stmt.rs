//! Statements and blocks: `let` (with destructuring), assignment (plain, compound, to
//! `xs[i]` and `p.f`, with the in-place fast paths), `while`, `for` (counted over ranges,
//! indexed over anything else), `loop`, `break`/`continue`, `return`, and expression
//! statements.
//!
//! Temporaries are released at the end of every statement; a `let` keeps only the
//! registers of the names it binds, until its scope ends.

use super::expr::{ends_block, null_value, writes_last};
use super::regs::{FnCx, LoopCx, Target};
use super::{fail, visit, Lowerer, NameRef, R};
use crate::ast::{BinOp, Block, Expr, ExprKind, Pattern, PatternKind, Stmt, StmtKind};
use crate::span::Span;
use lumen_vm::builtins::Builtin;
use lumen_vm::lir::{FailKind, Instr, Reg};

/// What a `for` loop does with each element.
pub(super) enum ForBody<'a> {
    /// A `for` statement's body.
    Block(&'a Block),
    /// A comprehension: push the value of `expr` onto the list in `out`.
    Push { expr: &'a Expr, out: Reg },
}

/// Operators whose left-nested chains `x = x op a op b` are applied to `x` in place.
fn chain_op(op: BinOp) -> bool {
    matches!(
        op,
        BinOp::Add
            | BinOp::Sub
            | BinOp::Mul
            | BinOp::Div
            | BinOp::IntDiv
            | BinOp::Mod
            | BinOp::Pow
            | BinOp::Concat
    )
}

impl Lowerer<'_> {
    /// Lowers a block in its own scope; its value (the last expression statement, else
    /// null) goes to `target`.
    pub(super) fn block(&mut self, f: &mut FnCx, b: &Block, target: Target) -> R<()> {
        let scope = f.push_scope();
        let n = b.stmts.len();
        for (i, s) in b.stmts.iter().enumerate() {
            if i + 1 == n {
                if let StmtKind::Expr(e) = &s.kind {
                    let old = self.enter(f, s.span);
                    let m = f.mark();
                    match target {
                        Target::Reg(d) => {
                            self.expr(f, e, Some(d))?;
                        }
                        Target::Return => self.tail(f, e)?,
                        Target::Discard => self.effect(f, e)?,
                    }
                    f.free_to(m);
                    f.pos = old;
                    continue;
                }
            }
            self.stmt(f, s)?;
        }
        let has_value = matches!(b.stmts.last().map(|s| &s.kind), Some(StmtKind::Expr(_)));
        if !has_value && !ends_block(b) {
            null_value(f, target);
        }
        f.pop_scope(scope);
        Ok(())
    }

    /// Lowers `e` in tail position: its value is returned (each branch of an
    /// `if`/`match`/`when` returns on its own, with no jump to a common exit).
    pub(super) fn tail(&mut self, f: &mut FnCx, e: &Expr) -> R<()> {
        let old = self.enter(f, e.span);
        if !self.branching(f, e, Target::Return)? {
            let mark = f.mark();
            let r = self.expr(f, e, None)?;
            f.emit(Instr::Return { src: r });
            f.free_to(mark);
        }
        f.pos = old;
        Ok(())
    }

    /// Lowers one statement.
    pub(super) fn stmt(&mut self, f: &mut FnCx, s: &Stmt) -> R<()> {
        let old = self.enter(f, s.span);
        let mark = f.mark();
        match &s.kind {
            StmtKind::Let { pattern, value, .. } => self.let_stmt(f, pattern, value)?,
            StmtKind::Assign { target, op, value } => {
                self.assign(f, target, *op, value)?;
                f.free_to(mark);
            }
            StmtKind::While { cond, body } => self.while_loop(f, cond, body)?,
            StmtKind::For {
                pattern,
                iter,
                filter,
                body,
            } => self.for_loop(f, pattern, iter, filter.as_ref(), ForBody::Block(body))?,
            StmtKind::Loop { body } => {
                let top = f.here();
                f.loops.push(LoopCx::default());
                self.block(f, body, Target::Discard)?;
                f.emit(Instr::Jump { target: top });
                let lp = f.loops.pop().unwrap_or_default();
                for j in lp.continues {
                    f.patch(j, top);
                }
                f.patch_here(&lp.breaks);
            }
            StmtKind::Break | StmtKind::Continue => {
                let j = f.jump_fwd();
                let is_break = matches!(s.kind, StmtKind::Break);
                match f.loops.last_mut() {
                    Some(lp) if is_break => lp.breaks.push(j),
                    Some(lp) => lp.continues.push(j),
                    None => return fail(s.span, "`break`/`continue` outside a loop"),
                }
            }
            StmtKind::Return(None) => {
                f.emit(Instr::ReturnNull);
            }
            StmtKind::Return(Some(e)) => {
                let r = self.expr(f, e, None)?;
                f.emit(Instr::Return { src: r });
                f.free_to(mark);
            }
            StmtKind::Expr(e) => self.effect(f, e)?,
        }
        f.pos = old;
        Ok(())
    }

    /// `let pattern = value`.
    fn let_stmt(&mut self, f: &mut FnCx, pattern: &Pattern, value: &Expr) -> R<()> {
        match &pattern.kind {
            PatternKind::Bind(name) => {
                let r = f.alloc()?;
                self.expr(f, value, Some(r))?;
                f.free_to(u32::from(r) + 1);
                f.declare(name, r);
                return Ok(());
            }
            PatternKind::Wildcard => {
                let mark = f.mark();
                self.effect(f, value)?;
                f.free_to(mark);
                return Ok(());
            }
            _ => {}
        }
        let binds = self.bind_regs(f, pattern)?;
        let keep = f.mark();
        let v = self.expr(f, value, None)?;
        let mut fails = Vec::new();
        self.pattern(f, pattern, v, &binds, false, &mut fails)?;
        if !fails.is_empty() {
            let ok = f.jump_fwd();
            f.patch_here(&fails);
            self.fail_with(
                f,
                FailKind::NoMatch,
                "the value does not match the `let` pattern",
                pattern.span,
            )?;
            f.patch_here(&[ok]);
        }
        f.free_to(keep);
        for (n, r) in &binds {
            f.declare(n, *r);
        }
        Ok(())
    }

    /// `target = value` or `target op= value`.
    fn assign(&mut self, f: &mut FnCx, target: &Expr, op: Option<BinOp>, value: &Expr) -> R<()> {
        match &target.kind {
            ExprKind::Name(n) => {
                let Some(reg) = f.lookup(n) else {
                    return fail(
                        target.span,
                        format!("cannot assign to `{n}`: it is not a local variable"),
                    );
                };
                match op {
                    None => self.assign_local(f, n, reg, value),
                    Some(op) => self.apply_op(f, reg, op, value, None),
                }
            }
            ExprKind::Index {
                target: base,
                index,
            } => {
                let (obj, write_back) = self.lvalue_base(f, base)?;
                let idx = self.expr(f, index, None)?;
                let src = match op {
                    None => self.expr(f, value, None)?,
                    Some(op) => {
                        let cur = f.alloc()?;
                        f.emit(Instr::GetIndex { dst: cur, obj, idx });
                        self.apply_op(f, cur, op, value, None)?;
                        cur
                    }
                };
                f.emit(Instr::SetIndex { obj, idx, src });
                if write_back {
                    self.write_back(f, base, obj)?;
                }
                Ok(())
            }
            ExprKind::Field {
                target: base, name, ..
            } => {
                let name_id = self.t.name(&name.name, name.span)?;
                let (obj, write_back) = self.lvalue_base(f, base)?;
                let src = match op {
                    None => self.expr(f, value, None)?,
                    Some(op) => {
                        let cur = f.alloc()?;
                        f.emit(Instr::GetField {
                            dst: cur,
                            obj,
                            name: name_id,
                        });
                        self.apply_op(f, cur, op, value, None)?;
                        cur
                    }
                };
                f.emit(Instr::SetField {
                    obj,
                    name: name_id,
                    src,
                });
                if write_back {
                    self.write_back(f, base, obj)?;
                }
                Ok(())
            }
            _ => fail(target.span, "this expression cannot be assigned to"),
        }
    }

    /// `reg = reg op value` in place (`AddImm` for `+ k`/`- k`); `span`: the binary
    /// expression it comes from, whose operand types may make it a typed instruction.
    fn apply_op(
        &mut self,
        f: &mut FnCx,
        reg: Reg,
        op: BinOp,
        value: &Expr,
        span: Option<Span>,
    ) -> R<()> {
        if let Some(imm) = visit::add_imm(op, value) {
            f.emit(Instr::AddImm {
                dst: reg,
                a: reg,
                imm,
            });
            return Ok(());
        }
        let lop = super::expr::binop(op, value.span)?;
        let mark = f.mark();
        let b = self.expr(f, value, None)?;
        f.emit(self.binary_instr(f, span, lop, reg, reg, b));
        f.free_to(mark);
        Ok(())
    }

    /// `x = value` for a local `x` in register `reg`, with the in-place fast paths.
    fn assign_local(&mut self, f: &mut FnCx, n: &str, reg: Reg, value: &Expr) -> R<()> {
        let mark = f.mark();
        // xs = append(xs, e)  →  Push
        if let ExprKind::Call { callee, args } = &value.kind {
            if let (ExprKind::Name(c), [list, item]) = (&callee.kind, args.as_slice()) {
                let is_append =
                    matches!(self.resolve_name(f, c), NameRef::Builtin(Builtin::Append));
                if is_append
                    && list.name.is_none()
                    && item.name.is_none()
                    && matches!(&list.value.kind, ExprKind::Name(x) if x == n)
                    && !visit::mentions(&item.value, n)
                {
                    let old = self.enter(f, value.span);
                    let v = self.expr(f, &item.value, None)?;
                    f.emit(Instr::Push { list: reg, src: v });
                    f.free_to(mark);
                    f.pos = old;
                    return Ok(());
                }
            }
        }
        // x = x op a op b ...  →  x op= a; x op= b (in place for strings and lists)
        let mut spine = Vec::new();
        let mut cur = value;
        while let ExprKind::Binary { op, lhs, rhs } = &cur.kind {
            if !chain_op(*op) {
                break;
            }
            spine.push((*op, rhs.as_ref(), cur.span));
            cur = lhs;
        }
        if !spine.is_empty()
            && matches!(&cur.kind, ExprKind::Name(x) if x == n)
            && spine.iter().all(|(_, r, _)| !visit::mentions(r, n))
        {
            for (op, rhs, span) in spine.iter().rev() {
                let old = self.enter(f, *span);
                self.apply_op(f, reg, *op, rhs, Some(*span))?;
                f.pos = old;
            }
            return Ok(());
        }
        // xs = f(xs, ...)  →  the argument is moved, so the callee may update it in place.
        if let ExprKind::Call { callee, args } = &value.kind {
            let old = self.enter(f, value.span);
            self.call(f, callee, args, value.span, Some(reg), Some(n))?;
            f.pos = old;
            f.free_to(mark);
            return Ok(());
        }
        if visit::mentions(value, n) && !writes_last(value) {
            let t = self.expr(f, value, None)?;
            if t != reg {
                f.emit(if f.is_temp(t, mark) {
                    Instr::Take { dst: reg, src: t }
                } else {
                    Instr::Move { dst: reg, src: t }
                });
            }
        } else {
            self.expr(f, value, Some(reg))?;
        }
        f.free_to(mark);
        Ok(())
    }

    /// The register holding the object an index/field assignment updates, and whether it
    /// is a copy that must be written back to `base` afterwards.
    fn lvalue_base(&mut self, f: &mut FnCx, base: &Expr) -> R<(Reg, bool)> {
        if let ExprKind::Name(n) = &base.kind {
            return match f.lookup(n) {
                Some(r) => Ok((r, false)),
                None => fail(
                    base.span,
                    format!("cannot assign into `{n}`: it is not a local variable"),
                ),
            };
        }
        let t = f.alloc()?;
        self.expr(f, base, Some(t))?;
        Ok((t, true))
    }

    /// Stores the value in `src` (a temporary) into the assignable expression `target`.
    fn write_back(&mut self, f: &mut FnCx, target: &Expr, src: Reg) -> R<()> {
        match &target.kind {
            ExprKind::Name(n) => match f.lookup(n) {
                Some(r) => {
                    f.emit(Instr::Take { dst: r, src });
                    Ok(())
                }
                None => fail(target.span, format!("cannot assign to `{n}`")),
            },
            ExprKind::Index {
                target: base,
                index,
            } => {
                let (obj, wb) = self.lvalue_base(f, base)?;
                let idx = self.expr(f, index, None)?;
                f.emit(Instr::SetIndex { obj, idx, src });
                if wb {
                    self.write_back(f, base, obj)?;
                }
                Ok(())
            }
            ExprKind::Field {
                target: base, name, ..
            } => {
                let name_id = self.t.name(&name.name, name.span)?;
                let (obj, wb) = self.lvalue_base(f, base)?;
                f.emit(Instr::SetField {
                    obj,
                    name: name_id,
                    src,
                });
                if wb {
                    self.write_back(f, base, obj)?;
                }
                Ok(())
            }
            _ => fail(target.span, "this expression cannot be assigned to"),
        }
    }

    /// `while cond ... end`, with the test at the bottom (one jump per iteration).
    fn while_loop(&mut self, f: &mut FnCx, cond: &Expr, body: &Block) -> R<()> {
        let to_test = f.jump_fwd();
        let top = f.here();
        f.loops.push(LoopCx::default());
        self.block(f, body, Target::Discard)?;
        let lp = f.loops.pop().unwrap_or_default();
        f.patch_here(&lp.continues);
        f.patch_here(&[to_test]);
        for j in self.cond_jump(f, cond, true)? {
            f.patch(j, top);
        }
        f.patch_here(&lp.breaks);
        Ok(())
    }

    /// The bounds of a counted loop: `a..b`, `a..=b`, `range(n)`, `range(a, b)`.
    fn counted<'e>(
        &self,
        f: &FnCx,
        iter: &'e Expr,
    ) -> Option<(Option<&'e Expr>, Option<&'e Expr>, bool)> {
        match &iter.kind {
            ExprKind::Binary {
                op: op @ (BinOp::Range | BinOp::RangeInclusive),
                lhs,
                rhs,
            } => Some((Some(lhs), Some(rhs), *op == BinOp::RangeInclusive)),
            ExprKind::Call { callee, args } => {
                let ExprKind::Name(n) = &callee.kind else {
                    return None;
                };
                if !matches!(self.resolve_name(f, n), NameRef::Builtin(Builtin::Range))
                    || args.iter().any(|a| a.name.is_some())
                {
                    return None;
                }
                match args.as_slice() {
                    [end] => Some((None, Some(&end.value), false)),
                    [start, end] => Some((Some(&start.value), Some(&end.value), false)),
                    _ => None,
                }
            }
            _ => None,
        }
    }

    /// `for pattern in iter [if filter]` over a counted range or any iterable value.
    pub(super) fn for_loop(
        &mut self,
        f: &mut FnCx,
        pattern: &Pattern,
        iter: &Expr,
        filter: Option<&Expr>,
        body: ForBody<'_>,
    ) -> R<()> {
        let scope = f.push_scope();
        let simple = match &pattern.kind {
            PatternKind::Bind(n) => Some(n.as_str()),
            _ => None,
        };
        if let Some((lo, hi, inclusive)) = self.counted(f, iter) {
            // The loop variable itself counts when the body never assigns it.
            let direct = match (simple, &body) {
                (Some(n), ForBody::Block(b)) => !visit::assigns(b, n),
                (Some(_), ForBody::Push { .. }) => true,
                _ => false,
            };
            let counter = f.alloc()?;
            match lo {
                Some(lo) => {
                    self.expr(f, lo, Some(counter))?;
                }
                None => {
                    f.emit(Instr::LoadInt {
                        dst: counter,
                        value: 0,
                    });
                }
            }
            f.free_to(u32::from(counter) + 1);
            let end = f.alloc()?;
            if let Some(hi) = hi {
                self.expr(f, hi, Some(end))?;
            }
            f.free_to(u32::from(end) + 1);
            let binds = if direct {
                Vec::new()
            } else {
                self.bind_regs(f, pattern)?
            };
            let to_test = f.jump_fwd();
            let step = inclusive.then(|| f.loop_increment(counter));
            let top = f.here();
            if let (true, Some(n)) = (direct, simple) {
                f.declare(n, counter);
            } else {
                self.bind_item(f, pattern, counter, &binds)?;
            }
            self.loop_rest(f, filter, &body, (counter, end, step), to_test, top)?;
        } else {
            let list = f.alloc()?;
            let src = self.expr(f, iter, None)?;
            f.emit(Instr::IterPrep { dst: list, src });
            f.free_to(u32::from(list) + 1);
            let n = f.alloc()?;
            f.emit(Instr::Len { dst: n, src: list });
            let i = f.alloc()?;
            f.emit(Instr::LoadInt { dst: i, value: 0 });
            let item = f.alloc()?;
            let binds = if simple.is_some() {
                Vec::new()
            } else {
                self.bind_regs(f, pattern)?
            };
            let to_test = f.jump_fwd();
            let top = f.here();
            f.emit(Instr::IterGet {
                dst: item,
                list,
                idx: i,
            });
            match simple {
                Some(name) => f.declare(name, item),
                None => self.bind_item(f, pattern, item, &binds)?,
            }
            self.loop_rest(f, filter, &body, (i, n, None), to_test, top)?;
            // Drop the loop's references so later in-place updates stay O(1).
            f.emit(Instr::LoadNull { dst: list });
            f.emit(Instr::LoadNull { dst: item });
        }
        f.pop_scope(scope);
        Ok(())
    }

    /// The part of a `for` loop after the element is bound: the filter, the body, and
    /// `count_up_and_loop` over `(counter, bound, step)` (`step`: the increment label of an
    /// inclusive range), with `continue` and `break`
    /// patched around it.
    fn loop_rest(
        &mut self,
        f: &mut FnCx,
        filter: Option<&Expr>,
        body: &ForBody<'_>,
        (counter, bound, step): (Reg, Reg, Option<u32>),
        to_test: usize,
        top: u32,
    ) -> R<()> {
        f.loops.push(LoopCx::default());
        let skips = match filter {
            Some(c) => self.cond_jump(f, c, false)?,
            None => Vec::new(),
        };
        self.for_body(f, body)?;
        let lp = f.loops.pop().unwrap_or_default();
        f.patch_here(&lp.continues);
        f.patch_here(&skips);
        f.count_up_and_loop(counter, bound, step, to_test, top)?;
        f.patch_here(&lp.breaks);
        Ok(())
    }

    /// Binds a `for` pattern to the current element and declares its names.
    fn bind_item(
        &mut self,
        f: &mut FnCx,
        pattern: &Pattern,
        src: Reg,
        binds: &[(String, Reg)],
    ) -> R<()> {
        let mut fails = Vec::new();
        self.pattern(f, pattern, src, binds, false, &mut fails)?;
        if !fails.is_empty() {
            let ok = f.jump_fwd();
            f.patch_here(&fails);
            self.fail_with(
                f,
                FailKind::NoMatch,
                "an element does not match the `for` pattern",
                pattern.span,
            )?;
            f.patch_here(&[ok]);
        }
        for (n, r) in binds {
            f.declare(n, *r);
        }
        Ok(())
    }

    fn for_body(&mut self, f: &mut FnCx, body: &ForBody<'_>) -> R<()> {
        match body {
            ForBody::Block(b) => self.block(f, b, Target::Discard),
            ForBody::Push { expr, out } => {
                let mark = f.mark();
                let v = self.expr(f, expr, None)?;
                f.emit(Instr::Push { list: *out, src: v });
                f.free_to(mark);
                Ok(())
            }
        }
    }

    /// Allocates one register per name a pattern binds (not declared yet).
    pub(super) fn bind_regs(&mut self, f: &mut FnCx, p: &Pattern) -> R<Vec<(String, Reg)>> {
        fn names(p: &Pattern, out: &mut Vec<String>) {
            let mut add = |n: &str| {
                if n != "_" && !out.iter().any(|x| x == n) {
                    out.push(n.to_string());
                }
            };
            match &p.kind {
                PatternKind::Bind(n) => add(n),
                PatternKind::List { items, rest } => {
                    if let Some(Some(id)) = rest {
                        add(&id.name);
                    }
                    for x in items {
                        names(x, out);
                    }
                }
                PatternKind::Variant { args, .. } => {
                    for a in args {
                        names(&a.pattern, out);
                    }
                }
                PatternKind::Tuple(items) => {
                    for x in items {
                        names(x, out);
                    }
                }
                PatternKind::Or(alts) => {
                    for x in alts {
                        names(x, out);
                    }
                }
                PatternKind::Wildcard | PatternKind::Literal(_) | PatternKind::Range { .. } => {}
            }
        }
        let mut list = Vec::new();
        names(p, &mut list);
        let mut out = Vec::with_capacity(list.len());
        for n in list {
            let r = f.alloc()?;
            out.push((n, r));
        }
        Ok(out)
    }
}
