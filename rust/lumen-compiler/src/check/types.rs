//! The checker's type representation: display in source syntax, assignability, joins and
//! refinement of inference holes.
//!
//! Three special types keep checking lenient where it must be:
//! - [`Type::Unknown`] is an inference hole (the element type of `[]`, the return type of a
//!   recursive cell whose return type is still being inferred). It is compatible with
//!   everything and is replaced by the first concrete type a binding receives.
//! - [`Type::Error`] is the type of an expression that already produced a diagnostic; it is
//!   compatible with everything so one mistake gives one diagnostic.
//! - [`Type::Never`] is the type of code that does not finish (`return`, `halt`, `break`).

use std::fmt;

/// Whether a user-defined type is a record or an enum.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AdtKind {
    Record,
    Enum,
}

/// A static type.
#[derive(Debug, Clone, PartialEq)]
pub enum Type {
    Int,
    Float,
    Bool,
    Str,
    Null,
    Json,
    List(Box<Type>),
    Map(Box<Type>, Box<Type>),
    Tuple(Vec<Type>),
    Result(Box<Type>, Box<Type>),
    /// Normalized: flat, without duplicates, at least two members (see [`Type::union`]).
    Union(Vec<Type>),
    Fn(Vec<Type>, Box<Type>),
    /// A record or enum, identified by the file and item index of its declaration.
    Adt {
        kind: AdtKind,
        file: usize,
        item: usize,
        name: String,
    },
    /// An inference hole, compatible with everything.
    Unknown,
    /// Code that never finishes.
    Never,
    /// The type of an expression that already has a diagnostic.
    Error,
}

/// How deeply a type may nest (`list[list[...]]`, tuples of tuples, ...). Types can grow
/// without a deep syntax tree (`let b = [a]`, `let c = [b]`, ... one line each), and the
/// type operations recurse, so an expression whose type nests deeper is E0103.
pub const MAX_TYPE_DEPTH: usize = 100;

impl Type {
    /// True when the type nests deeper than `limit` levels (checked without recursion).
    pub fn deeper_than(&self, limit: usize) -> bool {
        let mut stack = vec![(self, 1usize)];
        while let Some((t, d)) = stack.pop() {
            if d > limit {
                return true;
            }
            match t {
                Type::List(a) => stack.push((a, d + 1)),
                Type::Map(a, b) | Type::Result(a, b) => {
                    stack.push((a, d + 1));
                    stack.push((b, d + 1));
                }
                Type::Tuple(ts) | Type::Union(ts) => stack.extend(ts.iter().map(|x| (x, d + 1))),
                Type::Fn(ps, r) => {
                    stack.extend(ps.iter().map(|x| (x, d + 1)));
                    stack.push((r, d + 1));
                }
                _ => {}
            }
        }
        false
    }

    /// `list[t]`
    pub fn list(t: Type) -> Type {
        Type::List(Box::new(t))
    }

    /// `map[k, v]`
    pub fn map(k: Type, v: Type) -> Type {
        Type::Map(Box::new(k), Box::new(v))
    }

    /// `result[t, e]`
    pub fn result(t: Type, e: Type) -> Type {
        Type::Result(Box::new(t), Box::new(e))
    }

    /// `fn(params) -> ret`
    pub fn func(params: Vec<Type>, ret: Type) -> Type {
        Type::Fn(params, Box::new(ret))
    }

    /// `t?`, that is `t | Null`.
    pub fn optional(t: Type) -> Type {
        Type::union(vec![t, Type::Null])
    }

    /// The normalized union of `items`: nested unions are flattened, duplicates and `Never`
    /// dropped; a union holding `Json` or `Error` is that type.
    pub fn union(items: Vec<Type>) -> Type {
        let mut out: Vec<Type> = Vec::new();
        fn add(out: &mut Vec<Type>, t: Type) {
            match t {
                Type::Union(ms) => {
                    for m in ms {
                        add(out, m);
                    }
                }
                Type::Never => {}
                t => {
                    if !out.contains(&t) {
                        out.push(t);
                    }
                }
            }
        }
        for t in items {
            add(&mut out, t);
        }
        if out.contains(&Type::Error) {
            return Type::Error;
        }
        if out.contains(&Type::Json) {
            return Type::Json;
        }
        // Keep `Null` last so `T?` reads naturally.
        if let Some(pos) = out.iter().position(|t| *t == Type::Null) {
            let n = out.remove(pos);
            out.push(n);
        }
        match out.len() {
            0 => Type::Never,
            1 => out.pop().unwrap_or(Type::Never),
            _ => Type::Union(out),
        }
    }

    /// True for the types that are compatible with everything.
    pub fn is_lenient(&self) -> bool {
        matches!(self, Type::Json | Type::Unknown | Type::Error)
    }

    /// True when `null` is a possible value.
    pub fn has_null(&self) -> bool {
        match self {
            Type::Null => true,
            Type::Union(ms) => ms.contains(&Type::Null),
            _ => false,
        }
    }

    /// The type without `Null` (`Int?` → `Int`); other types are unchanged.
    pub fn strip_null(&self) -> Type {
        match self {
            Type::Union(ms) => {
                Type::union(ms.iter().filter(|m| **m != Type::Null).cloned().collect())
            }
            Type::Null => Type::Never,
            t => t.clone(),
        }
    }

    /// True for `Int`, `Float`, a union of them, and the lenient types.
    pub fn is_numeric(&self) -> bool {
        match self {
            Type::Int | Type::Float => true,
            Type::Union(ms) => ms.iter().all(|m| matches!(m, Type::Int | Type::Float)),
            t => t.is_lenient(),
        }
    }

    /// True when an inference hole occurs anywhere inside.
    pub fn contains_unknown(&self) -> bool {
        match self {
            Type::Unknown => true,
            Type::List(t) => t.contains_unknown(),
            Type::Map(k, v) | Type::Result(k, v) => k.contains_unknown() || v.contains_unknown(),
            Type::Tuple(ts) | Type::Union(ts) => ts.iter().any(Type::contains_unknown),
            _ => false,
        }
    }
}

impl fmt::Display for Type {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fn member(f: &mut fmt::Formatter<'_>, t: &Type) -> fmt::Result {
            match t {
                Type::Fn(..) | Type::Union(_) => write!(f, "({t})"),
                _ => write!(f, "{t}"),
            }
        }
        fn list(f: &mut fmt::Formatter<'_>, ts: &[Type]) -> fmt::Result {
            for (i, t) in ts.iter().enumerate() {
                if i > 0 {
                    write!(f, ", ")?;
                }
                write!(f, "{t}")?;
            }
            Ok(())
        }
        match self {
            Type::Int => write!(f, "Int"),
            Type::Float => write!(f, "Float"),
            Type::Bool => write!(f, "Bool"),
            Type::Str => write!(f, "String"),
            Type::Null => write!(f, "Null"),
            Type::Json => write!(f, "Json"),
            Type::List(t) => write!(f, "list[{t}]"),
            Type::Map(k, v) => write!(f, "map[{k}, {v}]"),
            Type::Tuple(ts) => {
                write!(f, "tuple[")?;
                list(f, ts)?;
                write!(f, "]")
            }
            Type::Result(t, e) => write!(f, "result[{t}, {e}]"),
            Type::Union(ms) => {
                if ms.len() == 2 && ms.get(1) == Some(&Type::Null) {
                    if let Some(inner) = ms.first() {
                        member(f, inner)?;
                        return write!(f, "?");
                    }
                }
                for (i, m) in ms.iter().enumerate() {
                    if i > 0 {
                        write!(f, " | ")?;
                    }
                    member(f, m)?;
                }
                Ok(())
            }
            Type::Fn(ps, r) => {
                write!(f, "fn(")?;
                list(f, ps)?;
                write!(f, ") -> {r}")
            }
            Type::Adt { name, .. } => write!(f, "{name}"),
            Type::Unknown => write!(f, "_"),
            Type::Never => write!(f, "Never"),
            Type::Error => write!(f, "{{unknown}}"),
        }
    }
}

/// True when a value of type `from` may be used where `to` is expected.
pub fn assignable(from: &Type, to: &Type) -> bool {
    use Type::*;
    match (from, to) {
        (Error | Unknown | Json | Never, _) | (_, Error | Unknown | Json) => true,
        (Union(fs), _) => fs.iter().all(|f| assignable(f, to)),
        (_, Union(ts)) => ts.iter().any(|t| assignable(from, t)),
        (List(a), List(b)) => assignable(a, b),
        (Map(k1, v1), Map(k2, v2)) => assignable(k1, k2) && assignable(v1, v2),
        (Result(t1, e1), Result(t2, e2)) => assignable(t1, t2) && assignable(e1, e2),
        (Tuple(a), Tuple(b)) => {
            a.len() == b.len() && a.iter().zip(b).all(|(x, y)| assignable(x, y))
        }
        (Fn(p1, r1), Fn(p2, r2)) => {
            p1.len() == p2.len()
                && p1.iter().zip(p2).all(|(x, y)| assignable(y, x))
                && (assignable(r1, r2) || **r2 == Null)
        }
        (
            Adt {
                file: f1, item: i1, ..
            },
            Adt {
                file: f2, item: i2, ..
            },
        ) => f1 == f2 && i1 == i2,
        _ => from == to,
    }
}

/// The smallest type both `a` and `b` are assignable to (used for branches, list items,
/// inferred return types). Inference holes take the other side's type.
pub fn join(a: &Type, b: &Type) -> Type {
    use Type::*;
    match (a, b) {
        (Never, x) | (x, Never) => x.clone(),
        (Error, _) | (_, Error) => Error,
        (Unknown, x) | (x, Unknown) => x.clone(),
        (Json, _) | (_, Json) => Json,
        _ if a == b => a.clone(),
        (List(x), List(y)) => Type::list(join(x, y)),
        (Map(k1, v1), Map(k2, v2)) => Type::map(join(k1, k2), join(v1, v2)),
        (Result(t1, e1), Result(t2, e2)) => Type::result(join(t1, t2), join(e1, e2)),
        (Tuple(xs), Tuple(ys)) if xs.len() == ys.len() => {
            Tuple(xs.iter().zip(ys).map(|(x, y)| join(x, y)).collect())
        }
        _ => {
            if !a.contains_unknown() && assignable(b, a) {
                a.clone()
            } else if !b.contains_unknown() && assignable(a, b) {
                b.clone()
            } else {
                Type::union(vec![a.clone(), b.clone()])
            }
        }
    }
}

/// Fills the inference holes of a binding's declared type `decl` from a value of type `val`
/// assigned to it (`list[_]` and `list[Int]` give `list[Int]`; `_?` and `Int` give `Int?`).
pub fn refine(decl: &Type, val: &Type) -> Type {
    use Type::*;
    match (decl, val) {
        (Unknown, v) => match v {
            Never | Error => Unknown,
            v => v.clone(),
        },
        (Union(ms), v) if ms.contains(&Unknown) => {
            let v = v.strip_null();
            if matches!(v, Never | Error | Unknown) {
                return decl.clone();
            }
            let mut items: Vec<Type> = ms.iter().filter(|m| **m != Unknown).cloned().collect();
            items.insert(0, v);
            Type::union(items)
        }
        (List(a), List(b)) => Type::list(refine(a, b)),
        (Map(k1, v1), Map(k2, v2)) => Type::map(refine(k1, k2), refine(v1, v2)),
        (Result(t1, e1), Result(t2, e2)) => Type::result(refine(t1, t2), refine(e1, e2)),
        (Tuple(xs), Tuple(ys)) if xs.len() == ys.len() => {
            Tuple(xs.iter().zip(ys).map(|(x, y)| refine(x, y)).collect())
        }
        _ => decl.clone(),
    }
}

/// The type of an arithmetic result on two numeric operands: `Int` for two Ints, `Float`
/// otherwise; lenient operands give a lenient result.
pub fn arith(a: &Type, b: &Type) -> Type {
    match (a, b) {
        (Type::Error, _) | (_, Type::Error) => Type::Error,
        (Type::Json, _) | (_, Type::Json) => Type::Json,
        (Type::Unknown, _) | (_, Type::Unknown) => Type::Unknown,
        (Type::Int, Type::Int) => Type::Int,
        _ => Type::Float,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_uses_source_syntax() {
        assert_eq!(Type::list(Type::Int).to_string(), "list[Int]");
        assert_eq!(Type::optional(Type::Str).to_string(), "String?");
        assert_eq!(
            Type::func(vec![Type::Int], Type::Int).to_string(),
            "fn(Int) -> Int"
        );
        assert_eq!(
            Type::map(Type::Str, Type::Float).to_string(),
            "map[String, Float]"
        );
        assert_eq!(
            Type::Tuple(vec![Type::Int, Type::Str]).to_string(),
            "tuple[Int, String]"
        );
        assert_eq!(
            Type::union(vec![Type::Int, Type::Str]).to_string(),
            "Int | String"
        );
        assert_eq!(
            Type::optional(Type::func(vec![], Type::Int)).to_string(),
            "(fn() -> Int)?"
        );
    }

    #[test]
    fn assignability_rules() {
        assert!(assignable(&Type::Int, &Type::optional(Type::Int)));
        assert!(!assignable(&Type::optional(Type::Int), &Type::Int));
        assert!(!assignable(&Type::Int, &Type::Float));
        assert!(assignable(&Type::Str, &Type::Json));
        assert!(assignable(&Type::Json, &Type::Int));
        assert!(assignable(
            &Type::list(Type::Unknown),
            &Type::list(Type::Int)
        ));
    }

    #[test]
    fn join_and_refine_fill_holes() {
        let a = Type::result(Type::Int, Type::Unknown);
        let b = Type::result(Type::Unknown, Type::Str);
        assert_eq!(join(&a, &b), Type::result(Type::Int, Type::Str));
        assert_eq!(
            refine(&Type::list(Type::Unknown), &Type::list(Type::Int)),
            Type::list(Type::Int)
        );
        assert_eq!(
            refine(&Type::optional(Type::Unknown), &Type::Int),
            Type::optional(Type::Int)
        );
        assert_eq!(join(&Type::Int, &Type::Null), Type::optional(Type::Int));
    }
}
