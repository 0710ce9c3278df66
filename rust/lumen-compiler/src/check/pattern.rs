//! Patterns: type checking against the scrutinee (binding variables with their types), and
//! `match` exhaustiveness (docs/LANGUAGE.md 11).
//!
//! Exhaustiveness uses the classic "usefulness" algorithm over a matrix of simplified
//! patterns ([`Pat`]): a match is exhaustive when a wildcard row would be useless after
//! the unguarded arms; otherwise the algorithm's witness (a value no arm matches, such as
//! `Branch((Branch(_), Branch(_)))`) is named in E0304. Types with finitely many constructors (enums, `Bool`, `result`,
//! tuples, optionals, lists split by length) are enumerated; other types (Int, String, ...)
//! need a catch-all arm. Guarded arms never count toward coverage.

use super::types::{assignable, AdtKind, Type};
use super::Checker;
use crate::ast::{Expr, ExprKind, MatchArm, Pattern, PatternArg, PatternKind};
use crate::diagnostic::codes;
use crate::resolve::Symbol;
use crate::span::Span;
use std::collections::HashMap;

/// A constructor for exhaustiveness.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Ctor {
    /// (file, item, variant index) of an enum variant.
    Variant(usize, usize, usize),
    Bool(bool),
    Ok,
    Err,
    Null,
    Tuple,
    /// A list of exactly `len` items, or (with `rest`) of at least `len` items.
    List {
        len: usize,
        rest: bool,
    },
}

/// A simplified pattern.
#[derive(Debug, Clone)]
enum Pat {
    Wild,
    Ctor(Ctor, Vec<Pat>),
    Or(Vec<Pat>),
    /// Matches some values of an infinite domain (a literal, a range).
    Opaque,
}

/// Gives up (assumes exhaustive) after this much work, counted in pattern cells looked at
/// (rows × columns of every matrix), so pathological matches stay fast: a tuple pattern
/// of 2,000 `true | false` items took minutes when only the calls were counted.
const BUDGET: usize = 1_000_000;

/// Gives up (assumes exhaustive) when checking needs more nested constructor splits than
/// this (a tuple pattern of thousands of `true`/`false` items), so the stack stays small.
const MAX_USEFUL_DEPTH: usize = 128;

impl Checker<'_> {
    /// A `match` expression.
    pub(super) fn match_expr(
        &mut self,
        scrutinee: &Expr,
        arms: &[MatchArm],
        hint: Option<&Type>,
        span: Span,
    ) -> Type {
        let st = self.expr(scrutinee, None);
        let mut result = Type::Never;
        let mut rows: Vec<Vec<Pat>> = Vec::new();
        let mut catch_all = false;
        // A pattern the checker rejected (wrong arity, wrong type) says nothing reliable
        // about coverage: its error is reported, and E0304 would only be a cascade of it.
        let mut bad_pattern = false;
        for arm in arms {
            if catch_all {
                self.warn(
                    codes::UNREACHABLE_ARM,
                    "unreachable arm: an earlier arm matches every value",
                    arm.pattern.span,
                );
            }
            self.env.push();
            let before = self.diags.len();
            self.check_pattern(&arm.pattern, &st, false);
            bad_pattern |= self
                .diags
                .get(before..)
                .is_some_and(|new| new.iter().any(|d| d.is_error()));
            let mut facts = Vec::new();
            if let Some(g) = &arm.guard {
                let gt = self.expr(g, Some(&Type::Bool));
                self.require(&gt, &Type::Bool, "match guard", g.span);
                facts = self.facts(g).0;
            }
            let bt = self.block_with(&arm.body, hint, &facts);
            self.env.pop();
            result = super::types::join(&result, &bt);
            if arm.guard.is_none() {
                if is_catch_all(&arm.pattern) {
                    catch_all = true;
                }
                rows.push(vec![self.simplify(&arm.pattern)]);
            }
        }
        if !catch_all && !bad_pattern && st != Type::Error && st != Type::Never {
            let missing = self.missing(&rows, &st);
            if !missing.is_empty() {
                let msg = if missing.iter().any(|m| m == "_") {
                    format!("non-exhaustive match on {st}: add a `_` arm (or cover every case)")
                } else {
                    let list: Vec<String> = missing.iter().map(|m| format!("`{m}`")).collect();
                    format!("non-exhaustive match on {st}: missing {}", list.join(", "))
                };
                self.err(codes::NON_EXHAUSTIVE_MATCH, msg, span);
            }
        }
        result
    }

    /// Checks pattern `p` against a value of type `t`, binding its variables. Each kind has
    /// a method of its own, so the frame on the stack once per nesting level stays small.
    pub(super) fn check_pattern(&mut self, p: &Pattern, t: &Type, mutable: bool) {
        match &p.kind {
            PatternKind::Wildcard => {}
            PatternKind::Bind(n) => self.env.bind(n, t.clone(), mutable),
            PatternKind::Literal(e) => self.literal_pattern(p, e, t),
            PatternKind::Range { start, end, .. } => self.range_pattern(p, start, end, t),
            PatternKind::Tuple(items) => self.tuple_pattern(p, items, t, mutable),
            PatternKind::List { items, rest } => self.list_pattern(p, items, rest, t, mutable),
            PatternKind::Or(alts) => {
                for a in alts {
                    self.check_pattern(a, t, mutable);
                }
            }
            PatternKind::Variant { name, args } => {
                self.variant_pattern(p, &name.name, name.span, args, t, mutable)
            }
        }
    }

    /// A literal pattern (`1`, `"s"`, `true`, `null`).
    fn literal_pattern(&mut self, p: &Pattern, e: &Expr, t: &Type) {
        let lt = self.expr(e, None);
        let ok = t.is_lenient()
            || lt.is_lenient()
            || assignable(&lt, t)
            || (lt.is_numeric() && union_has_number(t));
        if !ok {
            self.err(
                codes::BAD_PATTERN,
                format!("a {lt} pattern cannot match a value of type {t}"),
                p.span,
            );
        }
    }

    /// A range pattern `1..=9`.
    fn range_pattern(&mut self, p: &Pattern, start: &Expr, end: &Expr, t: &Type) {
        let a = self.expr(start, None);
        let b = self.expr(end, None);
        if !(a.is_numeric() && b.is_numeric()) {
            self.err(
                codes::BAD_PATTERN,
                format!("a range pattern needs number bounds, found {a} and {b}"),
                p.span,
            );
        } else if !(t.is_lenient() || union_has_number(t)) {
            self.err(
                codes::BAD_PATTERN,
                format!("a range pattern cannot match a value of type {t}"),
                p.span,
            );
        }
    }

    /// A tuple pattern `(p, q)`.
    fn tuple_pattern(&mut self, p: &Pattern, items: &[Pattern], t: &Type, mutable: bool) {
        let inner = match t {
            Type::Tuple(ts) if ts.len() == items.len() => ts.clone(),
            t if t.is_lenient() => vec![t.clone(); items.len()],
            _ => {
                self.err(
                    codes::BAD_PATTERN,
                    format!(
                        "a tuple pattern of {} items cannot match a value of type {t}",
                        items.len()
                    ),
                    p.span,
                );
                vec![Type::Error; items.len()]
            }
        };
        for (it, ty) in items.iter().zip(inner) {
            self.check_pattern(it, &ty, mutable);
        }
    }

    /// A list pattern `[p, q, ...rest]`.
    fn list_pattern(
        &mut self,
        p: &Pattern,
        items: &[Pattern],
        rest: &Option<Option<crate::ast::Ident>>,
        t: &Type,
        mutable: bool,
    ) {
        let elem = match t {
            Type::List(e) => (**e).clone(),
            t if t.is_lenient() => t.clone(),
            _ => {
                self.err(
                    codes::BAD_PATTERN,
                    format!("a list pattern cannot match a value of type {t}"),
                    p.span,
                );
                Type::Error
            }
        };
        for it in items {
            self.check_pattern(it, &elem, mutable);
        }
        if let Some(Some(id)) = rest {
            let lt = if elem.is_lenient() && !matches!(t, Type::List(_)) {
                elem.clone()
            } else {
                Type::list(elem.clone())
            };
            self.env.bind(&id.name, lt, mutable);
        }
    }

    /// `Name`, `Name(p, q)`, `Name(field: p)`, `ok(p)`, `err(p)`.
    fn variant_pattern(
        &mut self,
        p: &Pattern,
        name: &str,
        name_span: Span,
        args: &[PatternArg],
        t: &Type,
        mutable: bool,
    ) {
        if (name == "ok" || name == "err") && self.symbol(name).is_none() {
            return self.result_pattern(p, name, args, t, mutable);
        }
        let Some(
            sym @ Symbol::Variant {
                file,
                item,
                variant,
            },
        ) = self.symbol(name)
        else {
            self.err(
                codes::UNKNOWN_NAME,
                format!("unknown variant `{name}`"),
                name_span,
            );
            for a in args {
                self.check_pattern(&a.pattern, &Type::Error, mutable);
            }
            return;
        };
        let enum_ty = self.adt_type(sym).unwrap_or(Type::Error);
        let fits = match t {
            Type::Adt {
                kind: AdtKind::Enum,
                file: f,
                item: i,
                ..
            } => *f == file && *i == item,
            Type::Union(ms) => ms
                .iter()
                .any(|m| assignable(&enum_ty, m) && !m.is_lenient()),
            t => t.is_lenient(),
        };
        if !fits {
            self.err(
                codes::BAD_PATTERN,
                format!("variant `{name}` of enum {enum_ty} cannot match a value of type {t}"),
                p.span,
            );
        }
        let fields = self.variant_fields(file, item, variant).to_vec();
        self.variant_arity(p, name, &fields, args);
        for (i, a) in args.iter().enumerate() {
            let ft = match &a.name {
                None => fields.get(i).map(|f| f.ty.clone()),
                Some(n) => {
                    let f = fields
                        .iter()
                        .find(|f| f.name.as_deref() == Some(n.name.as_str()));
                    if f.is_none() {
                        self.err(
                            codes::UNKNOWN_FIELD,
                            format!("variant `{name}` has no field `{}`", n.name),
                            n.span,
                        );
                    }
                    f.map(|f| f.ty.clone())
                }
            };
            self.check_pattern(&a.pattern, &ft.unwrap_or(Type::Error), mutable);
        }
    }

    /// `ok(p)` / `err(p)` against a value of type `t`.
    fn result_pattern(
        &mut self,
        p: &Pattern,
        name: &str,
        args: &[PatternArg],
        t: &Type,
        mutable: bool,
    ) {
        let inner = match t {
            Type::Result(a, b) => {
                if name == "ok" {
                    (**a).clone()
                } else {
                    (**b).clone()
                }
            }
            t if t.is_lenient() => t.clone(),
            _ => {
                self.err(
                    codes::BAD_PATTERN,
                    format!("an `{name}` pattern cannot match a value of type {t}"),
                    p.span,
                );
                Type::Error
            }
        };
        if args.len() > 1 {
            self.err(
                codes::BAD_PATTERN,
                format!(
                    "an `{name}` pattern takes one sub-pattern, found {}",
                    args.len()
                ),
                p.span,
            );
        }
        for a in args {
            self.check_pattern(&a.pattern, &inner, mutable);
        }
    }

    /// Reports a variant pattern with the wrong number of sub-patterns.
    fn variant_arity(
        &mut self,
        p: &Pattern,
        name: &str,
        fields: &[super::Slot],
        args: &[PatternArg],
    ) {
        if fields.is_empty() && !args.is_empty() {
            self.err(
                codes::BAD_PATTERN,
                format!(
                    "variant `{name}` has no payload, but the pattern has {} sub-pattern(s)",
                    args.len()
                ),
                p.span,
            );
        } else if !args.is_empty()
            && args.iter().all(|a| a.name.is_none())
            && args.len() != fields.len()
        {
            self.err(
                codes::BAD_PATTERN,
                format!(
                    "variant `{name}` has {} field{}, but the pattern has {}",
                    fields.len(),
                    if fields.len() == 1 { "" } else { "s" },
                    args.len()
                ),
                p.span,
            );
        } else if args
            .iter()
            .enumerate()
            .any(|(i, a)| a.name.is_none() && i >= fields.len())
        {
            // Named and positional sub-patterns mixed: a positional one takes the slot of
            // its position, which must exist (found by the fuzzer: `Rect(w: a, b, c, h: d)`).
            self.err(
                codes::BAD_PATTERN,
                format!(
                    "variant `{name}` has {} field{}, but the pattern has {} sub-patterns",
                    fields.len(),
                    if fields.len() == 1 { "" } else { "s" },
                    args.len()
                ),
                p.span,
            );
        }
    }

    // ----- exhaustiveness ----------------------------------------------------------------

    /// Converts an AST pattern into a [`Pat`].
    fn simplify(&self, p: &Pattern) -> Pat {
        match &p.kind {
            PatternKind::Wildcard | PatternKind::Bind(_) => Pat::Wild,
            PatternKind::Literal(e) => match e.kind {
                ExprKind::Bool(b) => Pat::Ctor(Ctor::Bool(b), Vec::new()),
                ExprKind::Null => Pat::Ctor(Ctor::Null, Vec::new()),
                _ => Pat::Opaque,
            },
            PatternKind::Range { .. } => Pat::Opaque,
            PatternKind::Tuple(items) => Pat::Ctor(
                Ctor::Tuple,
                items.iter().map(|x| self.simplify(x)).collect(),
            ),
            PatternKind::List { items, rest } => Pat::Ctor(
                Ctor::List {
                    len: items.len(),
                    rest: rest.is_some(),
                },
                items.iter().map(|x| self.simplify(x)).collect(),
            ),
            PatternKind::Or(alts) => Pat::Or(alts.iter().map(|x| self.simplify(x)).collect()),
            PatternKind::Variant { name, args } => {
                if (name.name == "ok" || name.name == "err") && self.symbol(&name.name).is_none() {
                    let inner = args
                        .first()
                        .map(|a| self.simplify(&a.pattern))
                        .unwrap_or(Pat::Wild);
                    let c = if name.name == "ok" {
                        Ctor::Ok
                    } else {
                        Ctor::Err
                    };
                    return Pat::Ctor(c, vec![inner]);
                }
                let Some(Symbol::Variant {
                    file,
                    item,
                    variant,
                }) = self.symbol(&name.name)
                else {
                    return Pat::Opaque;
                };
                let fields = self.variant_fields(file, item, variant).to_vec();
                let mut subs = vec![Pat::Wild; fields.len()];
                for (i, a) in args.iter().enumerate() {
                    let pos = match &a.name {
                        None => Some(i),
                        Some(n) => fields
                            .iter()
                            .position(|f| f.name.as_deref() == Some(n.name.as_str())),
                    };
                    if let Some(slot) = pos.and_then(|j| subs.get_mut(j)) {
                        *slot = self.simplify(&a.pattern);
                    }
                }
                Pat::Ctor(Ctor::Variant(file, item, variant), subs)
            }
        }
    }

    /// The constructors of type `t` with their argument types, when finitely many.
    /// `column` holds the head patterns (list lengths depend on them).
    fn ctors_of(&self, t: &Type, column: &[&Pat]) -> Option<Vec<(Ctor, Vec<Type>)>> {
        match t {
            Type::Adt {
                kind: AdtKind::Enum,
                file,
                item,
                ..
            } => {
                let e = self.enums.get(&(*file, *item))?;
                Some(
                    e.variants
                        .iter()
                        .enumerate()
                        .map(|(i, v)| {
                            (
                                Ctor::Variant(*file, *item, i),
                                v.fields.iter().map(|f| f.ty.clone()).collect(),
                            )
                        })
                        .collect(),
                )
            }
            Type::Bool => Some(vec![
                (Ctor::Bool(true), Vec::new()),
                (Ctor::Bool(false), Vec::new()),
            ]),
            Type::Result(a, b) => Some(vec![
                (Ctor::Ok, vec![(**a).clone()]),
                (Ctor::Err, vec![(**b).clone()]),
            ]),
            Type::Tuple(ts) => Some(vec![(Ctor::Tuple, ts.clone())]),
            Type::Null => Some(vec![(Ctor::Null, Vec::new())]),
            Type::Union(_) if t.has_null() => {
                let rest = t.strip_null();
                let mut cs = self.ctors_of(&rest, column)?;
                cs.push((Ctor::Null, Vec::new()));
                Some(cs)
            }
            // A union of enums (and `Bool`) has the constructors of its members.
            Type::Union(members)
                if members.iter().all(|m| {
                    matches!(
                        m,
                        Type::Bool
                            | Type::Adt {
                                kind: AdtKind::Enum,
                                ..
                            }
                    )
                }) =>
            {
                let mut cs = Vec::new();
                for m in members {
                    cs.extend(self.ctors_of(m, column)?);
                }
                Some(cs)
            }
            Type::List(e) => {
                let mut m = 0;
                for p in column {
                    if let Pat::Ctor(Ctor::List { len, .. }, _) = p {
                        m = m.max(*len);
                    }
                }
                let mut cs: Vec<(Ctor, Vec<Type>)> = (0..=m)
                    .map(|k| {
                        (
                            Ctor::List {
                                len: k,
                                rest: false,
                            },
                            vec![(**e).clone(); k],
                        )
                    })
                    .collect();
                cs.push((
                    Ctor::List {
                        len: m + 1,
                        rest: true,
                    },
                    vec![(**e).clone(); m + 1],
                ));
                Some(cs)
            }
            _ => None,
        }
    }

    /// Names of the cases the rows leave uncovered (`_` when the type needs a catch-all).
    fn missing(&self, rows: &[Vec<Pat>], t: &Type) -> Vec<String> {
        let rows = expand(rows);
        let heads: Vec<&Pat> = rows.iter().filter_map(|r| r.first()).collect();
        let mut budget = BUDGET;
        match self.ctors_of(t, &heads) {
            Some(cs) if !cs.is_empty() => {
                // The rows each constructor can match: those with its head, and those whose
                // head matches more than one constructor (`_`, list patterns). Grouping keeps
                // a match over an enum of thousands of variants linear.
                let mut by_ctor: HashMap<&Ctor, Vec<usize>> = HashMap::new();
                let mut general = Vec::new();
                for (i, r) in rows.iter().enumerate() {
                    match r.first() {
                        Some(Pat::Ctor(c, _)) if !matches!(c, Ctor::List { .. }) => {
                            by_ctor.entry(c).or_default().push(i)
                        }
                        _ => general.push(i),
                    }
                }
                cs.iter()
                    .filter_map(|(c, args)| {
                        let mut idx = by_ctor.get(c).cloned().unwrap_or_default();
                        idx.extend_from_slice(&general);
                        idx.sort_unstable();
                        budget = budget.checked_sub(idx.len().max(1))?;
                        let some: Vec<Vec<Pat>> =
                            idx.iter().filter_map(|&i| rows.get(i).cloned()).collect();
                        let sub = specialize(&some, c, args.len());
                        if sub.is_empty() {
                            // No arm matches this constructor at all.
                            return Some(self.ctor_text(c, &vec!["_".to_string(); args.len()]));
                        }
                        if args.is_empty() {
                            // An arm matches it, and it has nothing inside to miss.
                            return None;
                        }
                        let w = self.witness(sub, args, &mut budget, 0)?;
                        Some(self.ctor_text(c, &w))
                    })
                    .collect()
            }
            _ => {
                if self
                    .witness(rows, std::slice::from_ref(t), &mut budget, 0)
                    .is_some()
                {
                    vec!["_".to_string()]
                } else {
                    Vec::new()
                }
            }
        }
    }

    /// A value that no row matches, written as one pattern per column of `tys` (the
    /// "usefulness" of an all-wildcard row, with its witness), or `None` when the rows cover
    /// every value.
    fn witness(
        &self,
        rows: Vec<Vec<Pat>>,
        tys: &[Type],
        budget: &mut usize,
        depth: usize,
    ) -> Option<Vec<String>> {
        let mut rows = expand_owned(rows);
        let mut tys = tys;
        // Columns no row tests are skipped in this loop (their witness is `_`); only a split
        // on constructors recurses, at most MAX_USEFUL_DEPTH deep (then, like at the end of
        // the budget, the match is taken as exhaustive).
        let mut wild = 0usize;
        loop {
            // Each call also costs its fixed overhead (allocations): counted as 64 cells.
            let cost = rows.len() * tys.len() + 64;
            if *budget < cost || depth > MAX_USEFUL_DEPTH {
                *budget = 0;
                return None;
            }
            *budget -= cost;
            let Some((first, rest)) = tys.split_first() else {
                return rows.is_empty().then(|| vec!["_".to_string(); wild]);
            };
            if rows.is_empty() {
                // No row is left: every remaining column's witness is `_`.
                return Some(vec!["_".to_string(); wild + tys.len()]);
            }
            let heads: Vec<&Pat> = rows.iter().filter_map(|r| r.first()).collect();
            // Split on constructors only when some row tests one; an all-wildcard column goes
            // to the default matrix (this also stops recursive types from unfolding forever).
            let any_ctor = heads.iter().any(|p| matches!(p, Pat::Ctor(..)));
            let cs = if any_ctor {
                self.ctors_of(first, &heads)
            } else {
                None
            };
            match cs {
                Some(cs) if !cs.is_empty() => {
                    // The argument types built here are work (and memory) too: a variant of
                    // thousands of fields split at every level would otherwise grow the
                    // memory with the nesting times the width.
                    let arg_cells: usize = cs.iter().map(|(_, a)| a.len() + rest.len()).sum();
                    if *budget < arg_cells {
                        *budget = 0;
                        return None;
                    }
                    *budget -= arg_cells;
                    for (c, args) in cs {
                        let arity = args.len();
                        let sub = specialize(&rows, &c, arity);
                        let mut tys2 = args;
                        tys2.extend(rest.iter().cloned());
                        if let Some(w) = self.witness(sub, &tys2, budget, depth + 1) {
                            let (inner, after) = w.split_at(arity.min(w.len()));
                            let mut out = vec!["_".to_string(); wild];
                            out.push(self.ctor_text(&c, inner));
                            out.extend(after.iter().cloned());
                            return Some(out);
                        }
                    }
                    return None;
                }
                _ => {
                    // Drop this column and every following one that needs no split (no
                    // or-pattern, and no constructor of a type with finitely many), keeping
                    // the rows with `_` there, in one pass: wide all-wildcard payloads cost
                    // linear work, not a copy of the matrix per column.
                    let mut keep: Vec<&Vec<Pat>> = rows
                        .iter()
                        .filter(|r| matches!(r.first(), Some(Pat::Wild)))
                        .collect();
                    let mut skip = 1;
                    while let Some(t) = tys.get(skip) {
                        let col: Vec<&Pat> = keep.iter().filter_map(|r| r.get(skip)).collect();
                        if col.iter().any(|p| matches!(p, Pat::Or(_))) {
                            break;
                        }
                        if col.iter().any(|p| matches!(p, Pat::Ctor(..)))
                            && self.ctors_of(t, &col).is_some_and(|cs| !cs.is_empty())
                        {
                            break;
                        }
                        keep.retain(|r| matches!(r.get(skip), Some(Pat::Wild)));
                        skip += 1;
                        if keep.is_empty() {
                            break;
                        }
                    }
                    let d: Vec<Vec<Pat>> = keep
                        .iter()
                        .map(|r| r.iter().skip(skip).cloned().collect())
                        .collect();
                    rows = expand_owned(d);
                    tys = tys.get(skip..).unwrap_or_default();
                    wild += skip;
                }
            }
        }
    }

    /// A constructor applied to the witness patterns of its arguments, as pattern text.
    fn ctor_text(&self, c: &Ctor, args: &[String]) -> String {
        let list = args.join(", ");
        match c {
            Ctor::Variant(..) if args.is_empty() => self.variant_name(c),
            Ctor::Variant(..) => format!("{}({list})", self.variant_name(c)),
            Ctor::Bool(b) => b.to_string(),
            Ctor::Ok => format!("ok({list})"),
            Ctor::Err => format!("err({list})"),
            Ctor::Null => "null".into(),
            Ctor::Tuple => format!("({list})"),
            Ctor::List { rest: false, .. } => format!("[{list}]"),
            Ctor::List { rest: true, .. } if args.is_empty() => "[...]".into(),
            Ctor::List { rest: true, .. } => format!("[{list}, ...]"),
        }
    }

    /// The name of an enum variant constructor (`_` when unknown).
    fn variant_name(&self, c: &Ctor) -> String {
        match c {
            Ctor::Variant(f, i, v) => self
                .enums
                .get(&(*f, *i))
                .and_then(|e| e.variants.get(*v))
                .map(|v| v.name.clone())
                .unwrap_or_else(|| "_".into()),
            _ => "_".into(),
        }
    }
}

/// True for an unguarded pattern that matches every value.
fn is_catch_all(p: &Pattern) -> bool {
    match &p.kind {
        PatternKind::Wildcard | PatternKind::Bind(_) => true,
        PatternKind::Or(alts) => alts.iter().any(is_catch_all),
        _ => false,
    }
}

/// True when a number literal pattern can match `t`.
fn union_has_number(t: &Type) -> bool {
    match t {
        Type::Int | Type::Float => true,
        Type::Union(ms) => ms.iter().any(|m| matches!(m, Type::Int | Type::Float)),
        t => t.is_lenient(),
    }
}

/// Expands or-patterns at the head of each row into separate rows.
fn expand(rows: &[Vec<Pat>]) -> Vec<Vec<Pat>> {
    let mut out = Vec::new();
    for r in rows {
        expand_row(r, &mut out, 0);
    }
    out
}

/// [`expand`], without copying the rows when no head is an or-pattern.
fn expand_owned(rows: Vec<Vec<Pat>>) -> Vec<Vec<Pat>> {
    if rows.iter().any(|r| matches!(r.first(), Some(Pat::Or(_)))) {
        expand(&rows)
    } else {
        rows
    }
}

fn expand_row(r: &[Pat], out: &mut Vec<Vec<Pat>>, depth: usize) {
    match r.split_first() {
        Some((Pat::Or(alts), rest)) if depth < 64 => {
            for a in alts {
                let mut row = vec![a.clone()];
                row.extend(rest.iter().cloned());
                expand_row(&row, out, depth + 1);
            }
        }
        _ => out.push(r.to_vec()),
    }
}

/// The rows that match constructor `c` (of `arity` arguments), with the head replaced by
/// its arguments.
fn specialize(rows: &[Vec<Pat>], c: &Ctor, arity: usize) -> Vec<Vec<Pat>> {
    let mut out = Vec::new();
    for r in rows {
        let Some((head, rest)) = r.split_first() else {
            continue;
        };
        let args: Option<Vec<Pat>> = match head {
            Pat::Wild => Some(vec![Pat::Wild; arity]),
            Pat::Opaque | Pat::Or(_) => None,
            Pat::Ctor(pc, subs) => match (pc, c) {
                (
                    Ctor::List {
                        len: n,
                        rest: false,
                    },
                    Ctor::List {
                        len: k,
                        rest: false,
                    },
                ) => (n == k).then(|| subs.clone()),
                (Ctor::List { len: n, rest: true }, Ctor::List { len: k, .. }) if n <= k => {
                    let mut a = subs.clone();
                    a.resize(arity, Pat::Wild);
                    Some(a)
                }
                (Ctor::List { .. }, Ctor::List { .. }) => None,
                (a, b) if a == b => {
                    let mut a = subs.clone();
                    a.resize(arity, Pat::Wild);
                    Some(a)
                }
                _ => None,
            },
        };
        if let Some(mut a) = args {
            a.extend(rest.iter().cloned());
            out.push(a);
        }
    }
    out
}
