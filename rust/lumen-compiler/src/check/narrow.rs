//! Flow narrowing from conditions: `x == null`, `x != null`, `x is T`, combined with
//! `not`, `and` and `or`.
//!
//! [`Checker::facts`] returns what a condition proves about local bindings when it is true
//! and when it is false. `if` applies the true facts inside its body and the false facts in
//! later branches, and after an `if` whose bodies all leave (return, halt, break, continue)
//! the false facts hold for the rest of the enclosing block.

use super::types::Type;
use super::Checker;
use crate::ast::{Arg, BinOp, Block, Expr, ExprKind, StmtKind, StrPart, UnOp};

/// Narrowed types of bindings: (name, type).
pub(super) type Facts = Vec<(String, Type)>;

impl Checker<'_> {
    /// The facts `cond` proves when true and when false.
    pub(super) fn facts(&mut self, cond: &Expr) -> (Facts, Facts) {
        match &cond.kind {
            ExprKind::Binary { op, lhs, rhs } => match op {
                BinOp::Eq | BinOp::Ne => {
                    let name = match (&lhs.kind, &rhs.kind) {
                        (ExprKind::Name(n), ExprKind::Null)
                        | (ExprKind::Null, ExprKind::Name(n)) => n,
                        _ => return (Vec::new(), Vec::new()),
                    };
                    let Some(cur) = self.local_type(name) else {
                        return (Vec::new(), Vec::new());
                    };
                    let non_null = vec![(name.clone(), cur.strip_null())];
                    let null = if cur.has_null() {
                        vec![(name.clone(), Type::Null)]
                    } else {
                        Vec::new()
                    };
                    if *op == BinOp::Eq {
                        (null, non_null)
                    } else {
                        (non_null, null)
                    }
                }
                BinOp::And => {
                    let (mut t1, _) = self.facts(lhs);
                    let (t2, _) = self.facts(rhs);
                    t1.extend(t2);
                    (t1, Vec::new())
                }
                BinOp::Or => {
                    let (_, mut f1) = self.facts(lhs);
                    let (_, f2) = self.facts(rhs);
                    f1.extend(f2);
                    (Vec::new(), f1)
                }
                _ => (Vec::new(), Vec::new()),
            },
            ExprKind::Unary {
                op: UnOp::Not,
                expr,
            } => {
                let (t, f) = self.facts(expr);
                (f, t)
            }
            ExprKind::Is { expr, ty } => {
                let ExprKind::Name(n) = &expr.kind else {
                    return (Vec::new(), Vec::new());
                };
                let Some(cur) = self.local_type(n) else {
                    return (Vec::new(), Vec::new());
                };
                let errors = self.diags.len();
                let t = self.resolve_type(ty);
                // The type was already reported when the `is` expression was checked.
                self.diags.truncate(errors);
                let mut out = vec![(n.clone(), t.clone())];
                if t == Type::Null && cur.has_null() {
                    return (out, vec![(n.clone(), cur.strip_null())]);
                }
                let rest = match &cur {
                    Type::Union(ms) => Some(Type::union(
                        ms.iter().filter(|m| **m != t).cloned().collect(),
                    )),
                    _ => None,
                };
                if t == Type::Error {
                    out.clear();
                }
                (out, rest.map(|r| vec![(n.clone(), r)]).unwrap_or_default())
            }
            _ => (Vec::new(), Vec::new()),
        }
    }

    /// Applies facts in the innermost scope.
    pub(super) fn apply(&mut self, facts: &Facts) {
        for (n, t) in facts {
            self.env.narrow(n, t.clone());
        }
    }

    /// The current type of a local binding.
    pub(super) fn local_type(&self, name: &str) -> Option<Type> {
        let id = self.env.lookup(name)?;
        self.env.var(id).map(|v| v.ty.clone())
    }
}

/// Collects the names of bindings assigned (`x = ...`, `x += ...`, `x[i] = ...`) anywhere
/// in a block, lambdas excepted (they cannot assign captured bindings).
pub(super) fn assigned_in_block(b: &Block, out: &mut Vec<String>, depth: usize) {
    if depth > 256 {
        return;
    }
    for s in &b.stmts {
        match &s.kind {
            StmtKind::Assign { target, value, .. } => {
                let mut root = target;
                while let ExprKind::Index { target: t, .. } | ExprKind::Field { target: t, .. } =
                    &root.kind
                {
                    root = t;
                }
                if let ExprKind::Name(n) = &root.kind {
                    out.push(n.clone());
                }
                assigned_in_expr(target, out, depth + 1);
                assigned_in_expr(value, out, depth + 1);
            }
            StmtKind::Let { value, .. } => assigned_in_expr(value, out, depth + 1),
            StmtKind::While { cond, body } => {
                assigned_in_expr(cond, out, depth + 1);
                assigned_in_block(body, out, depth + 1);
            }
            StmtKind::For {
                iter, filter, body, ..
            } => {
                assigned_in_expr(iter, out, depth + 1);
                if let Some(f) = filter {
                    assigned_in_expr(f, out, depth + 1);
                }
                assigned_in_block(body, out, depth + 1);
            }
            StmtKind::Loop { body } => assigned_in_block(body, out, depth + 1),
            StmtKind::Return(Some(e)) | StmtKind::Expr(e) => assigned_in_expr(e, out, depth + 1),
            StmtKind::Return(None) | StmtKind::Break | StmtKind::Continue => {}
        }
    }
}

/// The expression part of [`assigned_in_block`]: finds blocks nested in expressions.
fn assigned_in_expr(e: &Expr, out: &mut Vec<String>, depth: usize) {
    if depth > 256 {
        return;
    }
    let d = depth + 1;
    let args = |args: &[Arg], out: &mut Vec<String>| {
        for a in args {
            assigned_in_expr(&a.value, out, d);
        }
    };
    match &e.kind {
        ExprKind::Int(_)
        | ExprKind::Float(_)
        | ExprKind::Bool(_)
        | ExprKind::Null
        | ExprKind::Name(_)
        | ExprKind::Lambda { .. } => {}
        ExprKind::Str(parts) => {
            for p in parts {
                if let StrPart::Expr(x) = p {
                    assigned_in_expr(x, out, d);
                }
            }
        }
        ExprKind::List(items) | ExprKind::Tuple(items) => {
            for x in items {
                assigned_in_expr(x, out, d);
            }
        }
        ExprKind::Map(entries) => {
            for (k, v) in entries {
                assigned_in_expr(k, out, d);
                assigned_in_expr(v, out, d);
            }
        }
        ExprKind::Call { callee, args: a } => {
            assigned_in_expr(callee, out, d);
            args(a, out);
        }
        ExprKind::Field { target, .. } | ExprKind::Try(target) => assigned_in_expr(target, out, d),
        ExprKind::Unary { expr, .. } | ExprKind::Is { expr, .. } => assigned_in_expr(expr, out, d),
        ExprKind::Index { target, index } => {
            assigned_in_expr(target, out, d);
            assigned_in_expr(index, out, d);
        }
        ExprKind::Binary { lhs, rhs, .. } => {
            assigned_in_expr(lhs, out, d);
            assigned_in_expr(rhs, out, d);
        }
        ExprKind::If {
            branches,
            else_block,
        } => {
            for (c, b) in branches {
                assigned_in_expr(c, out, d);
                assigned_in_block(b, out, d);
            }
            if let Some(b) = else_block {
                assigned_in_block(b, out, d);
            }
        }
        ExprKind::Match { scrutinee, arms } => {
            assigned_in_expr(scrutinee, out, d);
            for a in arms {
                if let Some(g) = &a.guard {
                    assigned_in_expr(g, out, d);
                }
                assigned_in_block(&a.body, out, d);
            }
        }
        ExprKind::When { arms } => {
            for a in arms {
                if let Some(c) = &a.cond {
                    assigned_in_expr(c, out, d);
                }
                assigned_in_block(&a.body, out, d);
            }
        }
        ExprKind::Comprehension {
            expr, iter, filter, ..
        } => {
            assigned_in_expr(expr, out, d);
            assigned_in_expr(iter, out, d);
            if let Some(f) = filter {
                assigned_in_expr(f, out, d);
            }
        }
    }
}
