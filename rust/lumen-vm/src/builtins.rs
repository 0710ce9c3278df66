//! The built-in functions the VM implements natively, by stable numeric id.
//!
//! The compiler refers to a builtin by `Builtin::from_name(name)` and emits
//! `CallBuiltin { builtin: b as u16, .. }`. Ids are part of the LIR format: append new
//! builtins at the end and bump `LIR_VERSION` when the list changes.
//!
//! Higher-order list functions (`map`, `filter`, `reduce`, `any`, `all`, `find`,
//! `sort_by`) are not here: the compiler lowers them to loops that call the closure with
//! `CallValue`, so no builtin ever calls back into Lumen code (no Rust recursion per call).
//! `sort_by` lowers to a loop computing keys, then `SortByKeys`.

use std::rc::Rc;

use crate::value::Value;

macro_rules! builtins {
    ($($variant:ident = $name:literal, $min:literal ..= $max:literal, $cost:expr;)*) => {
        /// A builtin function id.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[repr(u16)]
        pub enum Builtin {
            $($variant,)*
        }

        impl Builtin {
            /// Every builtin, in id order.
            pub const ALL: &'static [Builtin] = &[$(Builtin::$variant,)*];

            /// The Lumen name (aliases such as `length`/`string` map to one builtin
            /// through [`Builtin::from_name`]).
            pub fn name(self) -> &'static str {
                match self {
                    $(Builtin::$variant => $name,)*
                }
            }

            /// Accepted argument counts, inclusive.
            pub fn arity(self) -> (u8, u8) {
                match self {
                    $(Builtin::$variant => ($min, $max),)*
                }
            }

            /// How the fuel a call costs follows from its arguments.
            #[inline]
            pub fn cost(self) -> Cost {
                use Cost::*;
                match self {
                    $(Builtin::$variant => $cost,)*
                }
            }
        }
    };
}

builtins! {
    Print = "print", 0..=255, AllArgs;
    ToString = "to_string", 1..=1, Size(0);
    ToInt = "to_int", 1..=1, Size(0);
    ToFloat = "to_float", 1..=1, Size(0);
    TypeOf = "type_of", 1..=1, Unit;
    ParseJson = "parse_json", 1..=1, Size(0);
    ToJson = "to_json", 1..=1, Size(0);
    Len = "len", 1..=1, Size(0);
    Upper = "upper", 1..=1, Size(0);
    Lower = "lower", 1..=1, Size(0);
    Trim = "trim", 1..=1, Size(0);
    Split = "split", 2..=2, Size(0);
    Join = "join", 2..=2, Size(0);
    Replace = "replace", 3..=3, Size(0);
    Contains = "contains", 2..=2, Size(0);
    StartsWith = "starts_with", 2..=2, Size(1);
    EndsWith = "ends_with", 2..=2, Size(1);
    Chars = "chars", 1..=1, Size(0);
    IndexOf = "index_of", 2..=2, Size(0);
    Slice = "slice", 2..=3, Size(0);
    Repeat = "repeat", 2..=2, Repeat;
    PadLeft = "pad_left", 2..=3, Width;
    PadRight = "pad_right", 2..=3, Width;
    Abs = "abs", 1..=1, Unit;
    Min = "min", 1..=2, Size(0);
    Max = "max", 1..=2, Size(0);
    Floor = "floor", 1..=1, Unit;
    Ceil = "ceil", 1..=1, Unit;
    Round = "round", 1..=1, Unit;
    Sqrt = "sqrt", 1..=1, Unit;
    Pow = "pow", 2..=2, Unit;
    Clamp = "clamp", 3..=3, Unit;
    Append = "append", 2..=2, CopyOnWrite;
    Sort = "sort", 1..=1, Sort;
    Reverse = "reverse", 1..=1, Size(0);
    Range = "range", 1..=3, Range;
    First = "first", 1..=1, Unit;
    Last = "last", 1..=1, Unit;
    IsEmpty = "is_empty", 1..=1, Unit;
    Take = "take", 2..=2, Size(0);
    Drop = "drop", 2..=2, Size(0);
    Enumerate = "enumerate", 1..=1, Size(0);
    Zip = "zip", 2..=2, Size(0);
    Flatten = "flatten", 1..=1, Flatten;
    Unique = "unique", 1..=1, Unique;
    Sum = "sum", 1..=1, Size(0);
    Keys = "keys", 1..=1, Size(0);
    Values = "values", 1..=1, Size(0);
    Entries = "entries", 1..=1, Size(0);
    HasKey = "has_key", 2..=2, Unit;
    Get = "get", 2..=3, Unit;
    Set = "set", 3..=3, CopyOnWrite;
    Remove = "remove", 2..=2, CopyOnWrite;
    Merge = "merge", 2..=2, AllArgs;
    SortByKeys = "__sort_by_keys", 2..=2, Sort;
}

/// The fuel of a builtin call, from its arguments (issue 10 item 12): one unit per element
/// or byte of work, so a builtin cannot do unbounded work for free. Charged before the call
/// (see `machine`); [`Cost::Unit`] builtins do constant work and cost nothing extra. Every
/// cost but [`Cost::Range`] is constant when argument 0 is a scalar (the VM skips it then).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cost {
    /// Constant work.
    Unit,
    /// The size of argument `i`: bytes of a string, elements of a list, tuple or map.
    Size(u8),
    /// The sizes of all arguments together.
    AllArgs,
    /// `n · log2 n` in the length of argument 0.
    Sort,
    /// The size of the result of `repeat(x, n)`.
    Repeat,
    /// The width argument of `pad_left`/`pad_right`.
    Width,
    /// The number of elements `range` builds.
    Range,
    /// The elements `flatten` builds.
    Flatten,
    /// `unique`: linear for Int and String elements, quadratic in the others (compared
    /// pairwise).
    Unique,
    /// One unit, plus the size of argument 0 when it is shared (copy-on-write copies it).
    CopyOnWrite,
}

/// The size used by [`Cost`]: bytes of a string, elements of a list, tuple or map, else 1.
fn size(v: &Value) -> u64 {
    match v {
        Value::Str(s) => s.len() as u64,
        Value::List(xs) | Value::Tuple(xs) => xs.len() as u64,
        Value::Map(m) => m.len() as u64,
        _ => 1,
    }
}

impl Cost {
    /// The fuel a call with `args` costs.
    pub fn of(self, args: &[Value]) -> u64 {
        let arg = |i: u8| args.get(i as usize);
        let size_of = |i: u8| arg(i).map_or(0, size);
        let int = |i: u8| match arg(i) {
            Some(Value::Int(n)) => (*n).max(0) as u64,
            _ => 0,
        };
        match self {
            Cost::Unit => 0,
            Cost::Size(i) => size_of(i),
            Cost::AllArgs => args.iter().map(size).fold(0, u64::saturating_add),
            Cost::Sort => {
                let n = size_of(0);
                n.saturating_mul(u64::from(64 - n.leading_zeros()))
            }
            Cost::Repeat => size_of(0).saturating_mul(int(1)),
            Cost::Width => int(1),
            Cost::Range => {
                let (a, b, step) = match args {
                    [Value::Int(b)] => (0, *b, 1),
                    [Value::Int(a), Value::Int(b)] => (*a, *b, 1),
                    [Value::Int(a), Value::Int(b), Value::Int(s)] => (*a, *b, *s),
                    _ => (0, 0, 1),
                };
                let span = if step > 0 {
                    i128::from(b) - i128::from(a)
                } else {
                    i128::from(a) - i128::from(b)
                };
                let n = span.max(0).unsigned_abs() / u128::from(step.unsigned_abs().max(1));
                u64::try_from(n).unwrap_or(u64::MAX)
            }
            Cost::Flatten => match arg(0) {
                Some(Value::List(xs)) => xs
                    .iter()
                    .map(|x| match x {
                        Value::List(inner) => inner.len() as u64,
                        _ => 1,
                    })
                    .fold(xs.len() as u64, u64::saturating_add),
                _ => 1,
            },
            Cost::Unique => match arg(0) {
                Some(Value::List(xs)) => {
                    let others = xs
                        .iter()
                        .filter(|x| !matches!(x, Value::Int(_) | Value::Str(_)))
                        .count() as u64;
                    (xs.len() as u64).saturating_add(others.saturating_mul(others))
                }
                _ => 1,
            },
            Cost::CopyOnWrite => match arg(0) {
                Some(Value::List(xs)) if Rc::strong_count(xs) > 1 => 1 + xs.len() as u64,
                Some(Value::Map(m)) if Rc::strong_count(m) > 1 => 1 + m.len() as u64,
                _ => 1,
            },
        }
    }
}

impl Builtin {
    /// The builtin a Lumen name refers to, including the aliases `length` (= `len`) and
    /// `string` (= `to_string`). Higher-order functions return `None` (see module docs).
    pub fn from_name(name: &str) -> Option<Builtin> {
        match name {
            "length" => Some(Builtin::Len),
            "string" => Some(Builtin::ToString),
            _ => Builtin::ALL.iter().copied().find(|b| b.name() == name),
        }
    }

    /// The builtin with numeric id `id`, if any.
    pub fn from_id(id: u16) -> Option<Builtin> {
        Builtin::ALL.get(id as usize).copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip() {
        for (i, b) in Builtin::ALL.iter().enumerate() {
            assert_eq!(*b as u16 as usize, i);
            assert_eq!(Builtin::from_id(i as u16), Some(*b));
            assert_eq!(Builtin::from_name(b.name()), Some(*b));
        }
        assert_eq!(Builtin::from_name("length"), Some(Builtin::Len));
        assert_eq!(Builtin::from_name("map"), None);
    }
}
