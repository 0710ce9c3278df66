//! Statements and blocks: `let`, assignment (with `mut` checks and refinement of inference
//! holes), loops, `break`/`continue`/`return`, and the value type of a block.
//!
//! A block's type is the type of its last statement when that is an expression, `Null`
//! otherwise, and `Never` when some statement never finishes.

use super::narrow::Facts;
use super::types::{refine, Type};
use super::Checker;
use crate::ast::{Block, Expr, ExprKind, Pattern, PatternKind, Stmt, StmtKind};
use crate::diagnostic::codes;
use crate::resolve::Symbol;

impl Checker<'_> {
    /// Checks a block in a new scope; `hint` is the type its value is expected to have.
    pub(super) fn block(&mut self, b: &Block, hint: Option<&Type>) -> Type {
        self.block_with(b, hint, &Vec::new())
    }

    /// Checks a block in a new scope where `facts` hold.
    pub(super) fn block_with(&mut self, b: &Block, hint: Option<&Type>, facts: &Facts) -> Type {
        self.env.push();
        self.apply(facts);
        let mut diverged = false;
        let mut last = Type::Null;
        let n = b.stmts.len();
        for (i, s) in b.stmts.iter().enumerate() {
            let is_last = i + 1 == n;
            let t = self.stmt(s, if is_last { hint } else { None });
            if t == Type::Never {
                diverged = true;
            }
            if is_last {
                last = match s.kind {
                    StmtKind::Expr(_) => t,
                    _ => Type::Null,
                };
            }
        }
        self.env.pop();
        if diverged {
            Type::Never
        } else {
            last
        }
    }

    /// Checks one statement; returns its value type (`Never` when it does not finish).
    fn stmt(&mut self, s: &Stmt, hint: Option<&Type>) -> Type {
        match &s.kind {
            StmtKind::Expr(e) => self.expr(e, hint),
            StmtKind::Let {
                mutable,
                pattern,
                ty,
                value,
            } => {
                let ann = ty.as_ref().map(|t| self.resolve_type(t));
                let vt = match &ann {
                    Some(a) => {
                        let v = self.expr(value, Some(a));
                        self.require(&v, a, "", value.span);
                        v
                    }
                    None => self.expr(value, None),
                };
                let bind_ty = match (&ann, &vt) {
                    (Some(a), _) => a.clone(),
                    (None, Type::Null) if *mutable => Type::optional(Type::Unknown),
                    (None, Type::Never) => Type::Unknown,
                    (None, v) => v.clone(),
                };
                self.bind_pattern(pattern, &bind_ty, *mutable);
                if vt == Type::Never {
                    Type::Never
                } else {
                    Type::Null
                }
            }
            StmtKind::Assign { target, op, value } => {
                self.assign(target, *op, value, s);
                Type::Null
            }
            StmtKind::While { cond, body } => {
                self.widen_assigned(body);
                let ct = self.expr(cond, Some(&Type::Bool));
                self.require(&ct, &Type::Bool, "`while` condition", cond.span);
                let (facts, _) = self.facts(cond);
                let broke = self.loop_body(body, &facts);
                let infinite = matches!(cond.kind, ExprKind::Bool(true));
                if infinite && !broke {
                    Type::Never
                } else {
                    Type::Null
                }
            }
            StmtKind::Loop { body } => {
                let broke = self.loop_body(body, &Vec::new());
                if broke {
                    Type::Null
                } else {
                    Type::Never
                }
            }
            StmtKind::For {
                pattern,
                iter,
                filter,
                body,
            } => {
                let it = self.expr(iter, None);
                let elem = self.iter_elem(&it, iter.span);
                self.env.push();
                self.bind_pattern(pattern, &elem, false);
                let mut facts = Vec::new();
                if let Some(f) = filter {
                    let ft = self.expr(f, Some(&Type::Bool));
                    self.require(&ft, &Type::Bool, "`for` filter", f.span);
                    facts = self.facts(f).0;
                }
                self.loop_body(body, &facts);
                self.env.pop();
                Type::Null
            }
            StmtKind::Break | StmtKind::Continue => {
                let word = if matches!(s.kind, StmtKind::Break) {
                    "break"
                } else {
                    "continue"
                };
                let is_break = word == "break";
                match self.fns.last_mut().and_then(|f| f.loops.last_mut()) {
                    Some(has_break) => {
                        if is_break {
                            *has_break = true;
                        }
                    }
                    None => self.err(
                        codes::MISPLACED_CONTROL,
                        format!("`{word}` outside a loop"),
                        s.span,
                    ),
                }
                Type::Never
            }
            StmtKind::Return(value) => {
                let Some(ctx) = self.fns.last() else {
                    self.err(codes::MISPLACED_CONTROL, "`return` outside a cell", s.span);
                    if let Some(v) = value {
                        self.expr(v, None);
                    }
                    return Type::Never;
                };
                let declared = ctx.ret.clone();
                let t = match value {
                    Some(v) => self.expr(v, declared.as_ref()),
                    None => Type::Null,
                };
                match declared {
                    Some(r) => {
                        let span = value.as_ref().map(|v| v.span).unwrap_or(s.span);
                        self.require(&t, &r, "return value", span);
                    }
                    None => {
                        if let Some(ctx) = self.fns.last_mut() {
                            ctx.returns.push(t);
                        }
                    }
                }
                Type::Never
            }
        }
    }

    /// Widens every binding a loop body assigns: the body (and a `while` condition) runs
    /// again after those assignments, so narrowings from before the loop do not hold.
    fn widen_assigned(&mut self, body: &Block) {
        let mut names = Vec::new();
        super::narrow::assigned_in_block(body, &mut names, 0);
        for n in names {
            if let Some(id) = self.env.lookup(&n) {
                self.env.widen(id);
            }
        }
    }

    /// Checks a loop body; returns whether it contains a `break` for this loop.
    fn loop_body(&mut self, body: &Block, facts: &Facts) -> bool {
        self.widen_assigned(body);
        if let Some(f) = self.fns.last_mut() {
            f.loops.push(false);
        }
        self.block_with(body, None, facts);
        self.fns
            .last_mut()
            .and_then(|f| f.loops.pop())
            .unwrap_or(false)
    }

    /// The element type of iterating over a value of type `t`.
    pub(super) fn iter_elem(&mut self, t: &Type, span: crate::span::Span) -> Type {
        match t {
            Type::List(e) => (**e).clone(),
            Type::Map(k, v) => Type::Tuple(vec![(**k).clone(), (**v).clone()]),
            Type::Str => Type::Str,
            Type::Json | Type::Error | Type::Unknown => t.clone(),
            Type::Never => Type::Unknown,
            _ => {
                self.err(
                    codes::TYPE_MISMATCH,
                    format!("cannot iterate: expected a list, map or String, found {t}"),
                    span,
                );
                Type::Error
            }
        }
    }

    /// Binds a `let`/`for` pattern (a plain name, a tuple, ...) to a value of type `t`.
    pub(super) fn bind_pattern(&mut self, p: &Pattern, t: &Type, mutable: bool) {
        match &p.kind {
            PatternKind::Bind(n) => self.env.bind(n, t.clone(), mutable),
            PatternKind::Wildcard => {}
            _ => self.check_pattern(p, t, mutable),
        }
    }

    /// Checks `target [op]= value`.
    fn assign(&mut self, target: &Expr, op: Option<crate::ast::BinOp>, value: &Expr, s: &Stmt) {
        match &target.kind {
            ExprKind::Name(n) => {
                let Some(id) = self.env.lookup(n) else {
                    match self.symbol(n) {
                        Some(sym) => {
                            let what = match sym {
                                Symbol::Cell { .. } => "a cell",
                                Symbol::Const { .. } => "a constant",
                                Symbol::Tool { .. } => "a tool",
                                _ => "a type or variant",
                            };
                            self.err(
                                codes::ASSIGN_IMMUTABLE,
                                format!("cannot assign to `{n}`: it is {what}, not a variable"),
                                target.span,
                            );
                        }
                        None => self.err(
                            codes::UNKNOWN_NAME,
                            format!("unknown name `{n}`"),
                            target.span,
                        ),
                    }
                    self.expr(value, None);
                    return;
                };
                let Some(var) = self.env.var(id).cloned() else {
                    return;
                };
                self.check_assignable_var(n, id.0, var.mutable, target.span);
                let vt = match op {
                    None => self.expr(value, Some(&var.declared)),
                    Some(op) => {
                        let rt = self.expr(value, None);
                        self.binop_type(op, &var.ty, &rt, s.span)
                    }
                };
                let declared = if var.declared.contains_unknown() {
                    refine(&var.declared, &vt)
                } else {
                    var.declared.clone()
                };
                let fits =
                    self.require(&vt, &declared, &format!("assignment to `{n}`"), value.span);
                if let Some(v) = self.env.var_mut(id) {
                    v.declared = declared.clone();
                }
                self.env.widen(id);
                // After `x = 5` a `x: Int?` holds an Int until the block ends.
                if fits
                    && !vt.is_lenient()
                    && vt != Type::Never
                    && vt != declared
                    && !vt.contains_unknown()
                {
                    self.env.narrow(n, vt);
                }
            }
            ExprKind::Index {
                target: inner,
                index,
            } => {
                self.check_mut_root(inner);
                let ct = self.expr(inner, None);
                let new_container = match &ct {
                    Type::List(e) => {
                        let it = self.expr(index, Some(&Type::Int));
                        self.require(&it, &Type::Int, "list index", index.span);
                        let vt = self.assigned_value(op, e, value, s);
                        let e2 = refine(e, &vt);
                        self.require(&vt, &e2, "list element", value.span);
                        Type::list(e2)
                    }
                    Type::Map(k, v) => {
                        let it = self.expr(index, Some(k));
                        let k2 = refine(k, &it);
                        self.require(&it, &k2, "map key", index.span);
                        let vt = self.assigned_value(op, v, value, s);
                        let v2 = refine(v, &vt);
                        self.require(&vt, &v2, "map value", value.span);
                        Type::map(k2, v2)
                    }
                    Type::Json | Type::Error | Type::Unknown => {
                        self.expr(index, None);
                        self.assigned_value(op, &ct, value, s);
                        ct.clone()
                    }
                    other => {
                        self.expr(index, None);
                        self.expr(value, None);
                        self.err(
                            codes::BAD_OPERANDS,
                            format!("cannot assign through an index of a value of type {other}"),
                            target.span,
                        );
                        Type::Error
                    }
                };
                // `let mut m = {}` then `m["k"] = 1` fixes the map's types.
                if let ExprKind::Name(n) = &inner.kind {
                    if ct.contains_unknown() {
                        if let Some(id) = self.env.lookup(n) {
                            if let Some(v) = self.env.var_mut(id) {
                                v.declared = refine(&v.declared, &new_container);
                                v.ty = v.declared.clone();
                            }
                        }
                    }
                }
            }
            ExprKind::Field {
                target: inner,
                name,
                ..
            } => {
                self.check_mut_root(inner);
                let ct = self.expr(inner, None);
                let ft = self.field_of(&ct, name, target.span);
                let vt = self.assigned_value(op, &ft, value, s);
                self.require(&vt, &ft, &format!("field `{}`", name.name), value.span);
            }
            _ => {
                self.expr(target, None);
                self.expr(value, None);
            }
        }
    }

    /// The type of the value stored by `= value` or `op= value` into a slot of type `slot`.
    fn assigned_value(
        &mut self,
        op: Option<crate::ast::BinOp>,
        slot: &Type,
        value: &Expr,
        s: &Stmt,
    ) -> Type {
        match op {
            None => self.expr(value, Some(slot)),
            Some(op) => {
                let rt = self.expr(value, None);
                self.binop_type(op, slot, &rt, s.span)
            }
        }
    }

    /// Reports E0303 unless the binding is `mut` and belongs to the current function.
    fn check_assignable_var(
        &mut self,
        name: &str,
        scope: usize,
        mutable: bool,
        span: crate::span::Span,
    ) {
        if !mutable {
            self.err(
                codes::ASSIGN_IMMUTABLE,
                format!(
                    "cannot assign to `{name}`: it is not declared `mut` (use `let mut {name}`)"
                ),
                span,
            );
        } else if scope < self.fns.last().map(|f| f.scope_base).unwrap_or(0) {
            self.err(
                codes::ASSIGN_IMMUTABLE,
                format!("cannot assign to `{name}` inside a closure: closures capture variables by value"),
                span,
            );
        }
    }

    /// For `a.b[c] = v`: the root binding `a` must be assignable.
    fn check_mut_root(&mut self, e: &Expr) {
        let mut cur = e;
        loop {
            match &cur.kind {
                ExprKind::Index { target, .. } | ExprKind::Field { target, .. } => cur = target,
                ExprKind::Name(n) => {
                    if let Some(id) = self.env.lookup(n) {
                        if let Some(v) = self.env.var(id) {
                            let m = v.mutable;
                            self.check_assignable_var(n, id.0, m, cur.span);
                        }
                    }
                    return;
                }
                _ => return,
            }
        }
    }
}
