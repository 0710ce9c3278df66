//! Read-only AST walks used by lowering: does an expression mention a name, which names a
//! lambda body refers to (its capture candidates), which literals sit inside loops (hoisted
//! into registers), and whether a body assigns a name.

use crate::ast::{Block, Expr, ExprKind, Pattern, PatternKind, Stmt, StmtKind, StrPart};

/// How deeply a walk descends into nested expressions before it gives up (deeper code is
/// rejected by lowering anyway, see `expr::MAX_NESTING`).
const MAX_WALK: usize = 320;

/// A visitor over expressions, statements and patterns; the defaults walk every child.
pub(super) trait Visitor {
    /// The visitor's expression-nesting counter (maintained by [`walk_expr`]).
    fn depth(&mut self) -> &mut usize;
    /// Called when a walk is cut off at [`MAX_WALK`]; a visitor answering a yes/no
    /// question answers conservatively here.
    fn too_deep(&mut self) {}
    fn expr(&mut self, e: &Expr) {
        walk_expr(self, e);
    }
    fn stmt(&mut self, s: &Stmt) {
        walk_stmt(self, s);
    }
    fn pattern(&mut self, p: &Pattern) {
        walk_pattern(self, p);
    }
}

/// Visits every statement of a block.
pub(super) fn walk_block<V: Visitor + ?Sized>(v: &mut V, b: &Block) {
    for s in &b.stmts {
        v.stmt(s);
    }
}

/// Visits the children of a statement.
pub(super) fn walk_stmt<V: Visitor + ?Sized>(v: &mut V, s: &Stmt) {
    match &s.kind {
        StmtKind::Let { pattern, value, .. } => {
            v.pattern(pattern);
            v.expr(value);
        }
        StmtKind::Assign { target, value, .. } => {
            v.expr(target);
            v.expr(value);
        }
        StmtKind::While { cond, body } => {
            v.expr(cond);
            walk_block(v, body);
        }
        StmtKind::For {
            pattern,
            iter,
            filter,
            body,
        } => {
            v.pattern(pattern);
            v.expr(iter);
            if let Some(f) = filter {
                v.expr(f);
            }
            walk_block(v, body);
        }
        StmtKind::Loop { body } => walk_block(v, body),
        StmtKind::Break | StmtKind::Continue | StmtKind::Return(None) => {}
        StmtKind::Return(Some(e)) | StmtKind::Expr(e) => v.expr(e),
    }
}

/// Visits the children of an expression (not deeper than [`MAX_WALK`]).
pub(super) fn walk_expr<V: Visitor + ?Sized>(v: &mut V, e: &Expr) {
    if *v.depth() >= MAX_WALK {
        v.too_deep();
        return;
    }
    *v.depth() += 1;
    walk_children(v, e);
    *v.depth() -= 1;
}

fn walk_children<V: Visitor + ?Sized>(v: &mut V, e: &Expr) {
    match &e.kind {
        ExprKind::Int(_)
        | ExprKind::Float(_)
        | ExprKind::Bool(_)
        | ExprKind::Null
        | ExprKind::Name(_) => {}
        ExprKind::Str(parts) => {
            for p in parts {
                if let StrPart::Expr(x) = p {
                    v.expr(x);
                }
            }
        }
        ExprKind::List(items) | ExprKind::Tuple(items) => {
            for x in items {
                v.expr(x);
            }
        }
        ExprKind::Map(pairs) => {
            for (k, x) in pairs {
                v.expr(k);
                v.expr(x);
            }
        }
        ExprKind::Call { callee, args } => {
            v.expr(callee);
            for a in args {
                v.expr(&a.value);
            }
        }
        ExprKind::Field { target, .. } => v.expr(target),
        ExprKind::Index { target, index } => {
            v.expr(target);
            v.expr(index);
        }
        ExprKind::Unary { expr, .. } | ExprKind::Is { expr, .. } | ExprKind::Try(expr) => {
            v.expr(expr)
        }
        ExprKind::Binary { lhs, rhs, .. } => {
            v.expr(lhs);
            v.expr(rhs);
        }
        ExprKind::If {
            branches,
            else_block,
        } => {
            for (c, b) in branches {
                v.expr(c);
                walk_block(v, b);
            }
            if let Some(b) = else_block {
                walk_block(v, b);
            }
        }
        ExprKind::Match { scrutinee, arms } => {
            v.expr(scrutinee);
            for arm in arms {
                v.pattern(&arm.pattern);
                if let Some(g) = &arm.guard {
                    v.expr(g);
                }
                walk_block(v, &arm.body);
            }
        }
        ExprKind::When { arms } => {
            for arm in arms {
                if let Some(c) = &arm.cond {
                    v.expr(c);
                }
                walk_block(v, &arm.body);
            }
        }
        ExprKind::Lambda { params, body, .. } => {
            for p in params {
                if let Some(d) = &p.default {
                    v.expr(d);
                }
            }
            walk_block(v, body);
        }
        ExprKind::Comprehension {
            expr,
            pattern,
            iter,
            filter,
        } => {
            v.pattern(pattern);
            v.expr(iter);
            if let Some(f) = filter {
                v.expr(f);
            }
            v.expr(expr);
        }
    }
}

/// Visits the expressions inside a pattern (literals, range bounds).
pub(super) fn walk_pattern<V: Visitor + ?Sized>(v: &mut V, p: &Pattern) {
    match &p.kind {
        PatternKind::Wildcard | PatternKind::Bind(_) => {}
        PatternKind::Literal(e) => v.expr(e),
        PatternKind::Range { start, end, .. } => {
            v.expr(start);
            v.expr(end);
        }
        PatternKind::Variant { args, .. } => {
            for a in args {
                v.pattern(&a.pattern);
            }
        }
        PatternKind::Tuple(items) | PatternKind::Or(items) => {
            for x in items {
                v.pattern(x);
            }
        }
        PatternKind::List { items, .. } => {
            for x in items {
                v.pattern(x);
            }
        }
    }
}

/// Collects the names an expression refers to, in first-use order.
#[derive(Default)]
struct Names {
    names: Vec<String>,
    depth: usize,
}

impl Visitor for Names {
    fn depth(&mut self) -> &mut usize {
        &mut self.depth
    }
    fn expr(&mut self, e: &Expr) {
        if let ExprKind::Name(n) = &e.kind {
            if !self.names.iter().any(|x| x == n) {
                self.names.push(n.clone());
            }
        }
        walk_expr(self, e);
    }
}

/// Every name referred to anywhere in `b` (nested lambdas included), in first-use order.
pub(super) fn names_in_block(b: &Block) -> Vec<String> {
    let mut v = Names::default();
    walk_block(&mut v, b);
    v.names
}

/// Every name referred to anywhere in `e`, in first-use order.
pub(crate) fn names_in_expr(e: &Expr) -> Vec<String> {
    let mut v = Names::default();
    v.expr(e);
    v.names
}

/// Whether a block contains any assignment statement (nested lambdas included).
pub(super) fn has_assign(b: &Block) -> bool {
    find_assign(b, None)
}

/// Whether `b` has an assignment (nested lambdas included) whose target is rooted at
/// `name`, or any assignment when `name` is `None`; a walk cut off as too deep says yes.
fn find_assign(b: &Block, name: Option<&str>) -> bool {
    struct Assigns<'a> {
        name: Option<&'a str>,
        found: bool,
        depth: usize,
    }
    impl Visitor for Assigns<'_> {
        fn depth(&mut self) -> &mut usize {
            &mut self.depth
        }
        fn too_deep(&mut self) {
            self.found = true;
        }
        fn stmt(&mut self, s: &Stmt) {
            if let StmtKind::Assign { target, .. } = &s.kind {
                if self.name.is_none() || root_name(target) == self.name {
                    self.found = true;
                }
            }
            walk_stmt(self, s);
        }
    }
    let mut v = Assigns {
        name,
        found: false,
        depth: 0,
    };
    walk_block(&mut v, b);
    v.found
}

/// Searches for one name.
struct Mentions<'a> {
    name: &'a str,
    found: bool,
    depth: usize,
}

impl Visitor for Mentions<'_> {
    fn depth(&mut self) -> &mut usize {
        &mut self.depth
    }
    fn too_deep(&mut self) {
        self.found = true;
    }
    fn expr(&mut self, e: &Expr) {
        if self.found {
            return;
        }
        if let ExprKind::Name(n) = &e.kind {
            if n == self.name {
                self.found = true;
                return;
            }
        }
        walk_expr(self, e);
    }
}

/// Whether `e` refers to `name` anywhere (conservative: shadowing is ignored).
pub(super) fn mentions(e: &Expr, name: &str) -> bool {
    let mut v = Mentions {
        name,
        found: false,
        depth: 0,
    };
    v.expr(e);
    v.found
}

/// Whether any statement in `b` assigns to `name` (directly or through an index/field).
pub(super) fn assigns(b: &Block, name: &str) -> bool {
    find_assign(b, Some(name))
}

/// The variable at the root of an assignment target (`x`, `x[i]`, `x.f[j]`).
pub(super) fn root_name(target: &Expr) -> Option<&str> {
    match &target.kind {
        ExprKind::Name(n) => Some(n),
        ExprKind::Index { target, .. } | ExprKind::Field { target, .. } => root_name(target),
        _ => None,
    }
}

/// Whether a block contains `return`, `break`, `continue` or a postfix `?` outside nested
/// lambdas (such a body cannot be inlined into another function).
pub(super) fn returns_early(b: &Block) -> bool {
    struct Early {
        found: bool,
        depth: usize,
    }
    impl Visitor for Early {
        fn depth(&mut self) -> &mut usize {
            &mut self.depth
        }
        fn too_deep(&mut self) {
            self.found = true;
        }
        fn stmt(&mut self, s: &Stmt) {
            if matches!(
                s.kind,
                StmtKind::Return(_) | StmtKind::Break | StmtKind::Continue
            ) {
                self.found = true;
            }
            walk_stmt(self, s);
        }
        fn expr(&mut self, e: &Expr) {
            match &e.kind {
                ExprKind::Try(_) => self.found = true,
                ExprKind::Lambda { .. } => {}
                _ => walk_expr(self, e),
            }
        }
    }
    let mut v = Early {
        found: false,
        depth: 0,
    };
    walk_block(&mut v, b);
    v.found
}

/// The immediate operand of `x + k` / `x - k` when `k` is a small Int literal.
pub(super) fn add_imm(op: crate::ast::BinOp, rhs: &Expr) -> Option<i16> {
    let ExprKind::Int(v) = rhs.kind else {
        return None;
    };
    match op {
        crate::ast::BinOp::Add => i16::try_from(v).ok(),
        crate::ast::BinOp::Sub => v.checked_neg().and_then(|n| i16::try_from(n).ok()),
        _ => None,
    }
}

/// Names of the higher-order functions lowered to loops (see `hof`).
const HOFS: &[&str] = &["map", "filter", "reduce", "any", "all", "find", "sort_by"];

/// Collects the literals evaluated inside loops (outside nested lambdas), so they can be
/// loaded into registers once at function entry.
struct LoopLits {
    /// Loop nesting.
    loops: usize,
    /// Expression nesting.
    depth: usize,
    found: Vec<Expr>,
}

impl LoopLits {
    fn body(&mut self, b: &Block) {
        self.loops += 1;
        walk_block(self, b);
        self.loops -= 1;
    }
}

impl Visitor for LoopLits {
    fn depth(&mut self) -> &mut usize {
        &mut self.depth
    }
    fn stmt(&mut self, s: &Stmt) {
        match &s.kind {
            StmtKind::While { cond, body } => {
                self.loops += 1;
                self.expr(cond);
                self.loops -= 1;
                self.body(body);
            }
            StmtKind::For {
                pattern,
                iter,
                filter,
                body,
            } => {
                // The iterated value and range bounds are evaluated once.
                self.expr(iter);
                self.loops += 1;
                self.pattern(pattern);
                if let Some(f) = filter {
                    self.expr(f);
                }
                self.loops -= 1;
                self.body(body);
            }
            StmtKind::Loop { body } => self.body(body),
            StmtKind::Assign {
                target,
                op: Some(op),
                value,
            } if add_imm(*op, value).is_some() => self.expr(target),
            _ => walk_stmt(self, s),
        }
    }

    fn expr(&mut self, e: &Expr) {
        // Some arms below recurse without `walk_expr`: guard the depth here too.
        if self.depth >= MAX_WALK {
            return;
        }
        self.depth += 1;
        self.lits_in(e);
        self.depth -= 1;
    }
}

impl LoopLits {
    fn lits_in(&mut self, e: &Expr) {
        match &e.kind {
            ExprKind::Int(_) | ExprKind::Float(_) | ExprKind::Bool(_) | ExprKind::Null => {
                if self.loops > 0 {
                    self.found.push(e.clone());
                }
            }
            ExprKind::Str(parts) if parts.iter().all(|p| matches!(p, StrPart::Text(_))) => {
                if self.loops > 0 {
                    self.found.push(e.clone());
                }
            }
            ExprKind::Binary { op, lhs, rhs } if add_imm(*op, rhs).is_some() => self.expr(lhs),
            ExprKind::Lambda { .. } => {}
            // A lambda literal passed to a higher-order function may be inlined into a
            // loop of this function: its literals count as loop literals.
            ExprKind::Call { callee, args } if matches!(&callee.kind, ExprKind::Name(n) if HOFS.contains(&n.as_str())) => {
                for a in args {
                    match &a.value.kind {
                        ExprKind::Lambda { body, .. } => self.body(body),
                        _ => self.expr(&a.value),
                    }
                }
            }
            ExprKind::Comprehension {
                expr,
                pattern,
                iter,
                filter,
            } => {
                self.expr(iter);
                self.loops += 1;
                self.pattern(pattern);
                if let Some(f) = filter {
                    self.expr(f);
                }
                self.expr(expr);
                self.loops -= 1;
            }
            _ => walk_expr(self, e),
        }
    }
}

/// The literal expressions evaluated inside loops of `b`, in source order (duplicates kept).
pub(super) fn loop_literals(b: &Block) -> Vec<Expr> {
    let mut v = LoopLits {
        loops: 0,
        depth: 0,
        found: Vec::new(),
    };
    walk_block(&mut v, b);
    v.found
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ast::BinOp;
    use crate::span::Span;

    fn e(kind: ExprKind) -> Expr {
        Expr {
            kind,
            span: Span::default(),
        }
    }
    fn name(n: &str) -> Expr {
        e(ExprKind::Name(n.into()))
    }
    fn bin(op: BinOp, a: Expr, b: Expr) -> Expr {
        e(ExprKind::Binary {
            op,
            lhs: Box::new(a),
            rhs: Box::new(b),
        })
    }
    fn stmt(kind: StmtKind) -> Stmt {
        Stmt {
            kind,
            span: Span::default(),
        }
    }
    fn block(stmts: Vec<Stmt>) -> Block {
        Block {
            stmts,
            span: Span::default(),
        }
    }

    #[test]
    fn mentions_finds_nested_names() {
        let x = bin(
            BinOp::Add,
            name("a"),
            bin(BinOp::Mul, name("b"), e(ExprKind::Int(2))),
        );
        assert!(mentions(&x, "b"));
        assert!(!mentions(&x, "c"));
    }

    #[test]
    fn add_imm_only_for_small_literals() {
        assert_eq!(add_imm(BinOp::Add, &e(ExprKind::Int(1))), Some(1));
        assert_eq!(add_imm(BinOp::Sub, &e(ExprKind::Int(2))), Some(-2));
        assert_eq!(add_imm(BinOp::Add, &e(ExprKind::Int(100_000))), None);
        assert_eq!(add_imm(BinOp::Mul, &e(ExprKind::Int(1))), None);
    }

    #[test]
    fn loop_literals_skip_immediates_and_code_outside_loops() {
        // let a = 5; while i < 10 { i = i + 1; t = i % 7 }
        let b = block(vec![
            stmt(StmtKind::Expr(e(ExprKind::Int(5)))),
            stmt(StmtKind::While {
                cond: bin(BinOp::Lt, name("i"), e(ExprKind::Int(10))),
                body: block(vec![
                    stmt(StmtKind::Assign {
                        target: name("i"),
                        op: None,
                        value: bin(BinOp::Add, name("i"), e(ExprKind::Int(1))),
                    }),
                    stmt(StmtKind::Expr(bin(
                        BinOp::Mod,
                        name("i"),
                        e(ExprKind::Int(7)),
                    ))),
                ]),
            }),
        ]);
        let lits: Vec<ExprKind> = loop_literals(&b).into_iter().map(|x| x.kind).collect();
        assert_eq!(lits, vec![ExprKind::Int(10), ExprKind::Int(7)]);
        assert_eq!(names_in_block(&b), vec!["i".to_string()]);
        assert!(assigns(&b, "i"));
        assert!(!assigns(&b, "j"));
    }
}
