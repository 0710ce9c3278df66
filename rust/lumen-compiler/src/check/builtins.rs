//! Signatures of the built-in functions (spec §8), checked by hand because most are
//! generic (`map(list[T], fn(T) -> U) -> list[U]`).
//!
//! Decisions: `floor`, `ceil` and `round` take a number and return `Int`; `sqrt` returns
//! `Float`; `pow` returns `Int` for two Ints and `Float` otherwise (like `**`); `min`/`max`
//! take two numbers (or two Strings) or one list; `index_of` returns `Int` (-1 when absent);
//! `first`, `last`, `find` and `get` (without default) return an optional; `min`/`max` of
//! a list return the element type (an empty list is a run-time error); `halt` never
//! returns. Builtins take positional arguments only and are not first-class values.

use super::types::{arith, assignable, join, Type};
use super::Checker;
use crate::ast::Arg;
use crate::diagnostic::codes;
use crate::span::Span;

/// Accepted argument counts of each builtin (inclusive), or `None` for other names.
fn arity(name: &str) -> Option<(usize, usize)> {
    Some(match name {
        "print" => (0, 255),
        "to_string" | "string" | "to_int" | "to_float" | "type_of" | "parse_json" | "to_json" => {
            (1, 1)
        }
        "len" | "length" | "upper" | "lower" | "trim" | "chars" => (1, 1),
        "split" | "join" | "contains" | "starts_with" | "ends_with" | "index_of" | "repeat" => {
            (2, 2)
        }
        "replace" => (3, 3),
        "slice" | "pad_left" | "pad_right" => (2, 3),
        "abs" | "floor" | "ceil" | "round" | "sqrt" => (1, 1),
        "min" | "max" => (1, 2),
        "pow" => (2, 2),
        "clamp" => (3, 3),
        "append" => (2, 2),
        "sort" | "reverse" | "first" | "last" | "is_empty" | "enumerate" | "flatten" | "unique"
        | "sum" => (1, 1),
        "sort_by" | "take" | "drop" | "zip" | "map" | "filter" | "any" | "all" | "find" => (2, 2),
        "range" => (1, 3),
        "reduce" => (3, 3),
        "keys" | "values" | "entries" => (1, 1),
        "has_key" | "remove" | "merge" => (2, 2),
        "get" => (2, 3),
        "set" => (3, 3),
        "halt" => (1, 1),
        _ => return None,
    })
}

/// True for the names of builtin functions (`halt` included).
pub(super) fn is_builtin(name: &str) -> bool {
    arity(name).is_some()
}

impl Checker<'_> {
    /// Checks a call of builtin `name`; `None` when `name` is not a builtin.
    pub(super) fn builtin_call(
        &mut self,
        name: &str,
        args: &[Arg],
        span: Span,
        hint: Option<&Type>,
    ) -> Option<Type> {
        let (min, max) = arity(name)?;
        if self.bad_builtin_args(name, args, span, (min, max)) {
            self.args_unchecked(args);
            return Some(if name == "halt" {
                Type::Never
            } else {
                Type::Error
            });
        }
        let mut b = Call { name, args, span };
        Some(self.builtin_typed(&mut b, hint))
    }

    /// Reports named arguments and a wrong argument count of builtin `name` (which takes
    /// `min..=max` arguments); true when there was one.
    fn bad_builtin_args(
        &mut self,
        name: &str,
        args: &[Arg],
        span: Span,
        (min, max): (usize, usize),
    ) -> bool {
        let mut bad = false;
        for a in args {
            if let Some(n) = &a.name {
                self.err(
                    codes::BAD_NAMED_ARG,
                    format!(
                        "builtin `{name}` takes positional arguments only (found `{}:`)",
                        n.name
                    ),
                    n.span,
                );
                bad = true;
            }
        }
        if args.len() < min || args.len() > max {
            let takes = if min == max {
                format!("{min} argument{}", if min == 1 { "" } else { "s" })
            } else {
                format!("{min} to {max} arguments")
            };
            self.err(
                codes::WRONG_ARG_COUNT,
                format!("`{name}` takes {takes}, but {} were given", args.len()),
                span,
            );
            bad = true;
        }
        bad
    }

    /// The result type of builtin call `b`, checking its arguments. The signatures are split
    /// into groups, one function each, so that the frame on the stack while an argument is
    /// checked (an argument can be another builtin call: `abs(abs(...))`, `x |> f() |> g()`)
    /// stays small.
    fn builtin_typed(&mut self, b: &mut Call<'_>, hint: Option<&Type>) -> Type {
        if let Some(t) = self.builtin_text(b) {
            return t;
        }
        if let Some(t) = self.builtin_math(b) {
            return t;
        }
        if let Some(t) = self.builtin_list(b) {
            return t;
        }
        if let Some(t) = self.builtin_hof(b, hint) {
            return t;
        }
        if let Some(t) = self.builtin_map(b) {
            return t;
        }
        self.args_unchecked(b.args);
        Type::Error
    }

    /// Conversions and strings.
    fn builtin_text(&mut self, b: &mut Call<'_>) -> Option<Type> {
        let n = b.args.len();
        Some(match b.name {
            "print" => {
                for i in 0..n {
                    b.any(self, i);
                }
                Type::Null
            }
            "to_string" | "string" | "type_of" | "to_json" => {
                b.any(self, 0);
                Type::Str
            }
            "to_int" | "to_float" => {
                let t = b.any(self, 0);
                if !(t.is_numeric() || assignable(&t, &Type::Str)) {
                    b.mismatch(self, 0, "Int, Float or String", &t);
                }
                Type::optional(if b.name == "to_int" {
                    Type::Int
                } else {
                    Type::Float
                })
            }
            "parse_json" => {
                b.want(self, 0, &Type::Str);
                Type::Json
            }
            "len" | "length" => {
                let t = b.any(self, 0);
                let ok = matches!(
                    t,
                    Type::Str | Type::List(_) | Type::Map(..) | Type::Tuple(_)
                ) || t.is_lenient();
                if !ok {
                    b.mismatch(self, 0, "a String, list, map or tuple", &t);
                }
                Type::Int
            }
            "upper" | "lower" | "trim" => {
                b.want(self, 0, &Type::Str);
                Type::Str
            }
            "chars" => {
                b.want(self, 0, &Type::Str);
                Type::list(Type::Str)
            }
            "split" => {
                b.want(self, 0, &Type::Str);
                b.want(self, 1, &Type::Str);
                Type::list(Type::Str)
            }
            "join" => {
                b.want(self, 0, &Type::list(Type::Str));
                b.want(self, 1, &Type::Str);
                Type::Str
            }
            "replace" => {
                for i in 0..3 {
                    b.want(self, i, &Type::Str);
                }
                Type::Str
            }
            "starts_with" | "ends_with" => {
                b.want(self, 0, &Type::Str);
                b.want(self, 1, &Type::Str);
                Type::Bool
            }
            "contains" | "index_of" => {
                let t = b.any(self, 0);
                match &t {
                    Type::Str => {
                        b.want(self, 1, &Type::Str);
                    }
                    Type::List(e) => {
                        b.want_elem(self, 1, e);
                    }
                    Type::Map(k, _) if b.name == "contains" => {
                        b.want(self, 1, k);
                    }
                    t if t.is_lenient() => {
                        b.any(self, 1);
                    }
                    t => {
                        b.mismatch(self, 0, "a String or a list", t);
                        b.any(self, 1);
                    }
                }
                if b.name == "contains" {
                    Type::Bool
                } else {
                    Type::Int
                }
            }
            "slice" | "take" | "drop" => {
                let t = b.any(self, 0);
                let ok = matches!(t, Type::Str | Type::List(_)) || t.is_lenient();
                if !ok {
                    b.mismatch(self, 0, "a list or a String", &t);
                }
                b.want(self, 1, &Type::Int);
                if n > 2 {
                    b.want(self, 2, &Type::optional(Type::Int));
                }
                if ok {
                    t
                } else {
                    Type::Error
                }
            }
            "repeat" => {
                b.want(self, 0, &Type::Str);
                b.want(self, 1, &Type::Int);
                Type::Str
            }
            "pad_left" | "pad_right" => {
                b.want(self, 0, &Type::Str);
                b.want(self, 1, &Type::Int);
                if n > 2 {
                    b.want(self, 2, &Type::Str);
                }
                Type::Str
            }
            _ => return None,
        })
    }

    /// Numbers.
    fn builtin_math(&mut self, b: &mut Call<'_>) -> Option<Type> {
        let n = b.args.len();
        Some(match b.name {
            "abs" => b.num(self, 0),
            "floor" | "ceil" | "round" => {
                b.num(self, 0);
                Type::Int
            }
            "sqrt" => {
                b.num(self, 0);
                Type::Float
            }
            "pow" => {
                let x = b.num(self, 0);
                let y = b.num(self, 1);
                arith(&x, &y)
            }
            "clamp" => {
                let x = b.num(self, 0);
                let lo = b.num(self, 1);
                let hi = b.num(self, 2);
                num_join(&num_join(&x, &lo), &hi)
            }
            "min" | "max" => {
                if n == 1 {
                    let e = b.list(self, 0);
                    if !(e.is_numeric() || assignable(&e, &Type::Str)) {
                        b.mismatch(
                            self,
                            0,
                            "a list of numbers or Strings",
                            &Type::list(e.clone()),
                        );
                    }
                    // An empty list is a run-time error, so the result is not optional.
                    return Some(e);
                }
                let x = b.any(self, 0);
                let y = b.any(self, 1);
                if x.is_numeric() && y.is_numeric() {
                    num_join(&x, &y)
                } else if assignable(&x, &Type::Str) && assignable(&y, &Type::Str) {
                    Type::Str
                } else {
                    self.err(
                        codes::TYPE_MISMATCH,
                        format!(
                            "`{}` compares two numbers or two Strings, found {x} and {y}",
                            b.name
                        ),
                        b.span,
                    );
                    Type::Error
                }
            }
            _ => return None,
        })
    }

    /// Lists.
    fn builtin_list(&mut self, b: &mut Call<'_>) -> Option<Type> {
        let n = b.args.len();
        Some(match b.name {
            "append" => {
                let e = b.list(self, 0);
                let v = b.arg(self, 1, Some(&e));
                if e.contains_unknown() {
                    Type::list(join(&e, &v))
                } else {
                    b.check(self, 1, &v, &e);
                    Type::list(e)
                }
            }
            "sort" | "unique" => Type::list(b.list(self, 0)),
            "reverse" => {
                let t = b.any(self, 0);
                let ok = matches!(t, Type::Str | Type::List(_)) || t.is_lenient();
                if !ok {
                    b.mismatch(self, 0, "a list or a String", &t);
                    return Some(Type::Error);
                }
                t
            }
            "sort_by" => {
                let e = b.list(self, 0);
                b.func(self, 1, vec![e.clone()], None);
                Type::list(e)
            }
            "range" => {
                for i in 0..n {
                    b.want(self, i, &Type::Int);
                }
                Type::list(Type::Int)
            }
            "first" | "last" => Type::optional(b.list(self, 0)),
            "is_empty" => {
                let t = b.any(self, 0);
                let ok = matches!(t, Type::Str | Type::List(_) | Type::Map(..)) || t.is_lenient();
                if !ok {
                    b.mismatch(self, 0, "a String, list or map", &t);
                }
                Type::Bool
            }
            "enumerate" => {
                let e = b.list(self, 0);
                Type::list(Type::Tuple(vec![Type::Int, e]))
            }
            "zip" => {
                let x = b.list(self, 0);
                let y = b.list(self, 1);
                Type::list(Type::Tuple(vec![x, y]))
            }
            "flatten" => {
                let e = b.list(self, 0);
                match e {
                    Type::List(inner) => Type::list(*inner),
                    t if t.is_lenient() => Type::list(t),
                    t => {
                        b.mismatch(self, 0, "a list of lists", &Type::list(t));
                        Type::Error
                    }
                }
            }
            "sum" => {
                let e = b.list(self, 0);
                if !e.is_numeric() {
                    b.mismatch(self, 0, "a list of numbers", &Type::list(e.clone()));
                    return Some(Type::Error);
                }
                match e {
                    Type::Unknown => Type::Int,
                    e => e,
                }
            }
            _ => return None,
        })
    }

    /// Higher-order list functions (lambda arguments get their parameter types as hints).
    fn builtin_hof(&mut self, b: &mut Call<'_>, hint: Option<&Type>) -> Option<Type> {
        Some(match b.name {
            "map" => {
                let e = b.list(self, 0);
                let r = b.func(self, 1, vec![e], None);
                Type::list(r)
            }
            "filter" => {
                let e = b.list(self, 0);
                b.func(self, 1, vec![e.clone()], Some(Type::Bool));
                Type::list(e)
            }
            "any" | "all" => {
                let e = b.list(self, 0);
                b.func(self, 1, vec![e], Some(Type::Bool));
                Type::Bool
            }
            "find" => {
                let e = b.list(self, 0);
                b.func(self, 1, vec![e.clone()], Some(Type::Bool));
                Type::optional(e)
            }
            "reduce" => {
                let e = b.list(self, 0);
                let init = b.arg(self, 2, hint);
                let acc = match init {
                    Type::Never => Type::Unknown,
                    t => t,
                };
                let r = b.func(self, 1, vec![acc.clone(), e], None);
                if !assignable(&r, &acc) {
                    self.err(
                        codes::TYPE_MISMATCH,
                        format!("argument 2 of `reduce`: the function must return the accumulator type: expected {acc}, found {r}"),
                        b.arg_span(1),
                    );
                }
                join(&acc, &r)
            }
            _ => return None,
        })
    }

    /// Maps, and `halt`.
    fn builtin_map(&mut self, b: &mut Call<'_>) -> Option<Type> {
        let n = b.args.len();
        Some(match b.name {
            "keys" => Type::list(b.map(self, 0).0),
            "values" => Type::list(b.map(self, 0).1),
            "entries" => {
                let (k, v) = b.map(self, 0);
                Type::list(Type::Tuple(vec![k, v]))
            }
            "has_key" => {
                let (k, _) = b.map(self, 0);
                b.want(self, 1, &k);
                Type::Bool
            }
            "get" => {
                let (k, v) = b.map(self, 0);
                b.want(self, 1, &k);
                if n > 2 {
                    let d = b.arg(self, 2, Some(&v));
                    join(&v, &d)
                } else if v.is_lenient() {
                    v
                } else {
                    Type::optional(v)
                }
            }
            "set" => {
                let (k, v) = b.map(self, 0);
                let kt = b.arg(self, 1, Some(&k));
                let vt = b.arg(self, 2, Some(&v));
                if k.contains_unknown() || v.contains_unknown() {
                    Type::map(join(&k, &kt), join(&v, &vt))
                } else {
                    b.check(self, 1, &kt, &k);
                    b.check(self, 2, &vt, &v);
                    Type::map(k, v)
                }
            }
            "remove" => {
                let (k, v) = b.map(self, 0);
                b.want(self, 1, &k);
                Type::map(k, v)
            }
            "merge" => {
                let (k1, v1) = b.map(self, 0);
                let (k2, v2) = b.map(self, 1);
                Type::map(join(&k1, &k2), join(&v1, &v2))
            }
            "halt" => {
                b.want(self, 0, &Type::Str);
                Type::Never
            }
            _ => return None,
        })
    }
}

/// The common type of two numbers for `min`/`max`/`clamp`: Int and Int is Int, Float and
/// Float is Float, a mix is `Int | Float` (the value keeps its own kind at run time).
fn num_join(a: &Type, b: &Type) -> Type {
    if a.is_lenient() || b.is_lenient() {
        return arith(a, b);
    }
    Type::union(vec![a.clone(), b.clone()])
}

/// One builtin call being checked: argument access with uniform error messages.
struct Call<'a> {
    name: &'a str,
    args: &'a [Arg],
    span: Span,
}

impl Call<'_> {
    fn arg_span(&self, i: usize) -> Span {
        self.args.get(i).map(|a| a.value.span).unwrap_or(self.span)
    }

    fn ctx(&self, i: usize) -> String {
        format!("argument {} of `{}`", i + 1, self.name)
    }

    /// The type of argument `i` with a hint.
    fn arg(&self, c: &mut Checker<'_>, i: usize, hint: Option<&Type>) -> Type {
        match self.args.get(i) {
            Some(a) => c.expr(&a.value, hint),
            None => Type::Error,
        }
    }

    fn any(&self, c: &mut Checker<'_>, i: usize) -> Type {
        self.arg(c, i, None)
    }

    /// Argument `i` must be assignable to `t`.
    fn want(&self, c: &mut Checker<'_>, i: usize, t: &Type) -> Type {
        let a = self.arg(c, i, Some(t));
        self.check(c, i, &a, t);
        a
    }

    fn check(&self, c: &mut Checker<'_>, i: usize, found: &Type, expected: &Type) {
        c.require(found, expected, &self.ctx(i), self.arg_span(i));
    }

    /// Argument `i` is an element for a list of `elem` (numbers compare across kinds).
    fn want_elem(&self, c: &mut Checker<'_>, i: usize, elem: &Type) {
        let a = self.arg(c, i, Some(elem));
        if !(assignable(&a, elem) || assignable(elem, &a) || (a.is_numeric() && elem.is_numeric()))
        {
            self.check(c, i, &a, elem);
        }
    }

    fn mismatch(&self, c: &mut Checker<'_>, i: usize, expected: &str, found: &Type) {
        c.err(
            codes::TYPE_MISMATCH,
            format!("{}: expected {expected}, found {found}", self.ctx(i)),
            self.arg_span(i),
        );
    }

    /// Argument `i` is a number; returns its type.
    fn num(&self, c: &mut Checker<'_>, i: usize) -> Type {
        let a = self.arg(c, i, None);
        if !a.is_numeric() {
            self.mismatch(c, i, "Int or Float", &a);
            return Type::Error;
        }
        a
    }

    /// Argument `i` is a list; returns its element type.
    fn list(&self, c: &mut Checker<'_>, i: usize) -> Type {
        let a = self.arg(c, i, None);
        match a {
            Type::List(e) => *e,
            t if t.is_lenient() => t,
            Type::Never => Type::Unknown,
            t => {
                self.mismatch(c, i, "a list", &t);
                Type::Error
            }
        }
    }

    /// Argument `i` is a map; returns its key and value types.
    fn map(&self, c: &mut Checker<'_>, i: usize) -> (Type, Type) {
        let a = self.arg(c, i, None);
        match a {
            Type::Map(k, v) => (*k, *v),
            t if t.is_lenient() => (t.clone(), t),
            t => {
                self.mismatch(c, i, "a map", &t);
                (Type::Error, Type::Error)
            }
        }
    }

    /// Argument `i` is a function taking `params` (and returning `ret` when given);
    /// returns its return type.
    fn func(&self, c: &mut Checker<'_>, i: usize, params: Vec<Type>, ret: Option<Type>) -> Type {
        let hint = Type::func(params.clone(), ret.clone().unwrap_or(Type::Unknown));
        let a = self.arg(c, i, Some(&hint));
        match &a {
            Type::Fn(ps, r) => {
                let params_ok = ps.len() == params.len()
                    && params.iter().zip(ps).all(|(p, q)| assignable(p, q));
                let ret_ok = ret.as_ref().map(|want| assignable(r, want)).unwrap_or(true);
                if !params_ok || !ret_ok {
                    self.mismatch(c, i, &hint.to_string(), &a);
                    return Type::Error;
                }
                (**r).clone()
            }
            t if t.is_lenient() => t.clone(),
            t => {
                self.mismatch(c, i, &hint.to_string(), t);
                Type::Error
            }
        }
    }
}
