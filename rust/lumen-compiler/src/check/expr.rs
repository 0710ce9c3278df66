//! Expressions: names, literals, calls (cells, closures, records, variants, tools, result
//! constructors), field access, indexing, operators, `if`/`when`, lambdas and
//! comprehensions.
//!
//! `expr(e, hint)` computes the type of `e`; `hint` is the type the context expects and is
//! used only to infer what the expression alone cannot tell (lambda parameter types, the
//! element type of `[]`, the missing side of `ok(v)`). The caller checks assignability.

use super::types::{arith, assignable, join, AdtKind, Type};
use super::{Checker, FnCtx, Slot};
use crate::ast::{
    Arg, BinOp, Block, Expr, ExprKind, Ident, Param, StrPart, TypeExpr, UnOp, WhenArm,
};
use crate::diagnostic::codes;
use crate::resolve::Symbol;
use crate::span::Span;
use std::collections::{HashMap, HashSet};

/// What [`Checker::bind_args`] has seen of a call's arguments so far.
struct Binding<'a> {
    filled: Vec<bool>,
    positional: usize,
    any_named: bool,
    count_error: bool,
    total_positional: usize,
    /// Slot index by name, built at the first named argument of a call with many slots
    /// (so naming every field of a 20,000-field record is linear, not quadratic).
    by_name: Option<HashMap<&'a str, usize>>,
}

/// Slots up to this many are searched by name directly; more get an index.
const SCAN_SLOTS: usize = 16;

impl Checker<'_> {
    /// The type of expression `e`, with `hint` the type the context expects.
    pub(super) fn expr(&mut self, e: &Expr, hint: Option<&Type>) -> Type {
        let t = self.expr_kind(e, hint);
        if t.deeper_than(super::types::MAX_TYPE_DEPTH) {
            return self.type_too_deep(e.span);
        }
        t
    }

    /// Reports E0103 for an expression whose type nests deeper than `MAX_TYPE_DEPTH`.
    fn type_too_deep(&mut self, span: Span) -> Type {
        self.err(
            codes::TOO_DEEP,
            format!(
                "the type of this expression nests too deeply (more than {} levels)",
                super::types::MAX_TYPE_DEPTH
            ),
            span,
        );
        Type::Error
    }

    /// The type of `e` by its kind (see [`Checker::expr`]).
    fn expr_kind(&mut self, e: &Expr, hint: Option<&Type>) -> Type {
        // Every arm with locals is a method of its own: this function is on the stack once
        // per nesting level, so its frame must stay small (docs/LANGUAGE.md, depth limit).
        match &e.kind {
            ExprKind::Int(_) => Type::Int,
            ExprKind::Float(_) => Type::Float,
            ExprKind::Bool(_) => Type::Bool,
            ExprKind::Null => Type::Null,
            ExprKind::Str(parts) => self.str_expr(parts),
            ExprKind::Name(n) => self.name_value(n, e.span),
            ExprKind::List(items) => self.list_expr(items, hint),
            ExprKind::Map(entries) => self.map_expr(entries, hint),
            ExprKind::Tuple(items) => self.tuple_expr(items, hint),
            ExprKind::Call { callee, args } => self.call(callee, args, e.span, hint),
            ExprKind::Field {
                target,
                name,
                optional,
            } => self.field_expr(target, name, *optional, e.span),
            ExprKind::Index { target, index } => self.index(target, index, e.span),
            ExprKind::Unary { op, expr } => self.unary_expr(*op, expr, e.span),
            ExprKind::Binary { op, lhs, rhs } => self.binary(*op, lhs, rhs, e.span),
            ExprKind::Is { expr, ty } => self.is_expr(expr, ty),
            ExprKind::Try(inner) => self.try_expr(inner, e.span),
            ExprKind::If {
                branches,
                else_block,
            } => self.if_expr(branches, else_block.as_ref(), hint),
            ExprKind::Match { scrutinee, arms } => self.match_expr(scrutinee, arms, hint, e.span),
            ExprKind::When { arms } => self.when_expr(arms, hint),
            ExprKind::Lambda { params, ret, body } => self.lambda(params, ret.as_ref(), body, hint),
            ExprKind::Comprehension {
                expr,
                pattern,
                iter,
                filter,
            } => self.comprehension(expr, pattern, iter, filter.as_deref(), hint),
        }
    }

    /// A string literal: its interpolations are checked, any type is allowed.
    fn str_expr(&mut self, parts: &[StrPart]) -> Type {
        for p in parts {
            if let StrPart::Expr(x) = p {
                self.expr(x, None);
            }
        }
        Type::Str
    }

    /// `[a, b, ...]`
    fn list_expr(&mut self, items: &[Expr], hint: Option<&Type>) -> Type {
        let eh = match hint {
            Some(Type::List(t)) => Some((**t).clone()),
            _ => None,
        };
        if items.is_empty() {
            return Type::list(eh.unwrap_or(Type::Unknown));
        }
        let mut t = Type::Never;
        for it in items {
            let x = self.expr(it, eh.as_ref());
            t = join(&t, &x);
        }
        Type::list(if t == Type::Never { Type::Unknown } else { t })
    }

    /// `{k: v, ...}`
    fn map_expr(&mut self, entries: &[(Expr, Expr)], hint: Option<&Type>) -> Type {
        let (kh, vh) = match hint {
            Some(Type::Map(k, v)) => (Some((**k).clone()), Some((**v).clone())),
            _ => (None, None),
        };
        if entries.is_empty() {
            return Type::map(kh.unwrap_or(Type::Unknown), vh.unwrap_or(Type::Unknown));
        }
        let mut kt = Type::Never;
        let mut vt = Type::Never;
        for (k, v) in entries {
            let a = self.expr(k, kh.as_ref());
            if !matches!(a, Type::Str | Type::Int) && !a.is_lenient() {
                self.err(
                    codes::TYPE_MISMATCH,
                    format!("map keys must be String or Int, found {a}"),
                    k.span,
                );
            }
            kt = join(&kt, &a);
            let b = self.expr(v, vh.as_ref());
            vt = join(&vt, &b);
        }
        Type::map(kt, vt)
    }

    /// `(a, b, ...)`
    fn tuple_expr(&mut self, items: &[Expr], hint: Option<&Type>) -> Type {
        let hs: Vec<Option<Type>> = match hint {
            Some(Type::Tuple(ts)) if ts.len() == items.len() => {
                ts.iter().cloned().map(Some).collect()
            }
            _ => vec![None; items.len()],
        };
        Type::Tuple(
            items
                .iter()
                .zip(hs)
                .map(|(it, h)| self.expr(it, h.as_ref()))
                .collect(),
        )
    }

    /// `target.name` or `target?.name`.
    fn field_expr(&mut self, target: &Expr, name: &Ident, optional: bool, span: Span) -> Type {
        let t = self.expr(target, None);
        if optional {
            if t.is_lenient() {
                return t;
            }
            let base = t.strip_null();
            let ft = self.field_of(&base, name, span);
            if ft.is_lenient() {
                ft
            } else {
                Type::optional(ft)
            }
        } else {
            if let Type::Adt {
                kind: AdtKind::Record,
                file,
                item,
                ..
            } = &t
            {
                let slot = self
                    .records
                    .get(&(*file, *item))
                    .and_then(|r| r.by_name.get(name.name.as_str()).copied());
                if let Some(slot) = slot {
                    self.hints.record_field(self.file, name.span, slot);
                }
            }
            self.field_of(&t, name, span)
        }
    }

    /// `-e` or `not e`.
    fn unary_expr(&mut self, op: UnOp, inner: &Expr, span: Span) -> Type {
        let t = self.expr(
            inner,
            if op == UnOp::Not {
                Some(&Type::Bool)
            } else {
                None
            },
        );
        match op {
            UnOp::Neg if t.is_numeric() => t,
            UnOp::Not if assignable(&t, &Type::Bool) => {
                if t.is_lenient() {
                    t
                } else {
                    Type::Bool
                }
            }
            UnOp::Neg => {
                self.err(
                    codes::BAD_OPERANDS,
                    format!("cannot negate a value of type {t}"),
                    span,
                );
                Type::Error
            }
            UnOp::Not => {
                self.err(
                    codes::BAD_OPERANDS,
                    format!("`not` needs a Bool: expected Bool, found {t}"),
                    span,
                );
                Type::Error
            }
        }
    }

    /// `e is Type`
    fn is_expr(&mut self, inner: &Expr, ty: &TypeExpr) -> Type {
        self.expr(inner, None);
        self.resolve_type(ty);
        Type::Bool
    }

    /// `[expr for pattern in iter if filter]`
    fn comprehension(
        &mut self,
        expr: &Expr,
        pattern: &crate::ast::Pattern,
        iter: &Expr,
        filter: Option<&Expr>,
        hint: Option<&Type>,
    ) -> Type {
        let it = self.expr(iter, None);
        let elem = self.iter_elem(&it, iter.span);
        self.env.push();
        self.bind_pattern(pattern, &elem, false);
        if let Some(f) = filter {
            let ft = self.expr(f, Some(&Type::Bool));
            self.require(&ft, &Type::Bool, "comprehension filter", f.span);
            let (facts, _) = self.facts(f);
            self.apply(&facts);
        }
        let eh = match hint {
            Some(Type::List(t)) => Some((**t).clone()),
            _ => None,
        };
        let t = self.expr(expr, eh.as_ref());
        self.env.pop();
        Type::list(t)
    }

    /// The type of a name used as a value.
    fn name_value(&mut self, n: &str, span: Span) -> Type {
        if let Some(t) = self.local_type(n) {
            return t;
        }
        match self.symbol(n) {
            Some(Symbol::Cell { file, item }) => {
                let ps = self
                    .cells
                    .get(&(file, item))
                    .map(|s| s.params.iter().map(|p| p.ty.clone()).collect())
                    .unwrap_or_default();
                let r = self.cell_ret((file, item));
                Type::func(ps, r)
            }
            Some(Symbol::Const { file, item }) => self.const_type(file, item),
            Some(
                sym @ Symbol::Variant {
                    file,
                    item,
                    variant,
                },
            ) => {
                let enum_ty = self.adt_type(sym).unwrap_or(Type::Error);
                let fields: Vec<Type> = self
                    .variant_fields(file, item, variant)
                    .iter()
                    .map(|f| f.ty.clone())
                    .collect();
                if fields.is_empty() {
                    enum_ty
                } else {
                    // Constructors are not function values (lowering has no closure for
                    // them); say so here rather than fail later as an internal error.
                    self.err(
                        codes::TYPE_MISMATCH,
                        format!(
                            "variant `{n}` needs its payload: build one with `{n}(...)`, or pass a function: `fn(...) => {n}(...)`"
                        ),
                        span,
                    );
                    Type::Error
                }
            }
            Some(Symbol::Record { .. }) => {
                self.err(
                    codes::TYPE_MISMATCH,
                    format!(
                        "record `{n}` is a type, not a value: build one with `{n}(field: value)`"
                    ),
                    span,
                );
                Type::Error
            }
            Some(Symbol::Enum { .. }) => {
                self.err(
                    codes::TYPE_MISMATCH,
                    format!("enum `{n}` is a type, not a value: use one of its variants"),
                    span,
                );
                Type::Error
            }
            Some(Symbol::Tool { .. }) => {
                self.err(
                    codes::TYPE_MISMATCH,
                    format!("tool `{n}` is not a value: call it with named arguments"),
                    span,
                );
                Type::Error
            }
            None => {
                if super::builtins::is_builtin(n) || n == "ok" || n == "err" {
                    self.err(
                        codes::TYPE_MISMATCH,
                        format!(
                            "builtin `{n}` is not a value: wrap it in a lambda such as `fn(x: T) => {n}(x)`"
                        ),
                        span,
                    );
                } else {
                    self.err(codes::UNKNOWN_NAME, format!("unknown name `{n}`"), span);
                }
                Type::Error
            }
        }
    }

    /// Checks a call.
    fn call(&mut self, callee: &Expr, args: &[Arg], span: Span, hint: Option<&Type>) -> Type {
        // One method per kind of callee keeps this frame (on the stack once per nested
        // call) small.
        if let ExprKind::Name(n) = &callee.kind {
            if self.env.lookup(n).is_none() {
                match self.symbol(n) {
                    Some(Symbol::Cell { file, item }) => {
                        return self.cell_call((file, item), args, span);
                    }
                    Some(sym @ Symbol::Record { file, item }) => {
                        return self.record_call(sym, (file, item), n, args, span);
                    }
                    Some(
                        sym @ Symbol::Variant {
                            file,
                            item,
                            variant,
                        },
                    ) => return self.variant_call(sym, (file, item, variant), n, args, span),
                    Some(Symbol::Tool { file, item }) => {
                        return self.tool_call((file, item), n, args, span)
                    }
                    Some(Symbol::Enum { .. }) => return self.enum_call(n, args, callee.span),
                    Some(Symbol::Const { .. }) => {}
                    None => return self.free_name_call(n, args, span, callee.span, hint),
                }
            }
        }
        let ct = self.expr(callee, None);
        self.call_value(&ct, args, span, callee.span)
    }

    /// A call of a cell.
    fn cell_call(&mut self, (file, item): (usize, usize), args: &[Arg], span: Span) -> Type {
        let Some(sig) = self.cells.get(&(file, item)).cloned() else {
            return Type::Error;
        };
        self.bind_args(
            &format!("cell `{}`", sig.name),
            &sig.params,
            args,
            span,
            true,
            true,
        );
        self.cell_ret((file, item))
    }

    /// A record construction `R(x: 1, ...)`.
    fn record_call(
        &mut self,
        sym: Symbol,
        (file, item): (usize, usize),
        n: &str,
        args: &[Arg],
        span: Span,
    ) -> Type {
        let fields = self
            .records
            .get(&(file, item))
            .map(|r| r.fields.clone())
            .unwrap_or_default();
        self.bind_args(&format!("record `{n}`"), &fields, args, span, false, true);
        self.adt_type(sym).unwrap_or(Type::Error)
    }

    /// A variant construction `V(a, ...)`.
    fn variant_call(
        &mut self,
        sym: Symbol,
        (file, item, variant): (usize, usize, usize),
        n: &str,
        args: &[Arg],
        span: Span,
    ) -> Type {
        let fields = self.variant_fields(file, item, variant).to_vec();
        if fields.is_empty() {
            self.err(
                codes::WRONG_ARG_COUNT,
                format!("variant `{n}` has no payload: write `{n}` without arguments"),
                span,
            );
            self.args_unchecked(args);
        } else {
            self.bind_args(&format!("variant `{n}`"), &fields, args, span, true, true);
        }
        self.adt_type(sym).unwrap_or(Type::Error)
    }

    /// Calling an enum (an error).
    fn enum_call(&mut self, n: &str, args: &[Arg], callee_span: Span) -> Type {
        self.err(
            codes::NOT_CALLABLE,
            format!("enum `{n}` cannot be called: build one of its variants"),
            callee_span,
        );
        self.args_unchecked(args);
        Type::Error
    }

    /// A call of a name that is no symbol: `ok`/`err`, a builtin, or unknown.
    fn free_name_call(
        &mut self,
        n: &str,
        args: &[Arg],
        span: Span,
        callee_span: Span,
        hint: Option<&Type>,
    ) -> Type {
        if n == "ok" || n == "err" {
            return self.result_ctor(n == "ok", args, span, hint);
        }
        if let Some(t) = self.builtin_call(n, args, span, hint) {
            return t;
        }
        self.err(
            codes::UNKNOWN_NAME,
            format!("unknown name `{n}`"),
            callee_span,
        );
        self.args_unchecked(args);
        Type::Error
    }

    /// Checks arguments without any expectation (after an error).
    pub(super) fn args_unchecked(&mut self, args: &[Arg]) {
        for a in args {
            self.expr(&a.value, None);
        }
    }

    /// Reports named arguments given twice.
    pub(super) fn check_duplicate_names(&mut self, args: &[Arg], what: &str) {
        let mut seen = HashSet::new();
        for a in args {
            if let Some(n) = &a.name {
                if !seen.insert(n.name.clone()) {
                    self.err(
                        codes::BAD_NAMED_ARG,
                        format!("argument `{}` of {what} is given more than once", n.name),
                        n.span,
                    );
                }
            }
        }
    }

    /// Calls a value of type `ct` (a closure, a cell value, Json).
    fn call_value(&mut self, ct: &Type, args: &[Arg], span: Span, callee_span: Span) -> Type {
        match ct {
            Type::Fn(ps, r) => {
                let slots: Vec<Slot> = ps
                    .iter()
                    .map(|p| Slot {
                        name: None,
                        ty: p.clone(),
                        required: true,
                    })
                    .collect();
                self.bind_args("this function", &slots, args, span, true, false);
                (**r).clone()
            }
            Type::Json | Type::Error | Type::Unknown => {
                self.args_unchecked(args);
                ct.clone()
            }
            _ => {
                self.err(
                    codes::NOT_CALLABLE,
                    format!("cannot call a value of type {ct}: it is not a function"),
                    callee_span,
                );
                self.args_unchecked(args);
                Type::Error
            }
        }
    }

    /// Reports (E0305) an argument that cannot be bound to a slot, then still checks its
    /// value, with no expected type.
    fn reject_arg(&mut self, msg: String, span: Span, value: &Expr) {
        self.err(codes::BAD_NAMED_ARG, msg, span);
        self.expr(value, None);
    }

    /// Marks slot `i` filled and checks the argument `value` against the slot's type
    /// (`ctx` names the argument in the error).
    fn fill_slot(&mut self, filled: &mut [bool], i: usize, slot: &Slot, value: &Expr, ctx: &str) {
        if let Some(f) = filled.get_mut(i) {
            *f = true;
        }
        let t = self.expr(value, Some(&slot.ty));
        self.require(&t, &slot.ty, ctx, value.span);
    }

    /// Binds call arguments to slots: positional ones in order, then named ones by name.
    /// Reports E0301 (count), E0305 (named: unknown, duplicated, missing, or the wrong
    /// kind) and E0300 (types).
    pub(super) fn bind_args(
        &mut self,
        what: &str,
        slots: &[Slot],
        args: &[Arg],
        span: Span,
        positional_ok: bool,
        named_ok: bool,
    ) {
        // The work is split into small methods: this one is on the stack once per nested
        // call (`f(f(f(x)))`), while an argument is checked.
        let mut st = Binding {
            filled: vec![false; slots.len()],
            positional: 0,
            any_named: false,
            count_error: false,
            total_positional: args.iter().filter(|a| a.name.is_none()).count(),
            by_name: None,
        };
        for a in args {
            match &a.name {
                None if positional_ok => self.bind_positional(&mut st, what, slots, a),
                None => {
                    self.reject_arg(
                        format!("{what} takes named arguments only (`field: value`)"),
                        a.span,
                        &a.value,
                    );
                    st.count_error = true;
                }
                Some(name) if named_ok => self.bind_named(&mut st, what, slots, name, a),
                Some(name) => {
                    st.any_named = true;
                    self.reject_arg(
                        format!("{what} takes positional arguments only"),
                        name.span,
                        &a.value,
                    );
                    st.count_error = true;
                }
            }
        }
        if !st.count_error {
            self.report_missing(&st, what, slots, args, span, positional_ok);
        }
    }

    /// One positional argument of [`Checker::bind_args`].
    fn bind_positional(&mut self, st: &mut Binding, what: &str, slots: &[Slot], a: &Arg) {
        let i = st.positional;
        st.positional += 1;
        let Some(slot) = slots.get(i) else {
            if !st.count_error {
                self.err(
                    codes::WRONG_ARG_COUNT,
                    format!(
                        "{what} takes {} argument{}, but {} were given",
                        slots.len(),
                        if slots.len() == 1 { "" } else { "s" },
                        st.total_positional
                    ),
                    a.span,
                );
            }
            st.count_error = true;
            self.expr(&a.value, None);
            return;
        };
        let ctx = match &slot.name {
            Some(n) => format!("argument `{n}` of {what}"),
            None => format!("argument {} of {what}", i + 1),
        };
        // A positional argument after a named one can land on the slot that one filled
        // (`greet(name: "a", "b")`): the same error as a name given twice.
        if st.filled.get(i).copied().unwrap_or(false) {
            self.reject_arg(format!("{ctx} is given more than once"), a.span, &a.value);
            return;
        }
        self.fill_slot(&mut st.filled, i, slot, &a.value, &ctx);
    }

    /// One named argument of [`Checker::bind_args`].
    fn bind_named<'s>(
        &mut self,
        st: &mut Binding<'s>,
        what: &str,
        slots: &'s [Slot],
        name: &Ident,
        a: &Arg,
    ) {
        st.any_named = true;
        let found = if slots.len() <= SCAN_SLOTS {
            slots
                .iter()
                .position(|s| s.name.as_deref() == Some(name.name.as_str()))
        } else {
            st.by_name
                .get_or_insert_with(|| {
                    let mut m = HashMap::new();
                    for (i, s) in slots.iter().enumerate() {
                        if let Some(n) = s.name.as_deref() {
                            m.entry(n).or_insert(i);
                        }
                    }
                    m
                })
                .get(name.name.as_str())
                .copied()
        };
        let Some(i) = found else {
            self.reject_arg(
                format!("{what} has no parameter or field named `{}`", name.name),
                name.span,
                &a.value,
            );
            return;
        };
        if st.filled.get(i).copied().unwrap_or(false) {
            self.reject_arg(
                format!("argument `{}` of {what} is given more than once", name.name),
                name.span,
                &a.value,
            );
            return;
        }
        let Some(slot) = slots.get(i) else { return };
        let ctx = format!("argument `{}` of {what}", name.name);
        self.fill_slot(&mut st.filled, i, slot, &a.value, &ctx);
    }

    /// After [`Checker::bind_args`] saw every argument: reports required slots left empty.
    fn report_missing(
        &mut self,
        st: &Binding,
        what: &str,
        slots: &[Slot],
        args: &[Arg],
        span: Span,
        positional_ok: bool,
    ) {
        let filled = &st.filled;
        let missing: Vec<usize> = (0..slots.len())
            .filter(|&i| {
                !filled.get(i).copied().unwrap_or(true)
                    && slots.get(i).map(|s| s.required).unwrap_or(false)
            })
            .collect();
        if missing.is_empty() {
            return;
        }
        if !st.any_named && positional_ok {
            let required = slots.iter().filter(|s| s.required).count();
            let takes = if required == slots.len() {
                format!("{required}")
            } else {
                format!("at least {required}")
            };
            self.err(
                codes::WRONG_ARG_COUNT,
                format!(
                    "{what} takes {takes} argument{}, but {} were given",
                    if slots.len() == 1 { "" } else { "s" },
                    args.len()
                ),
                span,
            );
        } else {
            let names: Vec<String> = missing
                .iter()
                .filter_map(|&i| slots.get(i))
                .map(|s| format!("`{}`", s.name.clone().unwrap_or_else(|| "_".into())))
                .collect();
            self.err(
                codes::BAD_NAMED_ARG,
                format!(
                    "{what} is missing argument{} {}",
                    if names.len() == 1 { "" } else { "s" },
                    names.join(", ")
                ),
                span,
            );
        }
    }

    /// `ok(v)` / `err(e)`: the other side comes from the context (or stays `_`).
    fn result_ctor(&mut self, is_ok: bool, args: &[Arg], span: Span, hint: Option<&Type>) -> Type {
        let name = if is_ok { "ok" } else { "err" };
        let (th, eh) = match hint {
            Some(Type::Result(t, e)) => ((**t).clone(), (**e).clone()),
            _ => (Type::Unknown, Type::Unknown),
        };
        if args.len() != 1 {
            self.err(
                codes::WRONG_ARG_COUNT,
                format!("`{name}` takes 1 argument, but {} were given", args.len()),
                span,
            );
            self.args_unchecked(args);
            return Type::result(th, eh);
        }
        let Some(a) = args.first() else {
            return Type::Error;
        };
        if let Some(n) = &a.name {
            self.err(
                codes::BAD_NAMED_ARG,
                format!("`{name}` takes one positional argument"),
                n.span,
            );
        }
        if is_ok {
            let t = self.expr(&a.value, Some(&th));
            Type::result(if t == Type::Never { th } else { t }, eh)
        } else {
            let e = self.expr(&a.value, Some(&eh));
            Type::result(th, if e == Type::Never { eh } else { e })
        }
    }

    /// The type of field `name` of a value of type `t` (E0302 when it has none).
    pub(super) fn field_of(&mut self, t: &Type, name: &Ident, span: Span) -> Type {
        match t {
            Type::Json | Type::Error | Type::Unknown => t.clone(),
            Type::Never => Type::Never,
            Type::Adt {
                kind: AdtKind::Record,
                file,
                item,
                name: rname,
            } => {
                let f = self
                    .records
                    .get(&(*file, *item))
                    .and_then(|r| r.fields.get(*r.by_name.get(name.name.as_str())?))
                    .map(|f| f.ty.clone());
                match f {
                    Some(t) => t,
                    None => {
                        self.err(
                            codes::UNKNOWN_FIELD,
                            format!("record `{rname}` has no field `{}`", name.name),
                            name.span,
                        );
                        Type::Error
                    }
                }
            }
            Type::Adt {
                kind: AdtKind::Enum,
                name: ename,
                ..
            } => {
                self.err(
                    codes::UNKNOWN_FIELD,
                    format!(
                        "enum `{ename}` has no field `{}`: read variant fields with `match`",
                        name.name
                    ),
                    name.span,
                );
                Type::Error
            }
            Type::Tuple(ts) => match name.name.parse::<usize>().ok().and_then(|i| ts.get(i)) {
                Some(t) => t.clone(),
                None => {
                    self.err(
                        codes::UNKNOWN_FIELD,
                        format!("{t} has no field `{}`", name.name),
                        name.span,
                    );
                    Type::Error
                }
            },
            Type::Union(_) if t.has_null() => {
                self.err(
                    codes::TYPE_MISMATCH,
                    format!(
                        "cannot read field `{}` of a value that may be null ({t}): use `?.` or check for null first",
                        name.name
                    ),
                    span,
                );
                Type::Error
            }
            _ => {
                self.err(
                    codes::UNKNOWN_FIELD,
                    format!("type {t} has no field `{}`", name.name),
                    name.span,
                );
                Type::Error
            }
        }
    }

    /// `target[index]`
    fn index(&mut self, target: &Expr, index: &Expr, span: Span) -> Type {
        let t = self.expr(target, None);
        match &t {
            Type::List(e) => {
                let it = self.expr(index, Some(&Type::Int));
                self.require(&it, &Type::Int, "list index", index.span);
                (**e).clone()
            }
            Type::Str => {
                let it = self.expr(index, Some(&Type::Int));
                self.require(&it, &Type::Int, "string index", index.span);
                Type::Str
            }
            Type::Map(k, v) => {
                let it = self.expr(index, Some(k));
                self.require(&it, k, "map key", index.span);
                if v.is_lenient() {
                    (**v).clone()
                } else {
                    Type::optional((**v).clone())
                }
            }
            Type::Tuple(ts) => {
                let it = self.expr(index, Some(&Type::Int));
                self.require(&it, &Type::Int, "tuple index", index.span);
                match &index.kind {
                    ExprKind::Int(i) => match usize::try_from(*i).ok().and_then(|i| ts.get(i)) {
                        Some(t) => t.clone(),
                        None => {
                            self.err(
                                codes::TYPE_MISMATCH,
                                format!("index {i} is out of range for {t}"),
                                index.span,
                            );
                            Type::Error
                        }
                    },
                    _ => Type::union(ts.clone()),
                }
            }
            Type::Json | Type::Error | Type::Unknown => {
                self.expr(index, None);
                t.clone()
            }
            Type::Never => {
                self.expr(index, None);
                Type::Never
            }
            _ => {
                self.expr(index, None);
                self.err(
                    codes::BAD_OPERANDS,
                    format!("cannot index a value of type {t}"),
                    span,
                );
                Type::Error
            }
        }
    }

    /// A binary operator expression (`and`/`or` narrow their right operand).
    fn binary(&mut self, op: BinOp, lhs: &Expr, rhs: &Expr, span: Span) -> Type {
        match op {
            BinOp::And | BinOp::Or => {
                let lt = self.expr(lhs, Some(&Type::Bool));
                let (t, f) = self.facts(lhs);
                self.env.push();
                self.apply(if op == BinOp::And { &t } else { &f });
                let rt = self.expr(rhs, Some(&Type::Bool));
                self.env.pop();
                self.binop_type(op, &lt, &rt, span)
            }
            BinOp::Coalesce => {
                let lt = self.expr(lhs, None);
                let base = lt.strip_null();
                let rt = self.expr(rhs, Some(&base));
                if lt.is_lenient() {
                    return lt;
                }
                join(&base, &rt)
            }
            _ => {
                let lt = self.expr(lhs, None);
                let rh = match (&op, &lt) {
                    (BinOp::Eq | BinOp::Ne | BinOp::Concat, t) if !t.is_lenient() => {
                        Some(lt.clone())
                    }
                    _ => None,
                };
                let rt = self.expr(rhs, rh.as_ref());
                self.hints.record_binary(self.file, span, &lt, &rt);
                self.binop_type(op, &lt, &rt, span)
            }
        }
    }

    /// The result type of `l op r` (E0307 when the operands do not fit).
    pub(super) fn binop_type(&mut self, op: BinOp, l: &Type, r: &Type, span: Span) -> Type {
        if *l == Type::Error || *r == Type::Error {
            return Type::Error;
        }
        let sym = binop_symbol(op);
        let bad = |me: &mut Self| {
            me.err(
                codes::BAD_OPERANDS,
                format!("cannot apply `{sym}` to {l} and {r}"),
                span,
            );
            Type::Error
        };
        match op {
            BinOp::Add => {
                if l.is_numeric() && r.is_numeric() {
                    arith(l, r)
                } else if matches!((l, r), (Type::Str, Type::Str)) {
                    Type::Str
                } else if l.is_lenient() && (r.is_lenient() || *r == Type::Str || r.is_numeric()) {
                    l.clone()
                } else if r.is_lenient() && (*l == Type::Str || l.is_numeric()) {
                    r.clone()
                } else if matches!((l, r), (Type::List(_), Type::List(_))) {
                    self.err(
                        codes::BAD_OPERANDS,
                        format!("cannot apply `+` to {l} and {r}: concatenate lists with `++`"),
                        span,
                    );
                    Type::Error
                } else {
                    bad(self)
                }
            }
            BinOp::Sub | BinOp::Mul | BinOp::Div | BinOp::IntDiv | BinOp::Mod | BinOp::Pow => {
                if l.is_numeric() && r.is_numeric() {
                    arith(l, r)
                } else {
                    bad(self)
                }
            }
            BinOp::Concat => match (l, r) {
                (Type::Str, Type::Str) => Type::Str,
                (Type::List(a), Type::List(b)) => Type::list(join(a, b)),
                (a, b) if a.is_lenient() || b.is_lenient() => {
                    if a.is_lenient() {
                        a.clone()
                    } else {
                        b.clone()
                    }
                }
                _ => bad(self),
            },
            BinOp::Eq | BinOp::Ne => {
                let ok = assignable(l, r)
                    || assignable(r, l)
                    || (l.is_numeric() && r.is_numeric())
                    || *l == Type::Null
                    || *r == Type::Null;
                if ok {
                    Type::Bool
                } else {
                    bad(self)
                }
            }
            BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge => {
                let ok = (l.is_numeric() && r.is_numeric())
                    || (assignable(l, &Type::Str) && assignable(r, &Type::Str));
                if ok {
                    Type::Bool
                } else {
                    bad(self)
                }
            }
            BinOp::In => {
                let ok = match r {
                    Type::List(e) => {
                        assignable(l, e) || assignable(e, l) || (l.is_numeric() && e.is_numeric())
                    }
                    Type::Map(k, _) => assignable(l, k),
                    Type::Str => assignable(l, &Type::Str),
                    t => t.is_lenient(),
                };
                if ok {
                    Type::Bool
                } else {
                    bad(self)
                }
            }
            BinOp::And | BinOp::Or => {
                if assignable(l, &Type::Bool) && assignable(r, &Type::Bool) {
                    Type::Bool
                } else {
                    bad(self)
                }
            }
            BinOp::Coalesce => join(&l.strip_null(), r),
            BinOp::Range | BinOp::RangeInclusive => {
                if assignable(l, &Type::Int) && assignable(r, &Type::Int) {
                    Type::list(Type::Int)
                } else {
                    bad(self)
                }
            }
        }
    }

    /// Postfix `?`.
    fn try_expr(&mut self, inner: &Expr, span: Span) -> Type {
        let t = self.expr(inner, None);
        let (ok_t, err_t) = match &t {
            Type::Result(a, b) => ((**a).clone(), (**b).clone()),
            Type::Json | Type::Error | Type::Unknown => (t.clone(), t.clone()),
            _ => {
                self.err(
                    codes::BAD_TRY,
                    format!("`?` needs a result value, found {t}"),
                    span,
                );
                return Type::Error;
            }
        };
        match self.fns.last().map(|f| f.ret.clone()) {
            None => {
                self.err(codes::BAD_TRY, "`?` can only be used inside a cell", span);
            }
            Some(Some(ret)) => match &ret {
                Type::Result(_, e) => {
                    if !assignable(&err_t, e) {
                        self.err(
                            codes::TYPE_MISMATCH,
                            format!("`?` passes the error on: expected {e}, found {err_t}"),
                            span,
                        );
                    }
                }
                r if r.is_lenient() => {}
                r => {
                    self.err(
                        codes::BAD_TRY,
                        format!("`?` can only be used in a cell that returns a result (this one returns {r})"),
                        span,
                    );
                }
            },
            Some(None) => {
                if let Some(f) = self.fns.last_mut() {
                    f.returns.push(Type::result(Type::Unknown, err_t));
                }
            }
        }
        ok_t
    }

    /// Block or expression `if`, with null narrowing.
    fn if_expr(
        &mut self,
        branches: &[(Expr, Block)],
        else_block: Option<&Block>,
        hint: Option<&Type>,
    ) -> Type {
        let mut result = Type::Never;
        let mut else_facts = Vec::new();
        let mut then_facts_single = Vec::new();
        let mut all_then_diverge = true;
        self.env.push();
        for (cond, body) in branches {
            let ct = self.expr(cond, Some(&Type::Bool));
            self.require(&ct, &Type::Bool, "`if` condition", cond.span);
            let (t, f) = self.facts(cond);
            let bt = self.block_with(body, hint, &t);
            if bt != Type::Never {
                all_then_diverge = false;
            }
            result = join(&result, &bt);
            self.apply(&f);
            else_facts.extend(f);
            then_facts_single = t;
        }
        let else_ty = match else_block {
            Some(b) => self.block(b, hint),
            None => Type::Null,
        };
        self.env.pop();
        result = join(&result, &else_ty);
        if all_then_diverge && else_ty != Type::Never {
            self.apply(&else_facts);
        } else if branches.len() == 1 && else_ty == Type::Never && !all_then_diverge {
            self.apply(&then_facts_single);
        }
        result
    }

    /// `when` arms.
    fn when_expr(&mut self, arms: &[WhenArm], hint: Option<&Type>) -> Type {
        let mut result = Type::Never;
        let mut has_default = false;
        self.env.push();
        for arm in arms {
            match &arm.cond {
                Some(c) => {
                    let ct = self.expr(c, Some(&Type::Bool));
                    self.require(&ct, &Type::Bool, "`when` condition", c.span);
                    let (t, f) = self.facts(c);
                    let bt = self.block_with(&arm.body, hint, &t);
                    result = join(&result, &bt);
                    self.apply(&f);
                }
                None => {
                    has_default = true;
                    let bt = self.block(&arm.body, hint);
                    result = join(&result, &bt);
                }
            }
        }
        self.env.pop();
        if !has_default {
            result = join(&result, &Type::Null);
        }
        result
    }

    /// A lambda; parameter types come from annotations or from the expected fn type.
    fn lambda(
        &mut self,
        params: &[Param],
        ret: Option<&TypeExpr>,
        body: &Block,
        hint: Option<&Type>,
    ) -> Type {
        let hinted: Option<(Vec<Type>, Type)> = match hint {
            Some(Type::Fn(ps, r)) if ps.len() == params.len() => Some((ps.clone(), (**r).clone())),
            _ => None,
        };
        let mut seen = HashSet::new();
        let mut ptys = Vec::new();
        for (i, p) in params.iter().enumerate() {
            if !seen.insert(p.name.name.clone()) {
                self.err(
                    codes::DUPLICATE_DEFINITION,
                    format!("parameter `{}` is declared more than once", p.name.name),
                    p.name.span,
                );
            }
            let t = match &p.ty {
                Some(te) => self.resolve_type(te),
                None => match hinted.as_ref().and_then(|(ps, _)| ps.get(i)) {
                    Some(t) => t.clone(),
                    None => {
                        self.err(
                            codes::MISSING_ANNOTATION,
                            format!(
                                "parameter `{}` needs a type annotation (its type cannot be inferred here)",
                                p.name.name
                            ),
                            p.name.span,
                        );
                        Type::Error
                    }
                },
            };
            ptys.push(t);
        }
        let declared = ret.map(|r| self.resolve_type(r));
        let base = self.env.depth();
        self.env.push();
        for (p, t) in params.iter().zip(&ptys) {
            self.env.bind(&p.name.name, t.clone(), false);
        }
        self.fns.push(FnCtx {
            ret: declared.clone(),
            returns: Vec::new(),
            loops: Vec::new(),
            scope_base: base,
        });
        let body_hint = declared.clone().or_else(|| {
            hinted
                .as_ref()
                .map(|(_, r)| r.clone())
                .filter(|r| !r.contains_unknown())
        });
        let bt = self.block(body, body_hint.as_ref());
        let ctx = self.fns.pop();
        self.env.pop();
        let ret_ty = match declared {
            Some(r) => {
                if bt != Type::Never {
                    let span = body.stmts.last().map(|s| s.span).unwrap_or(body.span);
                    self.require(&bt, &r, "lambda result", span);
                }
                r
            }
            None => {
                let mut t = bt;
                for r in ctx.map(|c| c.returns).unwrap_or_default() {
                    t = join(&t, &r);
                }
                t
            }
        };
        Type::func(ptys, ret_ty)
    }
}

/// The source spelling of a binary operator.
fn binop_symbol(op: BinOp) -> &'static str {
    match op {
        BinOp::Add => "+",
        BinOp::Sub => "-",
        BinOp::Mul => "*",
        BinOp::Div => "/",
        BinOp::IntDiv => "//",
        BinOp::Mod => "%",
        BinOp::Pow => "**",
        BinOp::Concat => "++",
        BinOp::Eq => "==",
        BinOp::Ne => "!=",
        BinOp::Lt => "<",
        BinOp::Le => "<=",
        BinOp::Gt => ">",
        BinOp::Ge => ">=",
        BinOp::In => "in",
        BinOp::And => "and",
        BinOp::Or => "or",
        BinOp::Coalesce => "??",
        BinOp::Range => "..",
        BinOp::RangeInclusive => "..=",
    }
}
